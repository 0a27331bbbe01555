"""Tunables of the notifications package."""

SMTP_TIMEOUT_S = 10.0               # connect + each command; a slow server costs an attempt
SMTP_PORT = 25
SENDER = "parkops@localhost"
BASE_URL = "http://127.0.0.1:5000"  # where recipients open the web app
TASK_PATH = "/basket/tasks/{task_id}"
TIMEZONE = "UTC"                    # when neither the tenant nor the settings name one
MESSAGE_ID_DOMAIN = "parkops.local"  # when the sender address has no domain part
DUE_FORMAT = "%a %d %b %Y %H:%M %Z"  # "Wed 04 Mar 2026 10:00 CET"
