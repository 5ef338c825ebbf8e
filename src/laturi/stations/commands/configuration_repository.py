"""Queries over the configuration keys each station last reported, scoped by station id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import StationConfigurationKey


async def keys_of(session: AsyncSession, station_id: int) -> Sequence[StationConfigurationKey]:
    """A station's stored keys, by key."""
    query = select(StationConfigurationKey).where(StationConfigurationKey.station_id == station_id)
    return (await session.scalars(query.order_by(StationConfigurationKey.key))).all()


async def key_of(
    session: AsyncSession, station_id: int, key: str
) -> StationConfigurationKey | None:
    query = select(StationConfigurationKey).where(
        StationConfigurationKey.station_id == station_id, StationConfigurationKey.key == key
    )
    return (await session.scalars(query)).first()
