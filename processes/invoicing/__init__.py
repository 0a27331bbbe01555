"""Invoicing of season contracts: monthly runs, collection and dunning, journal, statements,
anomaly alerts. See README "Invoicing" for the rules (proration, VAT rounding, numbering)."""
