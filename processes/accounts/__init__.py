"""Tenants, users and their roles."""
