"""Role x route matrix of the invoicing API: 401 without a token, 403 for a wrong role, 404 for
another tenant's ids, success for the roles each route is for (runs: supervisors and admins;
reading: back-office too)."""
import pytest
from sqlalchemy.orm import Session

from processes.invoicing import runs
from tests.integration.invoicing.factories import make_contracts, make_site

from .conftest import PREFIX, RIVAL
from .matrix import Family, Route, access_tests, matrix_world

MANAGERS = frozenset({"supervisor", "admin"})
SEGMENTS = frozenset({"invoicing", "invoices", "statements"})
ROUTES = (
    Route("POST", "/invoicing/runs", MANAGERS, ok=201, body={"period": "2026-03"}),
    Route("GET", "/invoicing/runs/{}", needs="run"),
    Route("GET", "/invoices?contract={}", needs="contract"),
    Route("GET", "/statements?period=month&date=2026-03-02"),
)
(test_matrix_covers_every_endpoint, test_no_token_is_401, test_role_matrix,
 test_another_tenants_ids_are_404) = access_tests(Family(ROUTES, SEGMENTS))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A contract and a finished February run in demo and in the rival tenant."""
    with matrix_world(tmp_path_factory, "invoicing-matrix") as made:
        with Session(made.db) as session:
            for tenant, code, first in (("demo", "BRU-C", 1), (RIVAL, "R", 9)):
                [contract] = make_contracts(session, make_site(session, tenant, code), 1,
                                            token=None, first=first)
                made.ids[tenant] = {"contract": contract}
            session.commit()
        for tenant in ("demo", RIVAL):
            made.ids[tenant]["run"] = runs.run_period(made.db, tenant, "2026-02").id
        yield made


def test_a_run_answers_its_counts_and_a_rerun_skips(world):
    """POST a run: 201 with issued 1; again: skipped 1, issued 0; its Location reads it back."""
    first = world.api.post(f"{PREFIX}/invoicing/runs", "admin", json={"period": "2026-05"})
    again = world.api.post(f"{PREFIX}/invoicing/runs", "admin", json={"period": "2026-05"})
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
    response = world.api.get(f"{PREFIX}/invoices?contract={world.ids['demo']['contract']}", "agent")
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
