"""Charging stations: the manual's rules, what stations report, commands to them."""
