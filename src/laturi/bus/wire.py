"""The bus's errors as JSON, so a command failing on the owning node fails the same way here."""

from __future__ import annotations

from typing import Any

from laturi.bus import CommandFailed, InvalidRequest, NoAnswer, StationOffline
from laturi.errors import LaturiError

# Most specific first: an error is sent as the first of these it is an instance of.
KNOWN: tuple[type[LaturiError], ...] = (NoAnswer, CommandFailed, StationOffline, InvalidRequest)
BY_NAME = {kind.__name__: kind for kind in KNOWN}


def dump_error(err: LaturiError) -> dict[str, Any]:
    """The error as a JSON-able dict; an unknown kind travels as CommandFailed."""
    kind = next((k for k in KNOWN if isinstance(err, k)), CommandFailed)
    data: dict[str, Any] = {"type": kind.__name__, "message": err.message, "field": err.field}
    if isinstance(err, CommandFailed):
        data["detail"] = err.detail
        data["answer"] = err.answer
    elif kind is CommandFailed:
        data["detail"] = f"{type(err).__name__}: {err.message}"
    return data


def load_error(data: dict[str, Any]) -> LaturiError:
    """The exception `dump_error` described, of the same type and with the same wording."""
    kind = BY_NAME.get(str(data.get("type")), CommandFailed)
    message = data.get("message")
    if issubclass(kind, CommandFailed):
        return kind(message, detail=str(data.get("detail") or ""), answer=data.get("answer"))
    return kind(message, field=data.get("field"))
