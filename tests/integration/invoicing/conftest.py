"""Invoicing fixtures: a real SQLite file with every table, a session, a frozen clock."""
from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session

import processes.accounts.models  # noqa: F401
import processes.access.models  # noqa: F401
import processes.bookings.models  # noqa: F401
import processes.invoicing.models  # noqa: F401
import processes.payments.models  # noqa: F401
import processes.seasonparking.models  # noqa: F401
from engine import Base, make_db_engine

# 2026-03-02 10:00 in Brussels, as the rest of the suite.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def db_engine(tmp_path):
    """An SQLAlchemy engine on an SQLite file holding every table."""
    engine = make_db_engine(f"sqlite:///{tmp_path / 'invoicing.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(db_engine):
    """A session on the test database."""
    with Session(db_engine) as session:
        yield session


@pytest.fixture
def provider(db_engine):
    """The sandbox payment provider (processes.payments) on the test database."""
    from sqlalchemy.orm import sessionmaker

    from processes.payments import SandboxProvider
    return SandboxProvider(sessionmaker(bind=db_engine))


@pytest.fixture
def eng(db_engine, provider):
    """A workflow Engine with the invoicing handlers (collection and the daily round),
    charging through the sandbox provider."""
    from engine import Engine, ServiceRegistry
    from processes.invoicing import daily
    from processes.invoicing.handlers import register_handlers
    registry = register_handlers(ServiceRegistry(), db_engine, lambda: provider)
    return Engine(db_engine, services=daily.register_handlers(registry, db_engine))


def mail_to(smtp):
    """MailSettings pointing at the test server."""
    from processes.notifications import MailSettings
    return MailSettings(host="127.0.0.1", port=smtp.port, sender="parkops@acme.test",
                        timeout=2.0)
