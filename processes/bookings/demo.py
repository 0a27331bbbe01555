"""Demo sites, customers with vehicles, and a few hundred bookings around today.

Deterministic (a seeded random generator, times relative to the clock), idempotent (what
exists is left alone) and quick. Demo bookings are plain rows: they start no penalty process.
"""
import random
import unicodedata
from datetime import datetime, time, timedelta

from sqlalchemy import func, insert, select

from engine import clock

from .localtime import to_utc, zone_of
from .models import Booking, Customer, Site
from .references import reserve_references
from .services import add_vehicle, create_customer, create_site
from .status import BookingKind, BookingStatus

SEED = 20260302
ACTOR = "demo"
DAYS_BACK, DAYS_AHEAD = 21, 21
BOOKINGS = 320
TODAY_SHARE = 0.15

# code, name, IANA zone, country, capacity
SITES = (
    ("BRU-C", "Brussels Central", "Europe/Brussels", "BE", 240),
    ("AMS-Z", "Amsterdam Zuid", "Europe/Amsterdam", "NL", 180),
    ("LIS-O", "Lisbon Oriente", "Europe/Lisbon", "PT", 120),
    ("WAW-M", "Warsaw Mokotów", "Europe/Warsaw", "PL", 300),
)
PEOPLE = {
    "BE": (("Lucas", "Emma", "Louis", "Olivia", "Arthur", "Louise", "Noah", "Mila"),
           ("Peeters", "Janssens", "Maes", "Dubois", "Lambert", "Claes", "Wouters", "Martin"),
           "nl"),
    "NL": (("Daan", "Julia", "Sem", "Tess", "Finn", "Sara", "Levi", "Anna"),
           ("de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Mulder"),
           "nl"),
    "PT": (("João", "Maria", "Tiago", "Beatriz", "Rodrigo", "Leonor", "Afonso", "Matilde"),
           ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues",
            "Martins"), "pt"),
    "PL": (("Jakub", "Zuzanna", "Antoni", "Julia", "Jan", "Maja", "Szymon", "Hanna"),
           ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski",
            "Zieliński", "Szymański"), "pl"),
}
CUSTOMERS_PER_COUNTRY = 15
CARS = ("VW Golf", "Renault Clio", "Peugeot 208", "Toyota Yaris", "Škoda Octavia",
        "BMW 3 Series", "Tesla Model 3", "Fiat 500", "Volvo XC40", "Kia Niro")
COLOURS = ("white", "black", "grey", "blue", "red", "silver")
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
NL_LETTERS = "BDFGHJKLNPRSTVXZ"


def _digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def _letters(rng, n, alphabet=LETTERS):
    return "".join(rng.choice(alphabet) for _ in range(n))


# Plates as people write them (the service normalises them), one recognised format each.
PLATES = {
    "BE": lambda r: f"{r.randint(1, 2)}-{_letters(r, 3)}-{_digits(r, 3)}",
    "NL": lambda r: f"{_letters(r, 2, NL_LETTERS)}-{_digits(r, 3)}-{_letters(r, 1, NL_LETTERS)}",
    "PT": lambda r: f"{_letters(r, 2)}-{_digits(r, 2)}-{_letters(r, 2)}",
    "PL": lambda r: f"{r.choice(('WA', 'WE', 'WI', 'WW', 'WX'))} {_digits(r, 5)}",
    "DE": lambda r: f"{r.choice(('B', 'K', 'D', 'AC'))}-{_letters(r, 2)} {r.randint(1, 9999)}",
    "FR": lambda r: f"{_letters(r, 2)}-{_digits(r, 3)}-{_letters(r, 2)}",
}


def seed(session, tenant_key):
    """Create the demo sites, customers and bookings that are missing; a one-line summary."""
    rng = random.Random(SEED)
    sites = _seed_sites(session, tenant_key)
    customers = _seed_customers(session, tenant_key)
    made = _seed_bookings(session, tenant_key, rng, sites.rows, customers.rows)
    if not (sites.created or customers.created or made):
        return None
    vehicles = sum(len(c.vehicles) for c in customers.rows)
    return (f"Bookings demo: {len(sites.rows)} sites, {len(customers.rows)} customers with "
            f"{vehicles} vehicles, {made or 0} bookings around today (demo bookings start no "
            "penalty process).")


class _Seeded:
    def __init__(self, rows, created):
        self.rows, self.created = rows, created


def _seed_sites(session, tenant):
    existing = {s.code: s for s in session.scalars(select(Site).where(Site.tenant == tenant))}
    created = 0
    for code, name, zone, country, capacity in SITES:
        if code not in existing:
            existing[code] = create_site(session, tenant, code, name, zone, country, capacity,
                                         actor=ACTOR)
            created += 1
    return _Seeded([existing[code] for code, *_ in SITES], created)


def _seed_customers(session, tenant):
    known = {c.email: c for c in session.scalars(select(Customer).where(
        Customer.tenant == tenant, Customer.email.like("%@example.com")))}
    rows, created = [], 0
    for country, (first_names, last_names, language) in PEOPLE.items():
        for i in range(CUSTOMERS_PER_COUNTRY):
            first, last = first_names[i % 8], last_names[(i * 3 + i // 8) % 8]
            email = f"{_ascii(first)}.{_ascii(last)}{i}@example.com".lower()
            plate_rng = random.Random(f"{SEED}-{email}")   # same plates whatever exists
            if email in known:
                rows.append(known[email])
                continue
            customer = create_customer(session, tenant, f"{first} {last}", email=email,
                                       phone=f"+{_prefix(country)} {_digits(plate_rng, 9)}",
                                       language=language, actor=ACTOR)
            for plate_country in _vehicle_countries(country, i):
                add_vehicle(session, tenant, customer, PLATES[plate_country](plate_rng),
                            plate_country, description=f"{plate_rng.choice(COLOURS)} "
                                                       f"{plate_rng.choice(CARS)}", actor=ACTOR)
            rows.append(customer)
            created += 1
    return _Seeded(rows, created)


def _seed_bookings(session, tenant, rng, sites, customers):
    if session.scalar(select(func.count()).select_from(Booking).where(
            Booking.tenant == tenant)):
        return 0
    now = clock.now()
    by_country = {}
    for customer in customers:
        by_country.setdefault(customer.vehicles[0].country, []).append(customer)
    everyone = list(customers)
    weights = [site.capacity for site in sites]
    drafts = []
    for _ in range(BOOKINGS):
        site = rng.choices(sites, weights)[0]
        local = by_country.get(site.country) or everyone
        customer = rng.choice(local if rng.random() < 0.85 else everyone)
        starts_at, ends_at = _period(rng, site, now)
        created_at = min(now, starts_at - timedelta(days=rng.randint(1, 10)))
        drafts.append((created_at, site, customer, starts_at, ends_at, rng.random()))
    drafts.sort(key=lambda draft: draft[0])     # references follow the order of booking
    references = reserve_references(session, tenant, BOOKINGS)
    rows = [_row(tenant, reference, draft, now) for reference, draft in zip(references, drafts)]
    session.execute(insert(Booking), rows)     # one statement: the demo stays quick
    return BOOKINGS


def _row(tenant, reference, draft, now):
    """The booking row of a draft, with check-in or cancellation times fitting its status."""
    created_at, site, customer, starts_at, ends_at, draw = draft
    status, kind = _status_and_kind(draw, starts_at, ends_at, now)
    checked_in = starts_at + timedelta(minutes=round(draw * 30) - 10) \
        if status in (BookingStatus.CHECKED_IN, BookingStatus.COMPLETED) else None
    cancelled = status == BookingStatus.CANCELLED
    return {"tenant": tenant, "reference": reference, "kind": str(kind), "status": str(status),
            "site_id": site.id, "customer_id": customer.id,
            "vehicle_id": customer.vehicles[0].id, "starts_at": starts_at, "ends_at": ends_at,
            "created_at": created_at, "created_by": ACTOR, "checked_in_at": checked_in,
            "cancelled_at": created_at + (min(starts_at, now) - created_at) / 2
            if cancelled else None, "cancelled_by": ACTOR if cancelled else None}


def _period(rng, site, now):
    """A local start on a quarter hour between 06:00 and 20:45, lasting 1 to 10 hours."""
    today = now.astimezone(zone_of(site.timezone)).date()
    if rng.random() < TODAY_SHARE:
        day = today
    else:
        day = today + timedelta(days=rng.choice(
            [d for d in range(-DAYS_BACK, DAYS_AHEAD + 1) if d]))
    wall = datetime.combine(day, time(rng.randint(6, 20), rng.choice((0, 15, 30, 45))))
    starts_at = to_utc(wall, site.timezone)   # 06:00-21:00 never falls in a DST gap
    return starts_at, starts_at + timedelta(minutes=15 * rng.randint(4, 40))


def _status_and_kind(draw, starts_at, ends_at, now):
    """Past: mostly completed, some no-shows and cancellations; running: checked in;
    future: confirmed, a few cancelled, far ones sometimes pre-bookings."""
    if ends_at <= now:
        status = (BookingStatus.COMPLETED if draw < 0.85 else
                  BookingStatus.NO_SHOW if draw < 0.92 else BookingStatus.CANCELLED)
        return status, BookingKind.BOOKING
    if starts_at <= now:
        return BookingStatus.CHECKED_IN if draw < 0.9 else BookingStatus.CONFIRMED, \
            BookingKind.BOOKING
    status = BookingStatus.CANCELLED if draw < 0.05 else BookingStatus.CONFIRMED
    far = starts_at - now > timedelta(days=7)
    kind = BookingKind.PRE_BOOKING if far and draw > 0.7 else BookingKind.BOOKING
    return status, kind


def _vehicle_countries(country, index):
    """Everyone has a car registered at home; some have a second, foreign one."""
    if index % 7 == 3:
        return (country, "DE")
    if index % 11 == 5:
        return (country, "FR")
    return (country,)


def _prefix(country):
    return {"BE": "32", "NL": "31", "PT": "351", "PL": "48"}[country]


def _ascii(name):
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return folded.replace(" ", "")
