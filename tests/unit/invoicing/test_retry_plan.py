"""When a declined charge is tried again (table-driven)."""
import pytest

from processes.invoicing.collection import retry_plan


@pytest.mark.parametrize("attempt, status, retries_left, delay", [
    (1, "soft_declined", True, "P1D"),       # day 0 failed -> day 1
    (2, "soft_declined", True, "P2D"),       # day 1 failed -> day 3
    (3, "soft_declined", True, "P3D"),       # day 3 failed -> day 6
    (4, "soft_declined", False, ""),         # day 6 failed -> dunning
    (1, "hard_declined", False, ""),         # closed card: no point retrying
    (2, "hard_declined", False, ""),
])
def test_soft_declines_are_retried_one_three_and_six_days_after_the_first(
        attempt, status, retries_left, delay):
    """Retries at +1 d, +3 d, +6 d after the first attempt, only for soft declines."""
    plan = retry_plan(attempt, status)
    assert (plan.retries_left, plan.delay) == (retries_left, delay)


def test_other_offsets_give_other_waits():
    """The offsets are a tunable: (2, 5) waits 2 days, then 3, then gives up."""
    assert [retry_plan(n, "soft_declined", (2, 5)).delay for n in (1, 2, 3)] == ["P2D", "P3D", ""]
