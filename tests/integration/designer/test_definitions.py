"""Designer lists: latest version per key, every version of a key, and source downloads."""
from datetime import timedelta

from .conftest import data_file


def _page(response):
    return response.get_data(as_text=True)


def _two_versions(upload, clock):
    """Deploy claim_review v1 at T0 and a renamed v2 one day later; return both sources."""
    v1 = data_file("bpmn", "claim_review.bpmn")
    v2 = v1.replace(b'name="Claim review"', b'name="Claim review (2)"')
    upload("claim_review.bpmn", v1)
    clock.shift(timedelta(days=1))
    upload("claim_review.bpmn", v2)
    return v1, v2


def test_list_shows_latest_version_count_local_time_author_and_checksum(
        client, login_as, upload, clock, eng):
    """The list shows v2 of 2, deployed at 10:00 Brussels time by designer, checksum cut short."""
    login_as("designer")
    _two_versions(upload, clock)
    page = _page(client.get("/designer/"))
    latest = eng.definitions("demo")[0]
    assert "<td>v2</td>" in page and "<td>2</td>" in page
    assert "Claim review (2)" in page
    assert "2026-03-03 10:00</time> <span class=\"muted\">by designer</span>" in page
    assert f'<code title="{latest.checksum}">{latest.checksum[:10]}</code>' in page


def test_detail_lists_every_version_newest_first(client, login_as, upload, clock):
    """The definition page lists v2 then v1, each with a download link."""
    login_as("designer")
    _two_versions(upload, clock)
    page = _page(client.get("/designer/definitions/claim_review"))
    assert page.index("<td>v2") < page.index(">v1</a>")
    for version in (1, 2):
        assert f"/designer/definitions/claim_review/versions/{version}/source" in page
    assert "SLA" not in page and "start form: 1 field(s)" in page


def test_detail_draws_the_latest_diagram_and_any_chosen_version(client, login_as, upload,
                                                               clock):
    """The page draws the latest version's diagram; a version link draws that one instead."""
    login_as("designer")
    _two_versions(upload, clock)
    latest = _page(client.get("/designer/definitions/claim_review"))
    assert "Diagram of v2" in latest
    assert 'data-bpmn-url="/designer/definitions/claim_review/versions/2/source"' in latest
    older = _page(client.get("/designer/definitions/claim_review?version=1"))
    assert "Diagram of v1" in older
    assert 'data-bpmn-url="/designer/definitions/claim_review/versions/1/source"' in older
    assert _page(client.get("/designer/definitions/claim_review?version=7")).count(
        "Diagram of v2") == 1                   # an unknown version shows the latest


def test_source_download_is_the_deployed_file_as_an_attachment(client, login_as, upload, clock):
    """Each version downloads as its exact source XML, as an attachment that is never sniffed."""
    login_as("designer")
    v1, v2 = _two_versions(upload, clock)
    first = client.get("/designer/definitions/claim_review/versions/1/source")
    assert first.status_code == 200
    assert first.headers["Content-Disposition"] == "attachment; filename=claim_review.v1.bpmn"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.mimetype == "application/xml"
    assert first.data == v1
    assert client.get("/designer/definitions/claim_review/versions/2/source").data == v2


def test_unknown_key_and_version_are_404(client, login_as, upload):
    """A key nobody deployed and a version that does not exist answer 404."""
    login_as("designer")
    upload("claim_review.bpmn", data_file("bpmn", "claim_review.bpmn"))
    assert client.get("/designer/definitions/nothing").status_code == 404
    assert client.get("/designer/definitions/claim_review/versions/9/source").status_code == 404
    assert client.get("/designer/definitions/nothing/start").status_code == 404


def test_empty_tenant_says_nothing_is_deployed(client, login_as):
    """With no definition the page invites an upload."""
    login_as("designer")
    assert "Nothing is deployed in this organisation yet." in _page(client.get("/designer/"))


def test_detail_shows_when_the_engine_starts_the_process_by_itself(client, login_as, upload,
                                                                   clock):
    """A fixed timer start event: the page says when the next instance starts, in local time."""
    login_as("designer")
    cycle = data_file("bpmn", "minimal.bpmn").replace(
        b'<bpmn:outgoing>to_review</bpmn:outgoing>',
        b'<bpmn:outgoing>to_review</bpmn:outgoing><bpmn:timerEventDefinition id="every_day">'
        b'<bpmn:timeCycle>R2/2026-03-03T05:00:00Z/P1D</bpmn:timeCycle>'
        b'</bpmn:timerEventDefinition>')
    assert upload("minimal.bpmn", cycle).status_code in (200, 302)
    page = _page(client.get("/designer/definitions/minimal"))
    assert "Starts by itself (timer <code>R2/2026-03-03T05:00:00Z/P1D</code>): next on" in page
    assert ">2026-03-03 06:00</time>" in page and "2 start(s) left" in page
    plain = _page(client.get("/designer/definitions/claim_review"))
    assert "Starts by itself" not in plain
