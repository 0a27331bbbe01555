"""Designer uploads: Validate (dry run), Deploy, and refusals that point at the faulty line."""
import re
from io import BytesIO

import pytest

from engine import defaults as engine_defaults
from processes.accounts.services import seed_demo
from webapp.extensions import db

from .conftest import DATA, data_file

# xinclude.bpmn is well-formed BPMN: it deploys, and the include is simply never processed.
ATTACKS = sorted(p.name for p in (DATA / "attacks").glob("*.bpmn")
                 if p.name != "xinclude.bpmn")
HOSTILE_SCRIPT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="hostile" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>a</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="x" name="Innocent looking"><bpmn:incoming>a</bpmn:incoming>
      <bpmn:outgoing>b</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="e"><bpmn:incoming>b</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="x" />
    <bpmn:sequenceFlow id="b" sourceRef="x" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>
"""


def _page(response):
    return response.get_data(as_text=True)


def test_validate_reports_the_next_version_and_deploys_nothing(login_as, upload, eng):
    """Validate answers 200 with 'would be deployed as v1' and leaves the tenant empty."""
    login_as("designer")
    response = upload("claim_review.bpmn", data_file("bpmn", "claim_review.bpmn"), "check")
    assert response.status_code == 200
    assert "would be deployed as <strong>v1</strong>" in _page(response)
    assert eng.definitions("demo") == []


def test_deploy_shows_key_and_version_then_unchanged(client, login_as, upload, eng):
    """Deploy stores v1 and says `claim_review v1`; the same file again says `(unchanged)`."""
    login_as("designer")
    xml = data_file("bpmn", "claim_review.bpmn")
    first = upload("claim_review.bpmn", xml)
    assert first.status_code == 302 and first.headers["Location"] == "/designer/"
    assert "Deployed claim_review.bpmn: claim_review v1</p>" in _page(client.get("/designer/"))
    upload("claim_review.bpmn", xml)
    assert "claim_review v1 (unchanged)" in _page(client.get("/designer/"))
    assert [(d.key, d.version, d.deployed_by) for d in eng.definitions("demo")] == [
        ("claim_review", 1, "designer")]


def test_validate_of_a_deployed_file_says_unchanged(login_as, upload):
    """Validating the file that is already deployed reports its version as unchanged."""
    login_as("designer")
    xml = data_file("bpmn", "claim_review.bpmn")
    upload("claim_review.bpmn", xml)
    response = upload("claim_review.bpmn", xml, "check")
    assert "v1 (unchanged)" in _page(response)


def test_malformed_file_shows_file_line_and_the_highlighted_source_line(login_as, upload, eng):
    """A syntax error names file and line 7 and marks line 7 of the upload among its neighbours."""
    login_as("designer")
    response = upload("malformed.bpmn", data_file("bpmn", "malformed.bpmn"))
    page = _page(response)
    assert response.status_code == 400
    assert "malformed.bpmn, line 7: refused" in page
    assert "malformed.bpmn:7: not well-formed XML" in page
    faulty = re.search(r'<li value="(\d+)" class="faulty"[^>]*>(.*?)</li>', page, re.S)
    assert faulty.group(1) == "7"
    assert "<mark>  &lt;/bpmn:process&gt;</mark>" in faulty.group(2)
    numbers = [int(n) for n in re.findall(r'<li value="(\d+)"', page)]
    assert numbers == [4, 5, 6, 7, 8]
    assert eng.definitions("demo") == []


def test_refusal_deeper_in_the_file_shows_only_nearby_lines(login_as, upload):
    """A fault on line 40 shows lines 37-43, not the whole file."""
    login_as("designer")
    xml = data_file("bpmn", "claim_review.bpmn").decode().splitlines()
    xml[39] = xml[39].replace("<bpmn:", "<bpmn:bogus ", 1).replace("/>", "") + "<"
    response = upload("broken.bpmn", "\n".join(xml).encode(), "check")
    page = _page(response)
    assert response.status_code == 400
    assert [int(n) for n in re.findall(r'<li value="(\d+)"', page)] == list(range(37, 44))
    assert re.search(r'<li value="40" class="faulty"', page)


@pytest.mark.parametrize("name", ATTACKS)
def test_attack_files_are_refused_cleanly(login_as, upload, eng, name):
    """Every attack file is refused with a located message; nothing is deployed or leaked."""
    login_as("designer")
    response = upload(name, data_file("attacks", name))
    page = _page(response)
    assert response.status_code == 400
    assert "refused</h3>" in page and f"{name}:" in page
    assert "Traceback" not in page and "root:x:" not in page
    assert eng.definitions("demo") == []


def test_xinclude_is_deployed_without_ever_being_expanded(client, login_as, upload):
    """The XInclude file deploys as written: its stored source still holds the bare include."""
    login_as("designer")
    assert upload("xinclude.bpmn", data_file("attacks", "xinclude.bpmn")).status_code == 302
    source = client.get("/designer/definitions/xinclude/versions/1/source").get_data(as_text=True)
    assert '<xi:include href="file:///etc/passwd"' in source
    assert "root:x:" not in source


@pytest.mark.parametrize("snippet", ["script_import_os.py", "script_dunder_import.py",
                                     "script_pow_bomb.py", "script_mro_walk.py"])
def test_hostile_script_is_refused_at_its_line(login_as, upload, eng, snippet):
    """A diagram whose script breaks a sandbox rule is refused with the script line marked."""
    login_as("designer")
    script = (DATA / "attacks" / snippet).read_text()
    xml = HOSTILE_SCRIPT.format(script=script.replace("&", "&amp;").replace("<", "&lt;"))
    response = upload("hostile.bpmn", xml.encode())
    page = _page(response)
    assert response.status_code == 400
    assert "script refused" in page
    line = int(re.search(r'<li value="(\d+)" class="faulty"', page).group(1))
    assert 7 <= line < 7 + script.count("\n") + 1
    assert eng.definitions("demo") == []


@pytest.mark.parametrize("filename, message", [
    ("claims.txt", "Only .bpmn and .dmn files are accepted."),
    ("noextension", "Only .bpmn and .dmn files are accepted."),
])
def test_other_file_types_are_refused_with_422(login_as, upload, filename, message):
    """A file that is not .bpmn/.dmn is refused on the file field before the engine sees it."""
    login_as("designer")
    response = upload(filename, data_file("bpmn", "minimal.bpmn"))
    assert response.status_code == 422
    assert message in _page(response)


def test_missing_file_is_refused_with_422(client, login_as):
    """Pressing Deploy without a file asks for one."""
    login_as("designer")
    response = client.post("/designer/upload", data={"deploy": "1"},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a .bpmn or .dmn file." in _page(response)


def test_file_over_the_size_cap_is_refused_with_422(login_as, upload, eng):
    """One byte over the engine's 5 MiB limit is refused with the limit in the message."""
    login_as("designer")
    big = b"<!--" + b"x" * engine_defaults.MAX_XML_BYTES + b"-->"
    response = upload("big.bpmn", big)
    assert response.status_code == 422
    assert "the limit is 5 MiB" in _page(response)
    assert eng.definitions("demo") == []


def test_dmn_upload_is_listed_as_a_decision(client, login_as, upload):
    """A DMN file deploys its decision, listed with a DMN badge and no Start link."""
    login_as("designer")
    response = upload("overstay_penalty.dmn", data_file("dmn", "overstay_penalty.dmn"))
    assert response.status_code == 302
    page = _page(client.get("/designer/"))
    assert '<span class="badge">DMN</span>' in page
    assert "/start" not in page


def test_upload_without_csrf_token_is_refused(make_app):
    """With CSRF on, an upload without the page's token is refused and nothing is deployed."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        seed_demo(db.session)
        db.session.commit()
    client = app.test_client()
    login_page = _page(client.get("/auth/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/auth/login", data={"tenant": "demo", "username": "designer",
                                     "password": "designer", "csrf_token": token})
    xml = data_file("bpmn", "minimal.bpmn")
    refused = client.post("/designer/upload", data={"file": (BytesIO(xml), "minimal.bpmn"),
                                                    "deploy": "1"})
    assert refused.status_code == 400
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      _page(client.get("/designer/"))).group(1)
    accepted = client.post("/designer/upload", data={
        "file": (BytesIO(xml), "minimal.bpmn"), "deploy": "1", "csrf_token": token})
    assert accepted.status_code == 302
    assert [d.key for d in app.extensions["parkops"].definitions("demo")] == ["minimal"]
