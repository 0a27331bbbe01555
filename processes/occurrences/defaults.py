"""Every tunable of the occurrences package."""

# References: OCC-0001, OCC-0002, ... (more digits once past 9999: OCC-10000).
REFERENCE_PREFIX = "OCC-"
REFERENCE_DIGITS = 4

# Input limits
MAX_DESCRIPTION_CHARS = 5000
MAX_TEXT_FIELD_CHARS = 1000
MAX_COMMENT_CHARS = 5000
MAX_REASON_CHARS = 1000
MAX_NAME_CHARS = 120
MAX_OPTIONS = 50
MAX_OPTION_CHARS = 80
MAX_SLA_HOURS = 24 * 365
DEFAULT_SLA_HOURS = 48

# Who may do what (role names of processes.accounts.roles)
STAFF_ROLES = ("back-office", "supervisor", "admin")      # see, create, edit, be assigned
REOPEN_ROLES = ("supervisor", "admin")                    # move an ended occurrence back
SETTINGS_ROLES = ("admin",)                               # types, fields, statuses, SLAs

# The process of the library that drives the human work, and the message that stops it when
# someone ends an occurrence by hand.
PROCESS_KEY = "occurrence_lifecycle"
PROCESS_FILE = "occurrence_lifecycle.bpmn"
ENDED_MESSAGE = "occurrence_ended"
PROCESS_ACTOR = "process"                                 # actor of status changes it makes

# Lists
PAGE_SIZE = 25
MAX_PAGE = 100_000

# Attachments: the worknotes limits, plus the video kinds phones record.
ATTACHMENT_SUBDIR = "occurrences"                          # under the app's upload folder
EXTRA_ATTACHMENT_TYPES = {
    "video/webm": (".webm",),
    "video/x-matroska": (".mkv",),
}
ATTACHMENT_LABEL = ("JPEG, PNG, WebP or HEIC photos, PDF documents, or MP4, QuickTime, WebM "
                    "or Matroska videos")
MAX_ATTACHMENTS_PER_UPLOAD = 10
FALLBACK_TIMEZONE = "UTC"
