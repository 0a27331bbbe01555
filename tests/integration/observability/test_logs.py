"""Logging set-up of the app: SpiffWorkflow's per-task chatter stays out of the logs."""
import logging
from pathlib import Path

from webapp.observability.logs import SPIFF_LOGGERS, quiet_spiff

DIAGRAM = Path(__file__).resolve().parents[2] / "data" / "bpmn" / "claim_review.bpmn"


def test_spiffworkflow_task_state_changes_are_not_logged(app, eng, caplog):
    """With the root logger at INFO (as JSON logs run), starting a process logs no line per
    SpiffWorkflow task state change."""
    caplog.set_level(logging.INFO)
    with app.app_context():
        eng.deploy(DIAGRAM.read_bytes(), DIAGRAM.name, "demo", actor="test")
        eng.start("claim_review", "LOG-1", {"amount": 100}, tenant="demo", actor="test")
    assert not [r for r in caplog.records if r.name.startswith("spiff")]


def test_a_level_chosen_for_spiffworkflow_is_kept():
    """Someone debugging SpiffWorkflow sets its logger level first: the app leaves it alone."""
    task_logger = logging.getLogger("spiff.task")
    before = task_logger.level
    try:
        task_logger.setLevel(logging.DEBUG)
        quiet_spiff()
        assert task_logger.level == logging.DEBUG
        assert all(logging.getLogger(name).level >= logging.WARNING
                   for name in SPIFF_LOGGERS if name != "spiff.task")
    finally:
        task_logger.setLevel(before)
