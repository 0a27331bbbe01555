"""Occurrence management: damages, complaints, vehicle issues and payment disputes on a site or
a booking, with per-tenant types, custom fields, statuses and SLAs, driven by the
`occurrence_lifecycle` process of the library."""
