"""Queries behind the authorization rule: tokens, their users, and whether rights cover a station.

These are scoped by the station's organisation rather than by an operator: a station asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    exists,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import AuthToken, ChargingGroup, ChargingUser, Station
from laturi.models.charging_user import group_rights, station_rights


@dataclass(frozen=True)
class TokenFacts:
    """What the rule needs to know about one token at one station."""

    id_tag: str
    token_id: int
    charging_user_id: int
    token_active: bool
    valid_from: datetime
    valid_to: datetime | None
    user_active: bool
    covered: bool  # the station lies within the user's access rights


FactsSelect = Select[str, int, int, bool, datetime, datetime | None, bool, bool]
FactsRow = Row[str, int, int, bool, datetime, datetime | None, bool, bool]


def _station_groups(organization_id: int, station_id: int) -> CTE:
    """The station's group and all its ancestors (a recursive query walking up the tree)."""
    up = (
        select(Station.group_id.label("id"))
        .where(
            Station.id == station_id,
            Station.organization_id == organization_id,
            Station.group_id.is_not(None),
        )
        .cte("station_groups", recursive=True)
    )
    parents = select(ChargingGroup.parent_id).join(up, ChargingGroup.id == up.c.id)
    return up.union_all(parents.where(ChargingGroup.parent_id.is_not(None)))


def _covers(organization_id: int, station_id: int) -> ColumnElement[bool]:
    """True for a user holding a right to the station or to a group it lies under."""
    groups = _station_groups(organization_id, station_id)
    by_group = exists().where(
        group_rights.c.charging_user_id == ChargingUser.id,
        group_rights.c.charging_group_id.in_(select(groups.c.id)),
    )
    own_station = select(Station.id).where(
        Station.id == station_id, Station.organization_id == organization_id
    )
    by_station = exists().where(
        station_rights.c.charging_user_id == ChargingUser.id,
        station_rights.c.station_id.in_(own_station),
    )
    return or_(by_group, by_station)


def _facts_query(organization_id: int, covered: ColumnElement[bool]) -> FactsSelect:
    return (
        select(
            AuthToken.id_tag,
            AuthToken.id,
            AuthToken.charging_user_id,
            AuthToken.active,
            AuthToken.valid_from,
            AuthToken.valid_to,
            ChargingUser.active,
            covered.label("covered"),
        )
        .join(ChargingUser, ChargingUser.id == AuthToken.charging_user_id)
        .where(
            AuthToken.organization_id == organization_id,
            ChargingUser.organization_id == organization_id,
        )
    )


def _facts(row: FactsRow) -> TokenFacts:
    tag, token_id, user_id, token_active, start, end, user_active, covered = row
    return TokenFacts(
        tag, token_id, user_id, bool(token_active), start, end, bool(user_active), bool(covered)
    )


async def token_facts(
    session: AsyncSession, *, organization_id: int, station_id: int, key: str
) -> TokenFacts | None:
    """The token with this comparison key in the organisation, in one query."""
    covered = _covers(organization_id, station_id)
    query = _facts_query(organization_id, covered).where(AuthToken.id_tag_key == key)
    row = (await session.execute(query)).first()
    return None if row is None else _facts(row)


def _covering_users(organization_id: int, station_id: int) -> CompoundSelect[int]:
    """Ids of the users whose rights cover the station: found from the rights, not the users."""
    groups = _station_groups(organization_id, station_id)
    by_group = select(group_rights.c.charging_user_id).where(
        group_rights.c.charging_group_id.in_(select(groups.c.id))
    )
    own_station = select(Station.id).where(
        Station.id == station_id, Station.organization_id == organization_id
    )
    by_station = select(station_rights.c.charging_user_id).where(
        station_rights.c.station_id.in_(own_station)
    )
    return union(by_group, by_station)


async def usable_tokens(
    session: AsyncSession, *, organization_id: int, station_id: int, at: datetime
) -> Sequence[TokenFacts]:
    """Tokens that may pass at the station at the time; the rule still has the last word."""
    query = _facts_query(organization_id, true()).where(
        AuthToken.charging_user_id.in_(_covering_users(organization_id, station_id)),
        AuthToken.active.is_(True),
        ChargingUser.active.is_(True),
        AuthToken.valid_from <= at,
        or_(AuthToken.valid_to.is_(None), AuthToken.valid_to >= at),
    )
    rows = await session.execute(query.order_by(AuthToken.id_tag_key))
    return [_facts(row) for row in rows]
