"""Operators: admin and basic, invitations, password resets and my account."""
