"""Tunables of the penalties package: settings defaults, process names, limits."""
from datetime import time, timedelta

# Settings a tenant starts with (admin page / PUT /api/v1/settings/penalties change them).
CANCEL_LIMIT_HOURS = 2            # cancelling closes this many hours before the start
FREE_WINDOW_START = time(7, 0)    # no-infraction window, site's local time, [start, end)
FREE_WINDOW_END = time(9, 0)
MAX_MINOR_INFRACTIONS = 3         # minors a customer may hold; the next one is major
CHECK_IN_GRACE_MINUTES = 15       # no check-in by start + grace: a no-show (major)
BLOCK_DAYS = 7                    # a major infraction blocks bookings for this long

# Bounds the settings are checked against.
MAX_CANCEL_LIMIT_HOURS = 24 * 30
MAX_GRACE_MINUTES = 24 * 60
MAX_BLOCK_DAYS = 365
MAX_MINOR_LIMIT = 100
MAX_SUBJECT_CHARS = 200
MAX_BODY_CHARS = 5000

# Check-in opens this long before the start (earlier it is surely a mistake).
CHECK_IN_OPENS_BEFORE = timedelta(hours=2)

# The library process and what it listens to / calls.
PROCESS_KEY = "cancellation_penalty"
MESSAGE_CHECKED_IN = "booking_checked_in"
MESSAGE_CANCELLED = "booking_cancelled"
MESSAGE_CONTESTED = "infraction_contested"
HANDLER_RECORD_NO_SHOW = "penalties_record_no_show"
HANDLER_SEND_NOTICES = "penalties_send_notices"
HANDLER_DECIDE_CONTEST = "penalties_decide_contest"
HANDLER_MARK_CONTESTED = "penalties_mark_contested"

# Roles whose cancellations are made on the operator's behalf and are never penalised.
STAFF_ROLES = frozenset({"admin", "back-office", "supervisor"})

MAX_REASON_CHARS = 1000
