"""Parking domain: one package per process family, plus accounts. Never imports flask."""
