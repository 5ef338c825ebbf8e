"""The Reports page and the report API: above the sessions list, whose filters they share."""
