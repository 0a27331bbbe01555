"""Every tunable of the bookings package."""
from datetime import timedelta

REFERENCE_PREFIX = "BK-"
REFERENCE_DIGITS = 6                    # BK-000001
PAGE_SIZE = 25                          # bookings per list page
MAX_PAGE = 10_000
MAX_BOOKING_LENGTH = timedelta(days=31)
MAX_CAPACITY = 100_000
MAX_NAME_CHARS = 200
MAX_CODE_CHARS = 32
