"""The penalties API as a client uses it: cancel outcomes and 409 reasons, check-in, a
customer's infractions, contests, and the settings (every answer checked against OpenAPI)."""
from sqlalchemy import select

from engine import AuditEvent
from tests.integration.api.conftest import Api

from .conftest import local

PREFIX = "/api/v1"


def client(app):
    """An Api client with tokens for agent and admin."""
    api = Api(app)
    api.login("agent")
    api.login("admin")
    api.login("designer")
    return api


def test_cancel_outside_the_window_answers_the_minor_infraction(app, world, clock):
    """200 with the outcome: cancelled, a minor infraction, its reason."""
    api = client(app)
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 12:00"))
    response = api.post(f"{PREFIX}/bookings/{booking_id}/cancel", "agent", json={})
    body = response.get_json()
    assert response.status_code == 200
    assert (body["status"], body["infraction"]["kind"], body["by_staff"]) == (
        "cancelled", "minor", False)
    assert "outside the no-infraction window" in body["reason"]


def test_cancel_after_the_limit_answers_409_with_the_reason(app, world, clock):
    """409 {"error": reason}; the booking stays confirmed."""
    api = client(app)
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 16:30"))
    response = api.post(f"{PREFIX}/bookings/{booking_id}/cancel", "agent")
    assert response.status_code == 409
    assert "Too late to cancel" in response.get_json()["error"]
    assert world.booking(booking_id).status == "confirmed"


def test_staff_cancellation_needs_a_note_and_costs_nothing(app, world, clock):
    """by=staff without a note is 422; with one it is never penalised."""
    api = client(app)
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 17:30"))
    refused = api.post(f"{PREFIX}/bookings/{booking_id}/cancel", "admin", json={"by": "staff"})
    assert refused.status_code == 422 and "note" in refused.get_json()["fields"]
    bad = api.post(f"{PREFIX}/bookings/{booking_id}/cancel", "admin", json={"by": "robot"})
    assert bad.status_code == 422 and "by" in bad.get_json()["fields"]
    done = api.post(f"{PREFIX}/bookings/{booking_id}/cancel", "admin",
                    json={"by": "staff", "note": "barrier out of order"})
    assert done.status_code == 200
    assert (done.get_json()["by_staff"], done.get_json()["infraction"]) == (True, None)


def test_check_in_answers_the_booking_and_refuses_a_second_time(app, world, clock):
    """200 checked_in, then 409 with the reason."""
    api = client(app)
    booking_id = world.book("2026-03-02 10:30")
    first = api.post(f"{PREFIX}/bookings/{booking_id}/check-in", "agent")
    assert (first.status_code, first.get_json()["status"]) == (200, "checked_in")
    second = api.post(f"{PREFIX}/bookings/{booking_id}/check-in", "agent")
    assert second.status_code == 409
    assert "already checked in" in second.get_json()["error"]


def test_users_infractions_lists_type_status_created_and_reason(app, world, clock):
    """GET /users/{id}/infractions lists the customer's infractions newest first."""
    api = client(app)
    first, second = world.book("2026-03-02 18:00"), world.book("2026-03-02 19:00")
    clock.move_to(local("2026-03-02 12:00"))
    api.post(f"{PREFIX}/bookings/{first}/cancel", "agent")
    api.post(f"{PREFIX}/bookings/{second}/cancel", "agent")
    body = api.get(f"{PREFIX}/users/{world.alice}/infractions", "agent").get_json()
    assert body["counting_minor_infractions"] == 2 and body["blocked_until"] is None
    assert [(i["type"], i["status"], i["booking"]["id"]) for i in body["infractions"]] == [
        ("minor", "active", second), ("minor", "active", first)]
    assert body["infractions"][0]["created"] == "2026-03-02T11:00:00Z"
    assert body["infractions"][0]["reason"]


def test_contest_answers_202_and_opens_the_review(app, world, clock):
    """POST /infractions/{id}/contest: contested, a back-office task waits; twice is 409."""
    api = client(app)
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 12:00"))
    infraction_id = api.post(f"{PREFIX}/bookings/{booking_id}/cancel",
                             "agent").get_json()["infraction"]["id"]
    world.run()
    empty = api.post(f"{PREFIX}/infractions/{infraction_id}/contest", "agent",
                     json={"reason": ""})
    assert empty.status_code == 422
    response = api.post(f"{PREFIX}/infractions/{infraction_id}/contest", "agent",
                        json={"reason": "My train was cancelled"})
    assert (response.status_code, response.get_json()["status"]) == (202, "contested")
    world.run()          # the process marks it contested, then opens the review
    queue = api.get(f"{PREFIX}/tasks?view=queue", "agent").get_json()["tasks"]
    assert [t["name"] for t in queue] == ["Review contested infraction"]
    again = api.post(f"{PREFIX}/infractions/{infraction_id}/contest", "agent",
                     json={"reason": "again"})
    assert again.status_code == 409


def test_penalty_settings_have_defaults_and_changes_are_audited(app, world):
    """GET shows the defaults; PUT changes them, audited with old and new values."""
    api = client(app)
    shown = api.get(f"{PREFIX}/settings/penalties", "admin").get_json()
    assert (shown["cancel_limit_hours"], shown["free_window_start"], shown["free_window_end"],
            shown["max_minor_infractions"], shown["check_in_grace_minutes"],
            shown["block_days"]) == (2, "07:00", "09:00", 3, 15, 7)
    saved = api.call("PUT", f"{PREFIX}/settings/penalties", "admin", json={
        "free_window_start": "06:30", "block_days": 14}).get_json()
    assert (saved["free_window_start"], saved["block_days"]) == ("06:30", 14)
    with world.session() as session:
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.kind == "penalty_settings_changed"))
        assert event.actor == "admin"
        assert event.payload["changes"] == {"free_window_start": {"from": "07:00", "to": "06:30"},
                                            "block_days": {"from": 7, "to": 14}}


def test_refused_penalty_settings_answer_422_per_field_and_save_nothing(app, world):
    """Bad numbers, times, equal window edges and unknown placeholders: a message each."""
    api = client(app)
    response = api.call("PUT", f"{PREFIX}/settings/penalties", "admin", json={
        "cancel_limit_hours": -1, "free_window_start": "25:00", "block_days": 0,
        "minor_subject": "Hello {customer_nam}"})
    fields = response.get_json()["fields"]
    assert response.status_code == 422
    assert set(fields) == {"cancel_limit_hours", "free_window_start", "block_days",
                           "minor_subject"}
    assert "{customer_nam}" in fields["minor_subject"]
    same = api.call("PUT", f"{PREFIX}/settings/penalties", "admin", json={
        "free_window_start": "08:00", "free_window_end": "08:00"})
    assert "must differ" in same.get_json()["fields"]["free_window_end"]
    assert api.get(f"{PREFIX}/settings/penalties", "admin").get_json()["block_days"] == 7


def test_settings_apply_to_the_next_decision(app, world, clock):
    """A wider window saved by the admin makes a 12:00 cancellation free."""
    api = client(app)
    api.call("PUT", f"{PREFIX}/settings/penalties", "admin",
             json={"free_window_start": "07:00", "free_window_end": "13:00"})
    booking_id = world.book("2026-03-02 18:00")
    clock.move_to(local("2026-03-02 12:00"))
    body = api.post(f"{PREFIX}/bookings/{booking_id}/cancel", "agent").get_json()
    assert body["infraction"] is None


def test_new_booking_of_a_blocked_customer_is_refused_with_the_blocks_end(app, world, clock):
    """No-show -> blocked: check_not_blocked names the block's end (bookings API: 409)."""
    world.book("2026-03-02 10:00")
    clock.move_to(local("2026-03-02 10:15"))
    world.run()
    api = client(app)
    body = api.get(f"{PREFIX}/users/{world.alice}/infractions", "agent").get_json()
    assert body["blocked_until"] == "2026-03-09T09:15:00Z"
    assert body["infractions"][0]["type"] == "major"
