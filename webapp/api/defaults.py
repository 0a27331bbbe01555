"""Tunables of the API."""

# Highest page number GET /tasks accepts: far past any real list, and it keeps the offset a
# number every database takes.
MAX_PAGE = 100_000
