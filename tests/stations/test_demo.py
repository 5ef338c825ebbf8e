"""The demo data has the manual's stations, two per mall, with charging history."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi import demo
from laturi.models import ChargingGroup, Station, Transaction


async def test_demo_stations_two_per_mall_with_history(session: AsyncSession) -> None:
    await demo.load(session)
    rows = (
        await session.execute(
            select(Station.identifier, ChargingGroup.name)
            .join(ChargingGroup, ChargingGroup.id == Station.group_id)
            .order_by(Station.identifier)
        )
    ).all()
    assert [r[0] for r in rows] == [f"EVI000000{n}" for n in range(13, 19)]
    assert [r[1] for r in rows] == [m for m in demo.MALLS for _ in range(2)]
    closed = (
        select(func.count()).select_from(Transaction).where(Transaction.meter_stop.is_not(None))
    )
    assert int(await session.scalar(closed) or 0) > 300
