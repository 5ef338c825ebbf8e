"""Domain errors: each carries the manual's wording and an HTTP status; edges render them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    """A user-facing message: a stable key (for translations and clients) and its English."""

    key: str
    text: str

    def __str__(self) -> str:
        return self.text


class LaturiError(Exception):
    """Base of every error a user is meant to read."""

    code = "error"
    status = 400
    default_message: str | Message = "The request could not be completed."
    # True where the writes made before the error must still be committed (a failed log-in).
    keeps_writes = False

    def __init__(self, message: str | Message | None = None, *, field: str | None = None) -> None:
        chosen = message or self.default_message
        # A plain string is a message of its own; its key is the error's code.
        self.key = chosen.key if isinstance(chosen, Message) else self.code
        self.message = str(chosen)
        self.field = field
        super().__init__(self.message)

    def payload(self) -> dict[str, Any]:
        """What an edge shows besides the code, key, message and field."""
        return {}


class ValidationFailed(LaturiError):
    """Input breaks a rule; `field` names the offending form field."""

    code = "validation_error"
    status = 422


class AccessDenied(LaturiError):
    code = "access_denied"
    status = 403
    default_message = Message("access_denied", "Access denied.")


class NotAuthenticated(LaturiError):
    code = "not_authenticated"
    status = 401
    default_message = Message("not_authenticated", "Log in to continue.")


class NotFound(LaturiError):
    code = "not_found"
    status = 404
    default_message = "Not found."


class Conflict(LaturiError):
    """A uniqueness rule or a state rule forbids the change."""

    code = "conflict"
    status = 409


class StaleEdit(LaturiError):
    """Someone else saved the same record first (version column mismatch)."""

    code = "stale_edit"
    status = 409
    default_message = Message(
        "stale_edit",
        "Someone else changed this meanwhile. Exit this view, refresh the page and retry.",
    )


class WrongCredentials(NotAuthenticated):
    default_message = Message("wrong_credentials", "Wrong credentials.")
    keeps_writes = True


class TooManyAttempts(LaturiError):
    code = "too_many_attempts"
    status = 429


class MailFailed(LaturiError):
    code = "mail_failed"
    status = 502
    default_message = Message("mail_failed", "Problem with email address.")


def incident_message(incident_id: int) -> str:
    """The manual's wording for an unexpected failure."""
    return (
        f"Error #{incident_id} encountered. If this error persists, "
        "please consult user manual for further actions."
    )
