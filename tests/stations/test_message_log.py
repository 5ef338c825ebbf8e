"""The OCPP message log is kept for a configurable number of days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.time import utcnow
from laturi.models import OcppMessage
from laturi.models.station_event import Direction
from laturi.stations.panel import feed
from tests.fixtures.factories import create_organization, create_station


async def test_frames_older_than_the_retention_are_purged(session: AsyncSession) -> None:
    org = await create_organization(session)
    station = await create_station(session, group=None, organization=org)
    now = utcnow()
    for age in (40, 31, 29, 0):
        session.add(
            OcppMessage(
                station_id=station.id,
                direction=Direction.IN,
                message_type=2,
                unique_id=str(age),
                action="Heartbeat",
                payload=f'[2,"{age}","Heartbeat",{{}}]',
                at=now - timedelta(days=age),
            )
        )
    await session.flush()
    assert await feed.purge_messages(session, keep_days=30) == 2
    kept = [str(u) for u in (await session.scalars(select(OcppMessage.unique_id))).all()]
    assert sorted(kept) == ["0", "29"]
