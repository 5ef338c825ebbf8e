"""What the report form offers to choose: points, users and tokens the operator sees."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.charging_users.repository import Scope as UserScope
from laturi.charging_users.repository import visible as user_visible
from laturi.models import AuthToken, ChargingPoint, ChargingUser, Station
from laturi.stations.repository import Scope


async def points(session: AsyncSession, scope: Scope, limit: int) -> Sequence[Any]:
    """(station id, station name, identifier, connector id) of visible charging points."""
    stmt = (
        select(Station.id, Station.name, Station.identifier, ChargingPoint.connector_id)
        .join(ChargingPoint, ChargingPoint.station_id == Station.id)
        .where(scope.where())
        .order_by(func.lower(Station.name), Station.id, ChargingPoint.connector_id)
    )
    return (await session.execute(stmt.limit(limit))).all()


async def stations(session: AsyncSession, scope: Scope, limit: int) -> Sequence[Any]:
    """(id, name, identifier) of visible stations, by name."""
    stmt = select(Station.id, Station.name, Station.identifier).where(scope.where())
    order = (func.lower(Station.name), Station.id)
    return (await session.execute(stmt.order_by(*order).limit(limit))).all()


async def users(session: AsyncSession, scope: UserScope, limit: int) -> Sequence[Any]:
    """(id, full name) of visible charging users, by name."""
    name = func.trim(ChargingUser.first_name + " " + ChargingUser.last_name)
    stmt = select(ChargingUser.id, name).where(user_visible(scope))
    order = (func.lower(ChargingUser.first_name), func.lower(ChargingUser.last_name))
    return (await session.execute(stmt.order_by(*order, ChargingUser.id).limit(limit))).all()


async def tokens(session: AsyncSession, scope: UserScope, limit: int) -> Sequence[Any]:
    """(id, id tag, token name, user's full name) of visible users' tokens."""
    name = func.trim(ChargingUser.first_name + " " + ChargingUser.last_name)
    stmt = (
        select(AuthToken.id, AuthToken.id_tag, AuthToken.name, name)
        .join(ChargingUser, ChargingUser.id == AuthToken.charging_user_id)
        .where(user_visible(scope))
        .order_by(func.lower(AuthToken.id_tag), AuthToken.id)
    )
    return (await session.execute(stmt.limit(limit))).all()
