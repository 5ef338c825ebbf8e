"""How values are compared: one normalisation per kind, used for storage keys and look-ups."""

from __future__ import annotations


def tag_key(id_tag: str) -> str:
    """A token id as compared: stations report RFID UIDs in either case."""
    return id_tag.strip().lower()


def text_key(value: str) -> str:
    """E-mail addresses and user group names are unique regardless of case."""
    return value.strip().lower()
