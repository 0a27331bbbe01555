"""Bearer tokens of the JSON API: issued for a password, stored only as a SHA-256 hash."""
