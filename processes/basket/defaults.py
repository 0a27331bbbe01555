"""Tunables of the basket package."""

MAX_SAVED_FILTERS = 20      # per user: quick links, not a second database
FILTER_NAME_MAX = 60        # characters in a saved filter's name
MAX_BULK_TASKS = 100        # tasks one bulk claim/reassign may touch (two pages' worth)
