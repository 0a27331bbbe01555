"""Tunables of the apitokens package."""
from datetime import timedelta

# 32 random bytes: guessing one is hopeless, so a plain SHA-256 (not a slow hash) suffices.
TOKEN_BYTES = 32
# Marks our tokens in logs and lets secret scanners recognise a leaked one.
TOKEN_PREFIX = "pko_"
# A token stops working this long after it was issued; clients ask for a new one.
TOKEN_LIFETIME = timedelta(days=30)
# last_used_at is rewritten at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=1)
