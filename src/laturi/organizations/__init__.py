"""Organisations: isolated tenants, each with its own group tree."""
