"""Role x route matrix of the invoicing API: 401 without a token, 403 for a wrong role, 404 for
another tenant's ids, success for the roles each route is for (runs: supervisors and admins;
reading: back-office too)."""
from dataclasses import dataclass

import pytest
import time_machine
from sqlalchemy.orm import Session

from processes.accounts import defaults as account_defaults
from processes.accounts.services import create_tenant, create_user, seed_demo
from processes.invoicing import runs
from tests.conftest import make_config
from tests.integration.invoicing.factories import make_contracts, make_site
from webapp import create_app
from webapp.extensions import db as _db

from .conftest import PREFIX, RIVAL, T0, Api
from .matrix import registered_rules

USERS = ("agent", "supervisor", "designer", "admin")
READERS = frozenset({"agent", "supervisor", "admin"})
MANAGERS = frozenset({"supervisor", "admin"})
SEGMENTS = {"invoicing", "invoices", "statements"}


@dataclass(frozen=True)
class Route:
    """One endpoint; {} is filled with the demo (or rival) object of kind `needs`."""

    method: str
    path: str
    allowed: frozenset
    needs: str = "none"                 # run | contract | none
    body: dict | None = None

    @property
    def id(self):
        """The test id."""
        return f"{self.method} {self.path}"


ROUTES = [
    Route("POST", "/invoicing/runs", MANAGERS, body={"period": "2026-03"}),
    Route("GET", "/invoicing/runs/{}", READERS, "run"),
    Route("GET", "/invoices?contract={}", READERS, "contract"),
    Route("GET", "/statements?period=month&date=2026-03-02", READERS),
]
WITH_IDS = [r for r in ROUTES if r.needs != "none"]


@dataclass
class World:
    """The module's app, API client, and ids of demo and rival objects."""

    app: object
    api: Api
    ids: dict
    rival: dict


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Demo users with tokens; a contract and a finished run in demo and in a rival tenant."""
    with pytest.MonkeyPatch.context() as patch, time_machine.travel(T0, tick=False):
        patch.setattr(account_defaults, "PASSWORD_HASH_METHOD", "scrypt:1024:8:1")
        app = create_app(make_config(tmp_path_factory.mktemp("invoicing_matrix")))
        with app.app_context():
            _db.create_all()
            sa_engine = _db.engine
        ids, rival = {}, {}
        with Session(sa_engine) as session:
            seed_demo(session)
            create_user(session, create_tenant(session, RIVAL, "Rival"), "boss", "boss",
                        roles=("admin", "supervisor", "back-office"))
            [ids["contract"]] = make_contracts(session, make_site(session, "demo"), 1,
                                               token=None)
            [rival["contract"]] = make_contracts(session, make_site(session, RIVAL, "R"), 1,
                                                 token=None, first=9)
            session.commit()
        ids["run"] = runs.run_period(sa_engine, "demo", "2026-02").id
        rival["run"] = runs.run_period(sa_engine, RIVAL, "2026-02").id
        api = Api(app)
        for username in USERS:
            api.login(username)
        yield World(app, api, ids, rival)
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def frozen():
    """Every call at T0."""
    with time_machine.travel(T0, tick=False):
        yield


def send(world, route, token, ids=None):
    """Call `route` with `token`, on the demo objects unless `ids` says otherwise."""
    ids = ids or world.ids
    path = PREFIX + route.path.format(ids.get(route.needs))
    kwargs = {"json": route.body} if route.body is not None else {}
    return world.api.call(route.method, path, token, **kwargs)


def test_matrix_covers_every_invoicing_endpoint(world):
    """Every rule under /invoicing, /invoices and /statements is in ROUTES."""
    covered = {(r.method, r.path.split("?")[0]) for r in ROUTES}
    assert registered_rules(world.app, SEGMENTS) == covered


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_no_token_is_401(world, route):
    """Without a token every invoicing endpoint answers 401."""
    assert send(world, route, None).status_code == 401


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_role_matrix(world, route, username):
    """The roles a route is for succeed; the others get 403."""
    response = send(world, route, username)
    if username in route.allowed:
        assert response.status_code in (200, 201), response.get_json()
    else:
        assert response.status_code == 403, response.get_json()


@pytest.mark.parametrize("route", WITH_IDS, ids=lambda r: r.id)
def test_another_tenants_ids_are_404(world, route):
    """The rival's run and contract are not found for a demo admin."""
    assert send(world, route, "admin", world.rival).status_code == 404


def test_a_run_answers_its_counts_and_a_rerun_skips(world):
    """POST a run: 201 with issued 1; again: skipped 1, issued 0; its Location reads it back."""
    first = send(world, Route("POST", "/invoicing/runs", MANAGERS, body={"period": "2026-05"}),
                 "admin")
    again = send(world, Route("POST", "/invoicing/runs", MANAGERS, body={"period": "2026-05"}),
                 "admin")
    assert (first.get_json()["issued"], first.get_json()["status"]) == (1, "done")
    assert (again.get_json()["issued"], again.get_json()["skipped"]) == (0, 1)
    assert world.api.get(again.headers["Location"], "agent").get_json()["skipped"] == 1


@pytest.mark.parametrize("body, field", [({"period": "2026-13"}, "period"),
                                         ({}, "period"), ({"period": 202603}, "period"),
                                         ({"period": "2026-03", "x": 1}, "x")])
def test_a_bad_run_request_is_422_per_field(world, body, field):
    """A month that is not YYYY-MM (or an unknown field) is refused with its field named."""
    response = world.api.post(f"{PREFIX}/invoicing/runs", "admin", json=body)
    assert response.status_code == 422 and field in response.get_json()["fields"]


def test_invoices_of_a_contract_with_amounts_in_cents(world):
    """The contract's February invoice: 100.00 net + 21 % VAT, with its line."""
    response = world.api.get(f"{PREFIX}/invoices?contract={world.ids['contract']}", "agent")
    invoice = next(i for i in response.get_json()["invoices"] if i["billing_period"] == "2026-02")
    assert (invoice["net_cents"], invoice["vat_cents"], invoice["gross_cents"]) == (
        10000, 2100, 12100)
    assert invoice["lines"][0]["vat_rate"] == "0.2100"


@pytest.mark.parametrize("query, field", [("contract=abc", "contract"), ("", "contract")])
def test_a_bad_contract_filter_is_422(world, query, field):
    """?contract= must be a contract id."""
    response = world.api.get(f"{PREFIX}/invoices?{query}", "agent")
    assert response.status_code == 422 and field in response.get_json()["fields"]


@pytest.mark.parametrize("query, field", [("period=year", "period"), ("date=03/02/2026", "date")])
def test_a_bad_statement_request_is_422(world, query, field):
    """Unknown periods and malformed dates are refused per field."""
    response = world.api.get(f"{PREFIX}/statements?{query}", "agent")
    assert response.status_code == 422 and field in response.get_json()["fields"]
