"""The work-basket's own data and rules: saved filters per user, bulk claim and reassign."""
