"""Tunables of the payments package."""

CURRENCY = "EUR"
PROVIDER = "sandbox"                 # the only provider shipped; a real one plugs in beside it
TOKEN_BYTES = 12                     # random part of sandbox tokens and references
MAX_AMOUNT_CENTS = 10_000_000        # a single charge above this is refused as invalid
