"""Home page view."""
from flask import render_template
from flask_login import current_user

from engine import defaults

from ..extensions import get_engine
from . import bp


@bp.get("/")
def index():
    """List the tenant's process definitions and count the open tasks of the user's roles."""
    eng = get_engine()
    definitions = eng.definitions(current_user.tenant)
    # One more than a page tells "more than a page" without counting every task.
    tasks = eng.open_tasks(
        current_user.tenant,
        roles=list(current_user.roles),
        user=current_user.username,
        limit=defaults.PAGE_SIZE + 1,
    )
    return render_template(
        "home/index.html",
        definitions=definitions,
        open_task_count=min(len(tasks), defaults.PAGE_SIZE),
        more_tasks=len(tasks) > defaults.PAGE_SIZE,
    )
