import io
import pytest
from processes.occurrences import services
from tests.integration.basket.task_helpers import png_bytes
from .conftest import AGENT, damage, status_id, type_id

@pytest.fixture
def occ(app, eng, place):
    return services.report(eng, AGENT, {**damage(place), "type_id": type_id(eng, "Damage")})

def test_probe(client, login_as, eng, occ, place, app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login_as("agent")
    out = {}
    out["huge_occ"] = client.get("/occurrences/99999999999999999999999").status_code
    out["huge_booking_new"] = client.get("/occurrences/new?booking_id=99999999999999999999999").status_code
    out["uni_booking_post"] = client.post("/occurrences/new", data={"type_id": type_id(eng, "Damage"), "booking_id": "²", "description": "x"}).status_code
    out["huge_booking_post"] = client.post("/occurrences/new", data={"type_id": type_id(eng, "Damage"), "booking_id": "99999999999999999999999", "description": "x"}).status_code
    out["huge_type_post"] = client.post("/occurrences/new", data={"type_id": "99999999999999999999999", "site_id": place.site_id, "description": "x"}).status_code
    out["huge_status"] = client.post(f"/occurrences/{occ.id}/status", data={"status_id": "99999999999999999999999"}).status_code
    out["uni_status"] = client.post(f"/occurrences/{occ.id}/status", data={"status_id": "²"}).status_code
    out["long_reason"] = client.post(f"/occurrences/{occ.id}/status", data={"status_id": status_id(eng, "In progress") if False else status_id(eng, "Closed"), "reason": "x"*100000}).status_code
    out["huge_att"] = client.get(f"/occurrences/{occ.id}/attachments/99999999999999999999999").status_code
    out["list_page"] = client.get("/occurrences/?page=99999999999999999999999").status_code
    out["list_sort"] = client.get("/occurrences/?sort=__class__").status_code
    out["list_site"] = client.get("/occurrences/?site_id=99999999999999999999999").status_code
    out["list_status"] = client.get("/occurrences/?status_id=99999999999999999999999&type_id=99999999999999999999999").status_code
    out["list_q"] = client.get("/occurrences/?q=" + "x"*50000).status_code
    r = client.post(f"/occurrences/{occ.id}/comments", data={"body": "see", "files": [(io.BytesIO(png_bytes()), "a\"<b>.png")]}, content_type="multipart/form-data")
    out["comment"] = r.status_code
    page = services.page(eng, AGENT, occ.id, None.__class__ and __import__("engine").clock.now())
    att = page.attachments[-1]
    r = client.get(f"/occurrences/{occ.id}/attachments/{att.id}")
    out["att_headers"] = dict(r.headers)
    out["mon_huge"] = client.get("/monitor/instances/99999999999999999999999").status_code
    login_as("supervisor")
    out["retry_back"] = client.post("/monitor/incidents/1/retry", data={"back": "²"}).status_code
    print(out)

from tests.integration.api.conftest import Api

def test_probe_api(app, eng, place, occ):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    api = Api(app)
    for u in ("agent", "supervisor"):
        api.login(u)
    out = {}
    big = 10**30
    out["post_bigtype"] = api.post("/api/v1/occurrences", "agent", json={"type_id": big, "site_id": big, "description": "x"}).status_code
    out["post_bigbooking"] = api.post("/api/v1/occurrences", "agent", json={"type_id": type_id(eng, "Damage"), "booking_id": big, "description": "x"}).status_code
    out["get_big"] = api.get("/api/v1/occurrences/99999999999999999999999", "agent").status_code
    out["patch_big"] = api.call("PATCH", f"/api/v1/occurrences/{occ.id}", "agent", json={"status_id": big}).status_code
    out["patch_values_weird"] = api.call("PATCH", f"/api/v1/occurrences/{occ.id}", "agent", json={"values": {"damage_type": ["a"]}}).status_code
    out["patch_values_num"] = api.call("PATCH", f"/api/v1/occurrences/{occ.id}", "agent", json={"values": {"location": [1]}}).status_code
    out["list_big"] = api.get("/api/v1/occurrences?site_id=99999999999999999999999", "agent").status_code
    out["mon_huge"] = app.test_client().get("/monitor/instances/99999999999999999999999").status_code
    print(out)

def test_probe_mon(app, client, login_as, place):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login_as("supervisor")
    out = {}
    out["mon_huge"] = client.get("/monitor/instances/99999999999999999999999").status_code
    out["mon_diag_huge"] = client.get("/monitor/instances/99999999999999999999999/diagram").status_code
    out["mon_vars_huge"] = client.post("/monitor/instances/99999999999999999999999/variables", data={"variables": "{}"}).status_code
    out["retry_back"] = client.post("/monitor/incidents/1/retry", data={"back": "²"}).status_code
    out["retry_huge"] = client.post("/monitor/incidents/99999999999999999999999/retry").status_code
    out["basket_huge"] = client.get("/basket/tasks/99999999999999999999999").status_code
    print(out)
