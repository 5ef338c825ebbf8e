"""E-mail address syntax, checked by a maintained library rather than a regular expression."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from laturi.errors import ValidationFailed


def normalize_email(value: str, *, field: str = "email") -> str:
    """The normalised address, or a field error naming what is wrong with it."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as err:
        raise ValidationFailed(f"Invalid e-mail address: {err}", field=field) from err
