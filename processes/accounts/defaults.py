"""Tunables of the accounts package."""

# werkzeug's scrypt with its default cost (N=2**15, r=8, p=1): about 0.15 s per hash here,
# slow on purpose against guessing. Tests lower the cost, never the algorithm.
PASSWORD_HASH_METHOD = "scrypt"

# Passwords an admin sets for a user (create, reset). The upper bound matches the login form,
# so no password can be set that the login page would refuse to take.
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
