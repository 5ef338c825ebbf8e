"""The authorization rule: may this token charge at this station at this moment, and why (not).

Used by OCPP Authorize and StartTransaction, the local authorization list and the scheduler.
A token is Accepted only when, checked in this order:

1. it exists in the station's organisation (ids compared case-insensitively)  else Invalid;
2. it is active                                                              else Blocked;
3. valid_from <= at and (valid infinitely or at <= valid_to)                 else Expired;
4. its charging user is active                                               else Blocked;
5. the station lies within the user's access rights: a right to a charging
   group covers every station in that group's whole subtree (also stations
   added later), a right to a station covers that station                    else Blocked.

A known token refused at a station outside its user's rights is Blocked, not Invalid: OCPP 1.6
defines Invalid as "identifier is unknown", and the token is known; the reason says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.charging_users import coverage
from laturi.charging_users.coverage import TokenFacts
from laturi.charging_users.keys import tag_key


class AuthorizationStatus(StrEnum):
    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"


@dataclass(frozen=True)
class Authorization:
    status: AuthorizationStatus
    reason: str  # human-readable why, e.g. "token is inactive"
    token_id: int | None
    charging_user_id: int | None
    expires_at: datetime | None  # end of validity (OCPP idTagInfo.expiryDate); None if infinite


UNKNOWN = Authorization(AuthorizationStatus.INVALID, "unknown token", None, None, None)


def decide(facts: TokenFacts | None, at: datetime) -> Authorization:
    """The rule itself, over facts already read; pure, so property tests can reach it."""
    if facts is None:
        return UNKNOWN
    status, reason = _verdict(facts, at)
    return Authorization(status, reason, facts.token_id, facts.charging_user_id, facts.valid_to)


def _verdict(facts: TokenFacts, at: datetime) -> tuple[AuthorizationStatus, str]:
    if not facts.token_active:
        return AuthorizationStatus.BLOCKED, "token is inactive"
    if at < facts.valid_from:
        return (
            AuthorizationStatus.EXPIRED,
            f"token is valid only from {facts.valid_from:%Y-%m-%d %H:%M} UTC",
        )
    if facts.valid_to is not None and at > facts.valid_to:
        return AuthorizationStatus.EXPIRED, f"token expired at {facts.valid_to:%Y-%m-%d %H:%M} UTC"
    if not facts.user_active:
        return AuthorizationStatus.BLOCKED, "charging user is inactive"
    if not facts.covered:
        return AuthorizationStatus.BLOCKED, "station outside the user's access rights"
    return AuthorizationStatus.ACCEPTED, "token accepted"


async def authorize(
    session: AsyncSession, *, organization_id: int, station_id: int, id_tag: str, at: datetime
) -> Authorization:
    """The answer for one token at one station at one moment, from a single query."""
    facts = await coverage.token_facts(
        session, organization_id=organization_id, station_id=station_id, key=tag_key(id_tag)
    )
    return decide(facts, at)


async def tokens_valid_at(
    session: AsyncSession, *, organization_id: int, station_id: int, at: datetime
) -> list[tuple[str, Authorization]]:
    """Every token Accepted at the station at the time, with its id tag (OCPP SendLocalList)."""
    found = await coverage.usable_tokens(
        session, organization_id=organization_id, station_id=station_id, at=at
    )
    answers = [(facts.id_tag, decide(facts, at)) for facts in found]
    return [
        (tag, answer) for tag, answer in answers if answer.status is AuthorizationStatus.ACCEPTED
    ]
