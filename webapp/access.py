"""Who may open what: role checks and tenant-scoped lookups that every view calls.

Another tenant's object is a 404 (its existence is not revealed); a missing role is a 403.
"""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .extensions import get_engine

# Roles allowed into each area of the app; the role x route matrix test reads this too.
AREA_ROLES = {
    "basket": None,                                   # every logged-in user (tasks filter by role)
    "designer": ("designer", "admin"),
    "monitor": ("supervisor", "admin", "designer"),
    "admin": ("admin",),
    "bookings": ("back-office", "supervisor", "admin"),
    "occurrences": ("back-office", "supervisor", "admin"),
    "penalties": ("back-office", "supervisor", "admin"),
    "seasonparking": ("back-office", "supervisor", "admin"),
    "penalty_settings": ("admin",),
    "invoicing": ("back-office", "supervisor", "admin"),
}


def roles_required(*roles):
    """View decorator: log in first, then hold at least one of `roles` (else 403)."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if roles and not set(roles) & set(current_user.roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def area(name):
    """View decorator for an area of AREA_ROLES."""
    return roles_required(*(AREA_ROLES[name] or ()))


def get_task(task_id):
    """The current tenant's task `task_id`, or 404."""
    task = get_engine().task(task_id, tenant=current_user.tenant)
    if task is None:
        abort(404)
    return task


def get_instance(instance_id):
    """The current tenant's instance `instance_id`, or 404."""
    inst = get_engine().instance(instance_id, tenant=current_user.tenant)
    if inst is None:
        abort(404)
    return inst
