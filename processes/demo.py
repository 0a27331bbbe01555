"""Demo data for `flask --app wsgi init --demo` (`make run`), one seeder per process family.

Each seeder is `seed(session, tenant_key) -> str | None`: it creates its demo rows when they
are missing (a second run changes nothing) and returns a one-line summary of what it made.
Seeders run in the order below, so later ones may use what earlier ones created.
"""
from importlib import import_module

SEEDERS = (
    "processes.bookings.demo:seed",
    "processes.penalties.demo:seed",          # on the demo bookings
    "processes.occurrences.demo:seed",
    "processes.seasonparking.demo:seed",
    "processes.invoicing.demo:seed",           # after the season-parking seeder
)


def seed_all(session, tenant_key):
    """Run every seeder; yields their summaries."""
    for path in SEEDERS:
        module, _, name = path.partition(":")
        summary = getattr(import_module(module), name)(session, tenant_key)
        if summary:
            yield summary
