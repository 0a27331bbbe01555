"""The daily rounds every organisation runs, started by `flask --app wsgi init`.

Each family with a daily round keeps a chain of instances: every round's first step starts the
next day's instance (waiting on its timer start event), so once started the chain goes on by
itself. `init` (run by `make run`, `make cluster` and on every deployment) makes sure each
chain has its next instance waiting, for every organisation; starting one twice does nothing.
"""
from processes.invoicing.daily import ensure_daily
from processes.seasonparking.housekeeping import ensure_scheduled


def ensure_rounds(engine, tenant):
    """Start whatever daily round of `tenant` has no instance waiting; names of those started."""
    started = []
    if ensure_scheduled(engine, tenant) is not None:
        started.append("season housekeeping (03:00)")
    if ensure_daily(engine, engine.db_engine, tenant) is not None:
        started.append("finance round (06:00)")
    return started
