"""Tunables of the accounts package."""

# werkzeug's scrypt with its default cost (N=2**15, r=8, p=1): about 0.15 s per hash here,
# slow on purpose against guessing. Tests lower the cost, never the algorithm.
PASSWORD_HASH_METHOD = "scrypt"
