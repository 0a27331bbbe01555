"""POST /api/v1/definitions: deploy a .bpmn/.dmn upload, or a located refusal."""
import io

from .conftest import DATA, PREFIX, bpmn

DEFINITIONS = f"{PREFIX}/definitions"


def upload(data, filename):
    """Multipart form data carrying one file under the field name `file`."""
    return {"file": (io.BytesIO(data), filename)}


def test_upload_deploys_a_new_version(api, engine):
    """A valid diagram answers 201 with its key and version, and is then startable."""
    api.login("designer")
    response = api.post(DEFINITIONS, "designer", data=upload(bpmn("claim_review.bpmn"),
                                                             "claim_review.bpmn"))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["key"], body["version"]) == ("claim_review", 1)
    assert body["definitions"] == [{"key": "claim_review", "version": 1, "name": "Claim review",
                                    "kind": "bpmn", "created": True}]
    assert [d.key for d in engine.definitions("demo")] == ["claim_review"]


def test_changed_file_gets_the_next_version_and_same_file_none(api):
    """Re-uploading the same bytes answers 200 with the old version; a change makes version 2."""
    api.login("admin")
    source = bpmn("claim_review.bpmn")
    api.post(DEFINITIONS, "admin", data=upload(source, "claim_review.bpmn"))
    same = api.post(DEFINITIONS, "admin", data=upload(source, "claim_review.bpmn"))
    assert same.status_code == 200
    assert same.get_json()["definitions"][0]["created"] is False
    changed = source.replace(b'name="Claim review"', b'name="Claim review (v2)"')
    response = api.post(DEFINITIONS, "admin", data=upload(changed, "claim_review.bpmn"))
    assert response.status_code == 201
    assert response.get_json()["version"] == 2


def test_file_with_two_processes_lists_both(api):
    """A file holding several processes answers every deployed key in `definitions`."""
    api.login("designer")
    response = api.post(DEFINITIONS, "designer", data=upload(bpmn("payment_notice.bpmn"),
                                                             "payment_notice.bpmn"))
    assert response.status_code == 201
    keys = {(d["key"], d["version"]) for d in response.get_json()["definitions"]}
    assert keys == {("payment_notice", 1), ("refund_request", 1)}


def test_refused_file_answers_400_with_its_line(api, engine):
    """A broken diagram is refused with the file, the line of the fault and nothing deployed."""
    api.login("designer")
    response = api.post(DEFINITIONS, "designer", data=upload(bpmn("malformed.bpmn"),
                                                             "malformed.bpmn"))
    assert response.status_code == 400
    body = response.get_json()
    assert body["file"] == "malformed.bpmn"
    assert isinstance(body["line"], int) and body["line"] > 0
    assert body["error"].startswith(f"malformed.bpmn:{body['line']}: ")
    assert engine.definitions("demo") == []


def test_hostile_xml_is_refused(api):
    """An XXE upload is refused as a definition error, never parsed with its entities."""
    api.login("designer")
    data = (DATA / "attacks" / "xxe_file.bpmn").read_bytes()
    response = api.post(DEFINITIONS, "designer", data=upload(data, "xxe_file.bpmn"))
    assert response.status_code == 400
    assert "root:" not in response.get_data(as_text=True)


def test_missing_file_is_a_field_error(api):
    """A request without the `file` field answers 422 naming that field."""
    api.login("designer")
    response = api.post(DEFINITIONS, "designer", data={"other": "x"})
    assert response.status_code == 422
    assert "file" in response.get_json()["fields"]
