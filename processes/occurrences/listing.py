"""The occurrence list across all bookings: filters, sort, pages and the count per status."""
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, not_, select

from . import defaults
from .errors import Msg, OccurrenceRefused, _
from .ids import row_id
from .models import Occurrence, OccurrenceStatus

SORTS = {
    "newest": (Occurrence.created_at.desc(), Occurrence.id.desc()),
    "oldest": (Occurrence.created_at.asc(), Occurrence.id.asc()),
    "deadline": (Occurrence.deadline_at.asc(), Occurrence.id.asc()),
    "reference": (Occurrence.number.asc(),),
    "status": (OccurrenceStatus.position.asc(), Occurrence.created_at.desc(),
               Occurrence.id.desc()),
}
DEFAULT_SORT = "newest"
ID_FILTERS = ("type_id", "status_id", "site_id", "booking_id")


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; None means "any"."""

    type_id: int | None = None
    status_id: int | None = None
    site_id: int | None = None
    booking_id: int | None = None
    assignee: str | None = None
    overdue: bool | None = None
    created_from: date | None = None
    created_to: date | None = None          # inclusive
    sort: str = DEFAULT_SORT
    page: int = 1


@dataclass
class Result:
    """One page of the list and what the filters found in total and per status."""

    rows: list
    total: int
    counts: dict = field(default_factory=dict)      # status id -> count
    page: int = 1
    pages: int = 1


def parse_filters(args):
    """Filters from query parameters (strings); OccurrenceRefused names each bad one."""
    errors, values = {}, {}
    for name in ID_FILTERS:
        raw = (args.get(name) or "").strip()
        if raw:
            if row_id(raw) is not None:
                values[name] = row_id(raw)
            else:
                errors[name] = Msg(_("Choose from the list."))
    assignee = (args.get("assignee") or "").strip()
    if assignee:
        values["assignee"] = assignee
    overdue = (args.get("overdue") or "").strip().lower()
    if overdue in ("1", "true", "yes", "y", "on"):
        values["overdue"] = True
    elif overdue in ("0", "false", "no", "n", "off"):
        values["overdue"] = False
    elif overdue:
        errors["overdue"] = Msg(_("Answer yes or no."))
    for name in ("created_from", "created_to"):
        raw = (args.get(name) or "").strip()
        if raw:
            try:
                values[name] = date.fromisoformat(raw)
            except ValueError:
                errors[name] = Msg(_("Enter a date as YYYY-MM-DD."))
    _range_and_page(args, values, errors)
    if errors:
        raise OccurrenceRefused(errors)
    return Filters(**values)


def _range_and_page(args, values, errors):
    start, end = values.get("created_from"), values.get("created_to")
    if start and end and end < start:
        errors["created_to"] = Msg(_("The end of the range is before its start."))
    sort = (args.get("sort") or DEFAULT_SORT).strip()
    if sort not in SORTS:
        errors["sort"] = Msg(_("Sort by one of: %(sorts)s."), sorts=", ".join(SORTS))
    else:
        values["sort"] = sort
    page = (args.get("page") or "1").strip()
    if page.isascii() and page.isdigit() and 1 <= int(page) <= defaults.MAX_PAGE:
        values["page"] = int(page)
    else:
        errors["page"] = Msg(_("Enter a page number from 1 to %(max)d."), max=defaults.MAX_PAGE)


def conditions(tenant, filters, now, zone):
    """WHERE conditions of `filters`; date ranges are whole days in the time zone `zone`."""
    where = [Occurrence.tenant == tenant]
    for name in ID_FILTERS:
        value = getattr(filters, name)
        if value is not None:
            where.append(getattr(Occurrence, name) == value)
    if filters.assignee:
        where.append(Occurrence.assignee == filters.assignee)
    overdue = and_(Occurrence.deadline_at <= now, OccurrenceStatus.ended.is_(False))
    if filters.overdue is True:
        where.append(overdue)
    elif filters.overdue is False:
        where.append(not_(overdue))
    if filters.created_from:
        where.append(Occurrence.created_at >= _local_midnight(filters.created_from, zone))
    if filters.created_to:
        where.append(Occurrence.created_at
                     < _local_midnight(filters.created_to + timedelta(days=1), zone))
    return where


def _local_midnight(day, zone):
    return datetime.combine(day, time(0), tzinfo=zone)


def search(session, tenant, filters, now, zone, options=(), page_size=defaults.PAGE_SIZE):
    """One page of the tenant's occurrences matching `filters`, with totals per status."""
    base = select(Occurrence).join(OccurrenceStatus, Occurrence.status_id == OccurrenceStatus.id)
    where = conditions(tenant, filters, now, zone)
    rows = list(session.scalars(
        base.options(*options).where(*where).order_by(*SORTS[filters.sort])
        .limit(page_size).offset((filters.page - 1) * page_size)).unique())
    total = session.scalar(select(func.count()).select_from(
        base.where(*where).subquery()))
    return Result(rows=rows, total=total, counts=count_by_status(session, tenant, filters, now,
                                                                 zone),
                  page=filters.page, pages=max(1, -(-total // page_size)))


def count_by_status(session, tenant, filters, now, zone):
    """{status id: count} under every filter but the status one (so each tab shows its count)."""
    where = conditions(tenant, replace(filters, status_id=None), now, zone)
    rows = session.execute(
        select(Occurrence.status_id, func.count())
        .join(OccurrenceStatus, Occurrence.status_id == OccurrenceStatus.id)
        .where(*where).group_by(Occurrence.status_id))
    return {status_id: count for status_id, count in rows}
