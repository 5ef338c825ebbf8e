"""Queries the station panel pages need beyond the shared station repository.

Each is scoped by station ids the caller has already checked to be visible to the actor.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import ChargingPoint, Transaction


async def points_of_stations(
    session: AsyncSession, station_ids: Sequence[int]
) -> Sequence[ChargingPoint]:
    """The charging points of several stations at once (one list page)."""
    if not station_ids:
        return []
    query = select(ChargingPoint).where(ChargingPoint.station_id.in_(station_ids))
    return (await session.scalars(query.order_by(ChargingPoint.connector_id))).all()


async def recent_tags(session: AsyncSession, station_id: int, limit: int = 20) -> Sequence[str]:
    """Id tags that charged at the station lately: suggestions for START CHARGING."""
    latest = func.max(Transaction.started_at)
    query = (
        select(Transaction.id_tag)
        .where(Transaction.station_id == station_id)
        .group_by(Transaction.id_tag)
        .order_by(latest.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()
