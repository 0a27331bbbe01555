"""Saved basket filters. Callers own the transaction: these functions flush, never commit."""
from sqlalchemy import func, select

from engine import clock
from engine.basket import View

from . import defaults
from .models import SavedFilter


class SavedFilterError(ValueError):
    """A filter could not be saved (empty or too long a name, too many filters)."""


def saved_filters(session, tenant, username):
    """The user's saved filters, by name."""
    return list(session.scalars(
        select(SavedFilter).where(SavedFilter.tenant == tenant, SavedFilter.username == username)
        .order_by(SavedFilter.name, SavedFilter.id)))


def save_filter(session, tenant, username, name, view, params):
    """Save `params` of basket `view` under `name`; a filter of the same name is replaced."""
    name = " ".join((name or "").split())
    if not name:
        raise SavedFilterError("Give the filter a name.")
    if len(name) > defaults.FILTER_NAME_MAX:
        raise SavedFilterError(f"Use at most {defaults.FILTER_NAME_MAX} characters.")
    saved = session.scalar(select(SavedFilter).where(
        SavedFilter.tenant == tenant, SavedFilter.username == username, SavedFilter.name == name))
    if saved is None:
        _check_room(session, tenant, username)
        saved = SavedFilter(tenant=tenant, username=username, name=name)
        session.add(saved)
    saved.view = View(view).value
    saved.params = {str(k): str(v) for k, v in params.items() if v not in (None, "")}
    saved.created_at = clock.now()
    session.flush()
    return saved


def delete_filter(session, tenant, username, filter_id):
    """Delete one of the user's filters; False when there is none by that id for this user."""
    saved = session.get(SavedFilter, filter_id)
    if saved is None or (saved.tenant, saved.username) != (tenant, username):
        return False
    session.delete(saved)
    session.flush()
    return True


def _check_room(session, tenant, username):
    held = session.scalar(select(func.count()).select_from(SavedFilter).where(
        SavedFilter.tenant == tenant, SavedFilter.username == username))
    if held >= defaults.MAX_SAVED_FILTERS:
        raise SavedFilterError(f"You have {held} saved filters already; delete one first.")
