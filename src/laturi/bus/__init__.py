"""How a command reaches the node holding a station's connection.

The edges (panel, API, scheduler) talk to a `StationBus`; the OCPP edge attaches a
`StationLink` per live connection. `LocalBus` keeps them in this process; `RedisBus`
(several nodes, bus/redis.py) implements the same interface across nodes.
"""

from __future__ import annotations

from typing import Any, Protocol

from laturi.errors import LaturiError

Payload = dict[str, Any]

COMMAND_FAILED = "Remote command execution failed."


class StationOffline(LaturiError):
    """The station has no live connection: nothing was sent."""

    code = "station_offline"
    status = 409
    default_message = "Charging station is not connected. Nothing was sent."


class CommandFailed(LaturiError):
    """The station answered with a CallError, answered nonsense, or did not answer in time."""

    code = "command_failed"
    status = 502
    default_message = COMMAND_FAILED
    keeps_writes = True  # the event feed keeps the failed attempt

    def __init__(
        self, message: str | None = None, *, detail: str = "", answer: Payload | None = None
    ) -> None:
        super().__init__(message)
        self.detail = detail
        self.answer = answer

    def payload(self) -> dict[str, Any]:
        return {"detail": self.detail, "answer": self.answer}


class NoAnswer(CommandFailed):
    code = "no_answer"
    status = 504


class InvalidRequest(LaturiError):
    """The command's parameters break the OCPP schema: refused before sending."""

    code = "validation_error"
    status = 422


class StationLink(Protocol):
    """One live connection to a station, able to send it a request and wait for the answer."""

    station_id: int

    async def call(self, action: str, payload: Payload, answer_within: float) -> Payload:
        """Send `action` with its camelCase payload; the station's answer payload."""
        ...

    async def close(self) -> None:
        """Close the connection (a newer one replaced it, or the station was deleted)."""
        ...


class Presence(Protocol):
    def is_online(self, station_id: int) -> bool: ...


class StationBus(Presence, Protocol):
    """Where commands go: in-process (LocalBus) or across nodes over Redis (RedisBus)."""

    async def attach(self, link: StationLink) -> None:
        """Make `link` the station's connection, closing any older one."""
        ...

    async def detach(self, link: StationLink) -> bool:
        """Forget `link`; False when a newer connection had already replaced it."""
        ...

    async def call(
        self, station_id: int, action: str, payload: Payload, answer_within: float
    ) -> Payload:
        """Send a command to the station wherever it is connected; its answer payload."""
        ...

    async def disconnect(self, station_id: int) -> None:
        """Close the station's connection, if any."""
        ...

    def online_count(self) -> int: ...
