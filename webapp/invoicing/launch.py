"""What the pages, the API and the CLI share: the provider, and starting a run.

The web starts a run on a background thread and answers at once; the run row carries its
progress. With INVOICING_RUN_INLINE (the tests' default) the run completes in the request.
"""
from flask import current_app
from sqlalchemy.orm import sessionmaker

from processes.invoicing import service
from processes.notifications import NotificationSettings
from processes.payments import make_provider

from ..extensions import db, get_engine


def provider():
    """The configured payment provider on the app's database."""
    return make_provider(sessionmaker(bind=db.engine))


def mail_settings():
    """The app's SMTP settings (alerts, dunning letters)."""
    return NotificationSettings.from_config(current_app.config).mail


def start_run(tenant, period, actor):
    """Open and carry out the run of `period`; returns its id (InvalidPeriod when bad)."""
    db.session.rollback()        # the run writes from its own connections
    if current_app.config.get("INVOICING_RUN_INLINE", current_app.testing):
        return service.run_month(db.engine, get_engine(), provider(), tenant, period,
                                 actor=actor).id
    return service.start_run_in_background(db.engine, get_engine(), provider(), tenant,
                                           period, actor)
