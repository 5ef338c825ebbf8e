"""Errors carry what their renderers need: a stable key beside the English, and a payload."""

from __future__ import annotations

from laturi.bus import CommandFailed
from laturi.errors import AccessDenied, Message, ValidationFailed


class TestMessageKeys:
    def test_the_manual_s_message_has_a_key_beside_its_words(self) -> None:
        err = AccessDenied()
        assert (err.key, err.message) == ("access_denied", "Access denied.")

    def test_a_plain_message_is_keyed_by_its_error_code(self) -> None:
        err = ValidationFailed("Name is too long.", field="name")
        assert (err.key, err.message, err.field) == (
            "validation_error",
            "Name is too long.",
            "name",
        )

    def test_a_message_given_by_a_service_keeps_its_own_key(self) -> None:
        err = ValidationFailed(Message("token_too_long", "At most 20 characters."))
        assert (err.key, str(err)) == ("token_too_long", "At most 20 characters.")


def test_a_failed_command_carries_the_station_s_answer() -> None:
    err = CommandFailed(detail="NotSupported", answer={"status": "Rejected"})
    assert err.payload() == {"detail": "NotSupported", "answer": {"status": "Rejected"}}
