"""The sessions list, a session's page and the sessions API: above the station console."""
