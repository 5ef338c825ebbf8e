"""Laturi: an open-source EV charging management system."""

__version__ = "0.1.0"
