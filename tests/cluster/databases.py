"""Own PostgreSQL databases for test modules that must leave the cluster tests' tables alone."""
import psycopg

from engine import Base
from engine.db import make_db_engine


def own_database(servers, name):
    """SQLAlchemy URL of a fresh PostgreSQL database `name` with every engine table."""
    pg, _ = servers
    with psycopg.connect(pg.admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg.admin_url(name).replace("postgresql://", "postgresql+psycopg://")
    db_engine = make_db_engine(url)
    Base.metadata.create_all(db_engine)
    db_engine.dispose()
    return url
