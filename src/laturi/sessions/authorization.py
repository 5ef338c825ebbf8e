"""Whether an id tag may charge at a station: free charging, else the charging-users rule.

The rule itself (token known, active, valid, user active, station within the user's access
rights) is `laturi.charging_users.authorization`; this adds the station's free-charging
setting and shapes the answer for OCPP's idTagInfo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.charging_users.authorization import authorize, tokens_valid_at
from laturi.kit.time import utcnow

ACCEPTED = "Accepted"


@dataclass(frozen=True)
class TagDecision:
    """The answer for a station (idTagInfo) and what the session records."""

    status: str  # Accepted, Blocked, Expired, Invalid
    expires_at: datetime | None = None
    token_id: int | None = None
    charging_user_id: int | None = None
    free_charging: bool = False
    reason: str = ""  # why, in a few words ("unknown token", "token is inactive")

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED


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
    found = await authorize(
        session, organization_id=organization_id, station_id=station_id, id_tag=id_tag, at=at
    )
    if free_charging:
        # Any token charges; a known one still names its user in the session's record.
        return TagDecision(
            ACCEPTED,
            token_id=found.token_id,
            charging_user_id=found.charging_user_id,
            free_charging=True,
            reason="free charging",
        )
    return TagDecision(
        found.status.value,
        expires_at=found.expires_at,
        token_id=found.token_id,
        charging_user_id=found.charging_user_id,
        reason=found.reason,
    )


async def local_list(
    session: AsyncSession, *, organization_id: int, station_id: int
) -> list[dict[str, Any]]:
    """SendLocalList's entries: every token valid at the station now (AuthorizationData)."""
    valid = await tokens_valid_at(
        session, organization_id=organization_id, station_id=station_id, at=utcnow()
    )
    return [{"idTag": tag, "idTagInfo": _info(answer.expires_at)} for tag, answer in valid]


def _info(expires_at: datetime | None) -> dict[str, Any]:
    info: dict[str, Any] = {"status": ACCEPTED}
    if expires_at is not None:
        info["expiryDate"] = expires_at.isoformat().replace("+00:00", "Z")
    return info
