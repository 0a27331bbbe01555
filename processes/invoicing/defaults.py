"""Tunables of the invoicing package, in one place."""
from decimal import Decimal

VAT_RATE = Decimal("0.21")          # a tenant without InvoicingSettings pays this rate
CURRENCY = "EUR"
PAYMENT_TERM_DAYS = 14              # due date = issue date + this
REVENUE_STREAM = "season-parking"   # journal stream of contract invoices

INVOICE_SERIES = "INV"              # numbers INV-2026-000001, gapless per tenant and year
CREDIT_NOTE_SERIES = "CN"           # credit notes have a gapless series of their own
NUMBER_DIGITS = 6

RUN_BATCH = 1000                    # contracts per transaction in a monthly run

# Collection: the first charge is made by the run; when it fails, the invoice_collection
# process (library/invoicing.bpmn) retries at these offsets, in days after the first attempt,
# then dunning starts (its waits and the suspension SLA are written in the diagram).
RETRY_OFFSETS_DAYS = (1, 3, 6)
COLLECTION_PROCESS = "invoice_collection"
COLLECT_BATCH = 500                 # invoices charged per write transaction

# Statements and anomalies.
AGEING_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))   # days past due (open amounts)
ANOMALY_WINDOW_DAYS = 28            # trailing days compared with
ANOMALY_MIN_HISTORY_DAYS = 14       # fewer days of history: no revenue judgement yet
ANOMALY_MAD_FACTOR = Decimal(3)     # beyond median +/- 3 x MAD is "far from the usual range"
ANOMALY_MAD_FLOOR_CENTS = 100       # a flat history (MAD 0) still tolerates +/- 3 EUR

# The daily finance round (library/finance_daily.bpmn): one instance per tenant and day,
# waiting on its timer start event until this local time (the tenant's time zone): alerts
# and reminders are there when the office opens.
DAILY_PROCESS = "finance_daily"
DAILY_RUN_AT = "06:00"
DAILY_BUSINESS_KEY = "finance-{day}"        # finance-2026-03-03
