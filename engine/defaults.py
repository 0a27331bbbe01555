"""Every engine tunable in one place."""

# Uploaded BPMN/DMN files
MAX_XML_BYTES = 5 * 1024 * 1024
MAX_XML_DEPTH = 256                 # libxml2 itself refuses deeper trees (huge_tree off)
MAX_XML_ELEMENTS = 200_000

# Sandbox for conditions, scripts and timer expressions
SANDBOX_TIME_LIMIT_S = 0.5          # CPU budget of one expression or script
SANDBOX_MAX_POWER = 4_000_000       # largest exponent allowed in a ** b
SANDBOX_MAX_STRING = 100_000        # longest string a script may build
SANDBOX_MAX_COLLECTION = 100_000    # largest list/dict/set a script may build
SANDBOX_MAX_SOURCE = 20_000         # longest script text accepted at deploy
SANDBOX_MAX_INT_BITS = 100_000      # widest integer arithmetic may produce (~30,000 digits)
SANDBOX_MAX_ALLOCATION = 5_000_000  # items + characters one run may put into collections
SANDBOX_MAX_DEPTH = 100             # deepest nesting of an expression, and of data it builds
SANDBOX_CACHE_SIZE = 4096           # parsed expressions and scripts kept per process

# Service tasks
SERVICE_MAX_ATTEMPTS = 3
SERVICE_BACKOFF_S = (5, 30, 120)    # wait before attempt 2, 3, ...

# Runner / timers
TIMER_BATCH = 200
JOB_BATCH = 200
RUNNER_POLL_S = 1.0

# Deadlines
ESCALATION_GROUP = "supervisor"     # who is offered an overdue task and told about it

# Lists
PAGE_SIZE = 50

# Restored workflows an Engine keeps in memory between operations (0 turns the cache off)
WORKFLOW_CACHE_SIZE = 256
