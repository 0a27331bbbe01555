"""Season parkers: applications, products and tariffs, contracts, payment methods, access."""
