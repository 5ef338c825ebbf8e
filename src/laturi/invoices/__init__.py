"""Invoices: the manual's invoice settings, calculation, previews, sending and statuses."""
