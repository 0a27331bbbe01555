"""Photos and videos attached when reporting and with comments: type by content, a size cap,
random stored names, linked to the occurrence (and so to its booking) for good."""
import io

import pytest

from engine import InvalidVariables
from engine import clock as engine_clock
from processes.occurrences import attachments, services
from tests.integration.basket.task_helpers import EXE_BYTES, png_bytes

from .conftest import AGENT, damage, type_id

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
WEBM = (b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01B\xf2\x81\x04B\xf3\x81\x08B\x82\x84webm"
        b"B\x87\x81\x04B\x85\x81\x02" + b"\x00" * 64)


def upload(data, name):
    """A checked upload of `data` named `name`."""
    return attachments.check_upload(io.BytesIO(data), name)


@pytest.mark.parametrize("data, name, content_type, shown", [
    (png_bytes(), "door.png", "image/png", "door.png"),
    (MP4, "walkaround.mp4", "video/mp4", "walkaround.mp4"),
    (WEBM, "clip", "video/webm", "clip.webm"),
    (png_bytes(), "evidence.exe", "image/png", "evidence.exe.png"),
])
def test_photos_and_videos_are_accepted_by_their_content(data, name, content_type, shown):
    """The type comes from the bytes; the shown name always ends in the real type."""
    checked = upload(data, name)
    assert (checked.content_type, checked.filename) == (content_type, shown)


@pytest.mark.parametrize("data, message", [
    (EXE_BYTES, "not a kind of file we accept"),
    (b"", "Choose a file"),
])
def test_other_files_are_refused(data, message):
    """A program renamed .jpg, or an empty file, is refused on `files`."""
    with pytest.raises(InvalidVariables) as refused:
        upload(data, "photo.jpg")
    assert message in refused.value.errors["files"]


def test_files_over_the_size_cap_are_refused():
    """Bigger than the cap: refused naming the limit."""
    with pytest.raises(InvalidVariables) as refused:
        attachments.check_upload(io.BytesIO(png_bytes() + b"\x00" * 2048), "big.png",
                                 max_bytes=1024)
    assert "1 KiB limit" in refused.value.errors["files"]


def test_evidence_on_creation_and_comments_is_stored_securely_and_linked_to_the_booking(
        domain_eng, domain_place, tmp_path):
    """Files of the report and of a comment are kept with the occurrence, never under the
    client's name, and are logged."""
    folder = tmp_path / "uploads"
    occ = services.report(domain_eng, AGENT, {**damage(domain_place),
                                              "type_id": type_id(domain_eng, "Damage")},
                          [upload(png_bytes(), "../../etc/door.png")], folder, start=False)
    comment = services.comment(domain_eng, AGENT, occ.id, "Video of the dent",
                               [upload(MP4, "dent.mp4")], folder)
    page = services.page(domain_eng, AGENT, occ.id, engine_clock.now())
    assert [(a.filename, a.comment_id) for a in page.attachments] == [
        ("door.png", None), ("dent.mp4", comment.id)]
    for row in page.attachments:
        stored, path = services.attachment_file(domain_eng, AGENT, occ.id, row.id, folder)
        assert path.read_bytes() in (png_bytes(), MP4)
        assert row.filename not in str(path)
    assert [a.new for a in page.activity if a.kind == "attachment_added"] == ["door.png",
                                                                               "dent.mp4"]
    assert page.occurrence.booking.reference == domain_place.booking_reference


def test_a_refused_report_leaves_no_file_behind(domain_eng, domain_place, tmp_path):
    """The report fails on a field: the already checked photo is not kept on disk."""
    folder = tmp_path / "uploads"
    with pytest.raises(InvalidVariables):
        services.report(domain_eng, AGENT, {**damage(domain_place), "description": "",
                                            "type_id": type_id(domain_eng, "Damage")},
                        [upload(png_bytes(), "door.png")], folder, start=False)
    assert not any(p.is_file() for p in folder.rglob("*")) if folder.exists() else True


def test_evidence_stays_linked_for_good_through_closing_and_reopening(domain_eng, domain_place,
                                                                      tmp_path):
    """Seed 000 "linked permanently": closing the occurrence (every field read-only) and
    reopening it keep every photo and video, readable and still tied to the booking."""
    from .conftest import SUPERVISOR, status_id

    folder = tmp_path / "uploads"
    occ = services.report(domain_eng, AGENT, {**damage(domain_place),
                                              "type_id": type_id(domain_eng, "Damage")},
                          [upload(png_bytes(), "door.png")], folder, start=False)
    services.comment(domain_eng, AGENT, occ.id, "Walk-around", [upload(MP4, "walk.mp4")], folder)

    def evidence():
        page = services.page(domain_eng, SUPERVISOR, occ.id, engine_clock.now())
        files = [services.attachment_file(domain_eng, SUPERVISOR, occ.id, row.id, folder)[1]
                 .read_bytes() for row in page.attachments]
        return ([row.filename for row in page.attachments], files,
                page.occurrence.booking.reference)

    before = evidence()
    services.change(domain_eng, SUPERVISOR, occ.id, {"status_id": status_id(domain_eng,
                                                                            "Closed")})
    assert evidence() == before
    services.change(domain_eng, SUPERVISOR, occ.id, {
        "status_id": status_id(domain_eng, "Pending"), "reason": "Customer sent more photos"})
    assert evidence() == before == (["door.png", "walk.mp4"], [png_bytes(), MP4],
                                    domain_place.booking_reference)
