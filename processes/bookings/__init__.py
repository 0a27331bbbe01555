"""Sites, customers, vehicles and bookings: what occurrences, penalties and contracts hang on."""
