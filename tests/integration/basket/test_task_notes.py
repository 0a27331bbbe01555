"""Comments, attachments and the history timeline of the task page."""
import re
from io import BytesIO

import pytest
from sqlalchemy.exc import IntegrityError

from processes.worknotes import services
from tests.integration.basket.task_helpers import (  # noqa: F401  (fixtures imported by name)
    EXE_BYTES, engine_of, frozen_clock, log_in, png_bytes, start_claim_review,
    stored_files, task_url, upload_dir)

TEN_MIB = 10 * 1024 * 1024


@pytest.fixture
def review(app, demo_users, frozen_clock, upload_dir):
    """An open, unclaimed 'Review claim' task; uploads go to a temporary folder."""
    return start_claim_review(app)


@pytest.fixture
def agent(app, review):
    """A client logged in as the back-office agent."""
    return log_in(app, "agent")


def text(response):
    """The body of a response as text."""
    return response.get_data(as_text=True)


def kinds(app, task):
    """The audit event kinds of the task's case, oldest first."""
    return [e.kind for e in engine_of(app).history(task.instance_id)]


def attach(client, task, data, name):
    """POST one file to the task's attachments."""
    return client.post(task_url(task, "attachments"), data={"file": (BytesIO(data), name)})


def timeline(page):
    """(text, time) of every timeline line, top to bottom."""
    return re.findall(r'<span class="tl-text">(.*?)</span> · <time[^>]*>(.*?)</time>', page)


# -- comments ---------------------------------------------------------------------------------

def test_comment_is_shown_with_author_and_time_and_audited(app, review, agent):
    """A comment shows its text, author and time, and leaves a comment_added event by its author."""
    response = agent.post(task_url(review, "comments"),
                          data={"body": "Called the driver.\nNo answer."})
    assert response.status_code == 302
    page = text(agent.get(task_url(review)))
    assert "Comment added." in page
    assert ("agent commented", "10:00") in timeline(page)
    assert "Called the driver.\nNo answer.</blockquote>" in page
    event = engine_of(app).history(review.instance_id)[-1]
    assert (event.kind, event.actor, event.task_id) == ("comment_added", "agent", review.id)


def test_empty_comment_is_refused_at_its_field(app, review, agent):
    """A blank comment: 422, the message under the comment box, no event written."""
    response = agent.post(task_url(review, "comments"), data={"body": "   "})
    assert response.status_code == 422
    assert 'id="comment-error">Write a comment first.' in text(response)
    assert "comment_added" not in kinds(app, review)


def test_comment_markup_is_shown_as_text(app, review, agent):
    """Comments are escaped: what people type never becomes markup on a colleague's page."""
    agent.post(task_url(review, "comments"), data={"body": "<script>alert(1)</script>"})
    page = text(agent.get(task_url(review)))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


# -- attachments ------------------------------------------------------------------------------

def test_png_is_stored_under_a_random_name_in_the_case_folder(app, review, agent, upload_dir):
    """The client's name never reaches the disk: the file lands as <instance>/<32 hex chars>."""
    response = attach(agent, review, png_bytes(), "../../etc/evil name.png")
    assert response.status_code == 302
    [stored] = stored_files(upload_dir)
    assert re.fullmatch(rf"{review.instance_id}/[0-9a-f]{{32}}", stored)
    assert (upload_dir / stored).read_bytes() == png_bytes()
    page = text(agent.get(task_url(review)))
    assert "File attached." in page and ">evil name.png</a>" in page
    assert kinds(app, review)[-1] == "attachment_added"


def test_download_is_served_as_an_attachment_with_nosniff(app, review, agent):
    """Download: the bytes, the sniffed type, Content-Disposition attachment, nosniff."""
    attach(agent, review, png_bytes(), "photo.png")
    attachment = engine_of(app).history(review.instance_id)[-1].payload["attachment"]
    response = agent.get(task_url(review, f"attachments/{attachment}"))
    assert response.status_code == 200 and response.data == png_bytes()
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == "attachment; filename=photo.png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_download_name_always_ends_in_the_real_type(app, review, agent):
    """A PNG uploaded as invoice.pdf is offered as invoice.pdf.png: the name cannot lie."""
    attach(agent, review, png_bytes(), "invoice.pdf")
    attachment = engine_of(app).history(review.instance_id)[-1].payload["attachment"]
    response = agent.get(task_url(review, f"attachments/{attachment}"))
    assert response.headers["Content-Disposition"] == "attachment; filename=invoice.pdf.png"


def test_program_renamed_to_png_is_refused(app, review, agent, upload_dir):
    """An .exe named photo.png is judged by its bytes: 422, a clear message, nothing stored."""
    response = attach(agent, review, EXE_BYTES, "photo.png")
    assert response.status_code == 422
    assert "This kind of file is not accepted." in text(response).split('id="file-error"')[1]
    assert stored_files(upload_dir) == [] and "attachment_added" not in kinds(app, review)


def test_file_over_the_default_cap_is_refused(app, review, agent, upload_dir):
    """Over 10 MiB (even a real PNG): 422 naming the limit, nothing stored."""
    response = attach(agent, review, png_bytes() + b"\0" * TEN_MIB, "huge.png")
    assert response.status_code == 422
    assert "The file is larger than the 10 MiB limit." in text(response)
    assert stored_files(upload_dir) == []


def test_cap_is_configurable_and_inclusive(app, review, agent, upload_dir):
    """ATTACHMENT_MAX_BYTES: a file of exactly that size passes, one byte more does not."""
    app.config["ATTACHMENT_MAX_BYTES"] = len(png_bytes())
    assert attach(agent, review, png_bytes() + b"\0", "big.png").status_code == 422
    assert attach(agent, review, png_bytes(), "fits.png").status_code == 302


def test_posting_no_file_is_refused(app, review, agent):
    """Attach without choosing a file: 422 asking for one."""
    response = agent.post(task_url(review, "attachments"), data={})
    assert response.status_code == 422 and "Choose a file to attach." in text(response)


def test_attachment_of_another_case_is_not_served_through_this_task(app, review, agent):
    """An attachment id of case A requested under a task of case B is 404."""
    attach(agent, review, png_bytes(), "photo.png")
    attachment = engine_of(app).history(review.instance_id)[-1].payload["attachment"]
    other = start_claim_review(app, business_key="OCC-0043")
    assert agent.get(task_url(other, f"attachments/{attachment}")).status_code == 404


def test_file_is_removed_when_its_row_cannot_be_written(app, review, upload_dir):
    """A failed transaction leaves neither a row, nor an event, nor an orphan file."""
    from processes.accounts.services import Identity

    agent = Identity(1, "demo", "agent", ("back-office",), True, "en")
    vanished = engine_of(app).task(review.id)
    vanished.instance_id = 987654          # a case that does not exist: the foreign key fails
    with pytest.raises(IntegrityError):
        services.add_attachment(engine_of(app), vanished, agent, upload_dir,
                                BytesIO(png_bytes()), "photo.png")
    assert stored_files(upload_dir) == [] and "attachment_added" not in kinds(app, review)


# -- timeline ---------------------------------------------------------------------------------

def test_timeline_merges_history_comments_and_files_newest_first(app, review, agent, frozen_clock):
    """Claim, comment, attach, unclaim, complete: one line each, newest first, in plain words."""
    steps = [lambda: agent.post(task_url(review, "claim")),
             lambda: agent.post(task_url(review, "comments"), data={"body": "Checking."}),
             lambda: attach(agent, review, png_bytes(), "photo.png"),
             lambda: agent.post(task_url(review, "unclaim")),
             lambda: log_in(app, "supervisor").post(task_url(review, "complete"),
                                                    data={"field_approved": "true"})]
    for step in steps:
        frozen_clock.shift(60)
        assert step().status_code == 302
    size = f"{len(png_bytes())} B"
    assert timeline(text(log_in(app, "supervisor").get(task_url(review)))) == [
        ("The case was completed", "10:05"),
        ("supervisor completed Review claim", "10:05"),
        ("agent gave Review claim back to the queue", "10:04"),
        (f"agent attached photo.png ({size})", "10:03"),
        ("agent commented", "10:02"),
        ("agent claimed Review claim", "10:01"),
        ("Review claim is waiting for back-office", "10:00"),
        ("designer started the case", "10:00"),
    ]


def test_reassignment_and_escalation_read_as_sentences(app, review, frozen_clock):
    """A supervisor's reassignment and a passed deadline get their own wording."""
    supervisor = log_in(app, "supervisor")
    supervisor.post(task_url(review, "reassign"), data={"user": "agent"})
    frozen_clock.shift(3 * 24 * 3600)
    engine_of(app).escalate_overdue()
    lines = [line for line, _ in timeline(text(supervisor.get(task_url(review))))]
    assert lines[:2] == ["Review claim passed its deadline and was escalated to supervisor",
                         "supervisor assigned Review claim to agent"]
