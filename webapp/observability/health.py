"""Reachability of the database and Redis, checked with a trivial round-trip each."""
from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tasks.queue import connect

from ..extensions import db


def check_health():
    """(healthy, {component: "ok" | "error: ..."}) for the database and, if set, Redis."""
    checks = {"database": _check_database()}
    url = current_app.config.get("REDIS_URL")
    if url:
        checks["redis"] = _check_redis(url)
    return all(v == "ok" for v in checks.values()), checks


def _check_database():
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except SQLAlchemyError as exc:
        return f"error: {type(exc).__name__}"


def _check_redis(url):
    try:
        connect(url).ping()
        return "ok"
    except RedisError as exc:
        return f"error: {type(exc).__name__}"
