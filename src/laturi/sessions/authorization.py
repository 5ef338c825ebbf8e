"""Whether an id tag may charge at a station: free charging, else the charging-users rule.

A seam over `laturi.charging_users.authorization.authorize` (the charging-users issue):
until that module exists, no token is known and only free-charging stations charge.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

ACCEPTED = "Accepted"
INVALID = "Invalid"

Rule = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class TagDecision:
    """The answer for a station (idTagInfo) and what the session records."""

    status: str  # Accepted, Blocked, Expired, Invalid
    expires_at: datetime | None = None
    token_id: int | None = None
    charging_user_id: int | None = None
    free_charging: bool = False

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED


@functools.cache
def _rule(name: str = "authorize") -> Rule | None:
    """The rule from the charging-users module; looked up once (a failed import is slow)."""
    try:
        module = importlib.import_module("laturi.charging_users.authorization")
    except ImportError:
        return None
    found: Rule | None = getattr(module, name, None)
    return found


async def local_list(
    session: AsyncSession, *, organization_id: int, station_id: int
) -> list[dict[str, Any]]:
    """SendLocalList's entries: the tokens valid at the station (none until that rule exists).

    Each entry is OCPP's AuthorizationData: {"idTag": ..., "idTagInfo": {"status": ...}}.
    """
    rule = _rule("local_list")
    if rule is None:
        return []
    entries: list[dict[str, Any]] = await rule(
        session, organization_id=organization_id, station_id=station_id
    )
    return entries


async def decide(
    session: AsyncSession,
    *,
    organization_id: int,
    station_id: int,
    free_charging: bool,
    id_tag: str,
    at: datetime,
) -> TagDecision:
    """The decision for `id_tag` at the station at time `at` (the station's own time)."""
    rule = _rule()
    found = None
    if rule is not None:
        found = await rule(
            session, organization_id=organization_id, station_id=station_id, id_tag=id_tag, at=at
        )
    if free_charging:
        # Any token charges; a known one still names its user in the session's record.
        return TagDecision(
            ACCEPTED,
            token_id=getattr(found, "token_id", None),
            charging_user_id=getattr(found, "charging_user_id", None),
            free_charging=True,
        )
    if found is None:
        return TagDecision(INVALID)
    return TagDecision(
        str(found.status),
        expires_at=found.expires_at,
        token_id=found.token_id,
        charging_user_id=found.charging_user_id,
    )
