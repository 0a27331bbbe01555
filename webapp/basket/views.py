"""View models of the basket list: what the routes hand to templates, built from engine.basket."""
from dataclasses import dataclass, field

from flask import current_app, url_for
from flask_login import current_user
from wtforms import SelectChoice

from engine import basket, clock
from processes import timewords
from engine import defaults as engine_defaults
from processes.accounts import roles as account_roles
from processes.accounts.services import get_tenant
from processes.basket import saved_filters

from ..extensions import db, get_engine
from .forms import SORT_LABELS, BulkForm, FilterForm, SaveFilterForm

VIEW_LABELS = {"inbox": "Inbox", "queue": "Queue", "escalated": "Escalated", "done": "Done"}
CLAIM_VIEWS = ("queue", "escalated")          # where unclaimed tasks can be listed
REASSIGN_VIEWS = ("inbox", "queue", "escalated")
# Direction a column sorts in when first clicked: most urgent / newest first.
FIRST_DIRECTION = {"due": "asc", "priority": "desc", "created": "desc", "process": "asc",
                   "completed": "desc"}


@dataclass
class ListPage:
    """Everything list.html shows, and the HTTP status to answer with."""

    context: dict = field(default_factory=dict)
    status: int = 200


def may_open(view):
    """True when the current user may open basket `view` (Escalated is for supervisors)."""
    return view != "escalated" or current_user.has_role(account_roles.SUPERVISOR)


def may_reassign():
    """Reassigning other people's work is a supervisor's call."""
    return current_user.has_role(account_roles.SUPERVISOR)


def viewer():
    """The engine's picture of the current user, with the tenant's time zone."""
    return basket.Viewer(tenant=current_user.tenant, user=current_user.username,
                         roles=tuple(current_user.roles), timezone=tenant_timezone())


def tenant_timezone():
    """IANA time zone of the current tenant (the app's default when the tenant has none)."""
    tenant = get_tenant(db.session, current_user.tenant)
    return (tenant.timezone if tenant is not None and tenant.timezone
            else current_app.config["TIMEZONE"])


def landing_view():
    """Inbox when something is assigned to the user, otherwise the Queue."""
    held = basket.count(get_engine(), basket.View.INBOX, viewer(), cap=0)
    return "inbox" if held else "queue"


def filter_form(view, args):
    """The filter bar read from `args`, with this tenant's processes and this user's roles."""
    form = FilterForm(formdata=args)
    definitions = get_engine().definitions(current_user.tenant)
    form.process_key.choices = [SelectChoice("", "All processes")] + [
        SelectChoice(d.key, d.name or d.key) for d in definitions if d.kind == "bpmn"]
    form.role.choices = [SelectChoice("", "All my roles")] + [
        SelectChoice(role) for role in current_user.roles]
    sorts = [s for s in SORT_LABELS if s != basket.SortField.COMPLETED or view == "done"]
    form.sort.choices = [SelectChoice("", "Default sort")] + [
        SelectChoice(s.value, SORT_LABELS[s]) for s in sorts]
    return form


def list_page(view, args, bulk_form=None, save_form=None, status=200):
    """The list page of `view` filtered by query `args`; 422 when the filter is invalid."""
    form = filter_form(view, args)
    who = viewer()
    if form.validate():
        # Read at call time, so the tunable stays one place (engine.defaults) for lists and counts.
        page = basket.fetch(get_engine(), view, who, _filters(form), _order(view, form),
                            page=form.page.data or 1, size=engine_defaults.PAGE_SIZE)
        params = form.params()
    else:
        page, params, status = basket.Page([], 1, engine_defaults.PAGE_SIZE, False), {}, 422
    context = {
        "view": view, "view_label": VIEW_LABELS[view], "filter_form": form, "params": params,
        "rows": _row_views(page.rows, view, who.timezone),
        "tabs": _tabs(view, who), "saved": _saved_links(view),
        "headers": _headers(view, form, params), "pager": _pager(view, page, params),
        "bulk_form": bulk_form or BulkForm(), "save_form": save_form or SaveFilterForm(),
        "timezone": who.timezone,
        "can_claim": view in CLAIM_VIEWS,
        "can_reassign": view in REASSIGN_VIEWS and may_reassign(),
    }
    return ListPage(context, status)


def save_current_filter(view, args, save_form):
    """Save the filter in `args` under the form's name; None (errors on the form) if refused."""
    form = filter_form(view, args)
    if not (save_form.validate() and form.validate()):
        return None
    try:
        saved = saved_filters.save_filter(db.session, current_user.tenant,
                                          current_user.username, save_form.name.data, view,
                                          form.params())
    except saved_filters.SavedFilterError as exc:
        db.session.rollback()
        save_form.name.errors = [str(exc)]
        return None
    db.session.commit()
    return saved


def delete_saved_filter(filter_id):
    """Delete one of the current user's saved filters; False when they have none by that id."""
    deleted = saved_filters.delete_filter(db.session, current_user.tenant,
                                          current_user.username, filter_id)
    db.session.commit()
    return deleted


def filter_args(view, args):
    """The valid filter parameters of `args`, to return to the same list after a POST."""
    form = filter_form(view, args)
    if not form.validate():
        return {}
    params = form.params()
    if form.page.data and form.page.data > 1:
        params["page"] = str(form.page.data)
    return params


# -- pieces of the page ---------------------------------------------------------------------
def _filters(form):
    return basket.Filters(process_key=form.process_key.data or None, role=form.role.data or None,
                          due=form.due.data or None, priority_min=form.priority.data,
                          text=(form.q.data or "").strip() or None)


def _order(view, form):
    if not form.sort.data:
        return basket.default_order(view)
    direction = form.order.data or FIRST_DIRECTION[form.sort.data]
    return basket.Order(basket.SortField(form.sort.data), descending=direction == "desc")


def _tabs(view, who):
    """(view, label, count text, url, current) for each view the user may open."""
    cap = engine_defaults.PAGE_SIZE
    tabs = []
    for name, label in VIEW_LABELS.items():
        if not may_open(name):
            continue
        held = basket.count(get_engine(), name, who, cap=cap)
        text = f"{cap}+" if held > cap else str(held)
        tabs.append((name, label, text, url_for("basket.view", view=name), name == view))
    return tabs


def _saved_links(view):
    return [{"id": s.id, "name": s.name, "view_label": VIEW_LABELS.get(s.view, s.view),
             "url": url_for("basket.view", view=s.view, **s.params),
             "delete_url": url_for("basket.delete_filter", filter_id=s.id, view=view)}
            for s in saved_filters.saved_filters(db.session, current_user.tenant,
                                                 current_user.username)]


def _headers(view, form, params):
    """Sortable column headers: link that sorts by it (or flips it) and its aria-sort state."""
    order = basket.default_order(view) if form.errors else _order(view, form)
    headers = {}
    for sort in SORT_LABELS:
        current = order.field == sort
        if current:
            direction = "asc" if order.descending else "desc"
        else:
            direction = FIRST_DIRECTION[sort.value]
        args = {k: v for k, v in params.items() if k not in ("sort", "order")}
        headers[sort.value] = {
            "url": url_for("basket.view", view=view, sort=sort.value, order=direction, **args),
            "aria": ("descending" if order.descending else "ascending") if current else None,
        }
    return headers


def _pager(view, page, params):
    def link(number):
        return url_for("basket.view", view=view, page=number, **params)
    return {"number": page.number,
            "previous": link(page.number - 1) if page.has_previous else None,
            "next": link(page.number + 1) if page.has_next else None}


def _row_views(rows, view, timezone):
    now = clock.now()
    tz = timewords.zone(timezone)
    return [_row_view(row, now, tz) for row in rows]


def _row_view(row, now, tz):
    task = row.task
    return {
        "id": task.id, "name": task.name,
        "url": url_for("basket.task", task_id=task.id),
        "process": row.process_name, "process_key": task.process_key,
        "business_key": task.business_key or "",
        "details": [(name, _shown(value)) for name, value in row.details],
        "created": timewords.short(task.created_at, tz, now),
        "created_full": timewords.absolute(task.created_at, tz),
        "created_iso": task.created_at.isoformat() if task.created_at else "",
        "due": timewords.relative_due(task.due_at, now),
        "due_full": timewords.absolute(task.due_at, tz),
        "due_iso": task.due_at.isoformat() if task.due_at else "",
        "overdue": row.overdue, "priority": task.priority, "assignee": task.assignee or "",
        "completed": timewords.short(task.completed_at, tz, now),
        "completed_full": timewords.absolute(task.completed_at, tz),
    }


def _shown(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
