"""Charging user groups: a user belongs to one at most; schedules and reports use them."""
