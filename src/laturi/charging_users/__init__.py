"""Charging users, their RFID tokens and access rights, user groups, and the authorization rule."""
