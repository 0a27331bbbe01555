"""Tunables of the season-parker family."""

PROCESS_KEY = "season_parker_onboarding"
PLACE_FREED_MESSAGE = "season-place-freed"     # wakes a waitlisted application
WAKE_BATCH = 50                  # waitlisted applications of one site looked at per wake-up
WAKE_ATTEMPTS = 3                # a message racing a timer of the same instance is re-sent
HOUSEKEEPING_PROCESS = "season_housekeeping"    # the nightly process (library)
HOUSEKEEPING_KEY_PREFIX = "season-housekeeping-"  # + the night's local date
HOUSEKEEPING_AT = "03:00"        # local time (tenant's zone): after midnight in every European
                                 # site zone, outside the 02:00-03:00 DST gap
MAX_VEHICLES = 3                 # plates per contract, whatever the product
SEASON_SHARE_PERCENT = 50        # share of a site's capacity sold as season places
START_WINDOW_DAYS = 90           # an application may start at most this far ahead
NOTICE_DAYS = 30                 # termination: end of the month after this many days' notice
RENEWAL_MONTHS = 12
TERMS = (0, 3, 6, 12)            # months; 0 = monthly rolling, open ended
MAX_DISCOUNT_PERCENT = 50
PAYMENT_VERIFY_ATTEMPTS = 3      # soft declines retried (BPMN waits between) before asking again
APPLICATION_PREFIX = "SA-"
CONTRACT_PREFIX = "SP-"
NUMBER_DIGITS = 6
CURRENCY = "EUR"
PUBLIC_FORM_LIMIT = "10 per hour"  # applications from one address through the public form
PAGE_SIZE = 50
