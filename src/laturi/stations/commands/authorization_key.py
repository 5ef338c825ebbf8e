"""AuthorizationKey: the OCPP security whitepaper's way to rotate a station's password.

A station that accepts ChangeConfiguration AuthorizationKey presents the new key at its next
connection (HTTP Basic, security profile 1); from that answer on, the key is its password.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.secrets import hash_station_secret
from laturi.bus import Payload
from laturi.errors import ValidationFailed
from laturi.models.station_event import EventKind
from laturi.stations import lifecycle, repository

KEY = "AuthorizationKey"
SHORTEST, LONGEST = 16, 40  # characters, as the whitepaper gives stations
HIDDEN = "(set; kept only as the station's password)"


def is_key(params: Payload) -> bool:
    return str(params.get("key", "")) == KEY


def check(params: Payload) -> None:
    """Refuse, before sending, a key the station could not be told apart by."""
    value = params.get("value")
    if not isinstance(value, str) or not SHORTEST <= len(value) <= LONGEST:
        raise ValidationFailed(
            f"An AuthorizationKey has {SHORTEST} to {LONGEST} characters.", field="value"
        )
    if ":" in value or not value.isprintable():
        raise ValidationFailed(
            "An AuthorizationKey is printable and has no colon (HTTP Basic).", field="value"
        )


async def accepted(session: AsyncSession, station_id: int, value: str) -> None:
    """The station took the new key: it is its password from now on, and the feed says so."""
    await repository.set_live(session, station_id, password_hash=hash_station_secret(value))
    await lifecycle.note(
        session,
        station_id,
        EventKind.COMMAND,
        "AuthorizationKey accepted: the station's password is now the new key",
    )
