"""The Engine RQ job functions use in a worker process: built once, from the environment.

A worker process is a composition root like wsgi.py: it builds the app (configuration,
database, service handlers) on its first job and keeps it. Tests and embedding code may hand
it an engine of their own with `use()`.
"""
_engine = None


def engine():
    """This process's Engine (the app is created on first use)."""
    global _engine
    if _engine is None:
        from webapp import create_app   # the worker's composition root, not a layer import

        _engine = create_app().extensions["parkops"]
    return _engine


def use(engine_):
    """Make `engine_` the one job functions of this process use."""
    global _engine
    _engine = engine_
