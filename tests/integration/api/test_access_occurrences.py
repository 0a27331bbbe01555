"""Role x route matrix of the occurrences API: 401 without a token, 403 for a wrong role, 404
for another tenant's ids, success for back-office staff, supervisors and admins."""
import pytest
from sqlalchemy.orm import Session

from processes.occurrences import services
from tests.integration.occurrences.conftest import Actor, make_booking, make_site

from .conftest import PREFIX, RIVAL
from .matrix import Family, Route, access_tests, matrix_world

SEGMENTS = frozenset({"occurrences", "occurrence-types"})
ROUTES = (
    Route("POST", "/occurrences", ok=201, body=lambda world: {
        "type_id": world.ids["demo"]["type"], "description": "Scratch",
        "booking_id": world.ids["demo"]["booking"],
        "values": {"location": ["Front"], "damage_type": "Scratch"}}),
    Route("GET", "/occurrences"),
    Route("GET", "/occurrences/{}", needs="occurrence"),
    Route("PATCH", "/occurrences/{}", needs="occurrence",
          body={"values": {"damage_type": "Dent"}}),
    Route("POST", "/occurrences/{}/comments", needs="occurrence", ok=201,
          body={"body": "Seen it"}),
    Route("GET", "/occurrence-types"),
)
(test_matrix_covers_every_endpoint, test_no_token_is_401, test_role_matrix,
 test_another_tenants_ids_are_404) = access_tests(Family(ROUTES, SEGMENTS))


def _objects(eng, actor, booking_id):
    kinds, _ = services.choices(eng, actor.tenant)
    damage = next(k.id for k in kinds if k.name == "Damage")
    occ = services.report(eng, actor, {
        "type_id": damage, "description": "Dent", "booking_id": booking_id,
        "values": {"location": ["Rear"], "damage_type": "Dent"}}, start=False)
    return {"type": damage, "booking": booking_id, "occurrence": occ.id}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A booking and an occurrence in demo and in the rival tenant."""
    with matrix_world(tmp_path_factory, "occurrences-matrix") as made:
        with Session(made.db) as session:
            bookings = {t: make_booking(session, t, make_site(session, t, "S1")).id
                        for t in ("demo", RIVAL)}
            session.commit()
        made.ids = {
            "demo": _objects(made.engine, Actor("agent", ("back-office",)), bookings["demo"]),
            RIVAL: _objects(made.engine, Actor("boss", ("admin",), RIVAL), bookings[RIVAL])}
        yield made


def test_another_tenants_occurrences_are_not_listed(world):
    """GET /occurrences lists only the caller's tenant's occurrences."""
    listed = world.api.get(f"{PREFIX}/occurrences", "agent").get_json()["occurrences"]
    assert world.ids[RIVAL]["occurrence"] not in {o["id"] for o in listed}
