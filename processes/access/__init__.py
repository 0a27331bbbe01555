"""Car-park access control: whitelisted plates and cards with the days they are valid.

`AccessControl` (control.py) is the interface the season-parker process issues credentials
through; `LocalAccessControl` records them in ParkOps' own table, which is what a car-park
system (barrier cameras, card readers) would be fed from.
"""
from .control import AccessControl, Grant, LocalAccessControl
from .models import AccessCredential

__all__ = ["AccessControl", "AccessCredential", "Grant", "LocalAccessControl"]
