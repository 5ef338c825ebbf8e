"""The demo's sessions have meter values and the names they were made with."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi import demo
from laturi.models import MeterValue, Transaction


async def test_every_ended_demo_session_has_a_meter_curve_and_names(
    session: AsyncSession,
) -> None:
    await demo.load(session)
    ended = select(Transaction).where(Transaction.stopped_at.is_not(None))
    sessions = (await session.scalars(ended)).all()
    curves = dict(
        (
            await session.execute(
                select(MeterValue.transaction_id, func.count()).group_by(MeterValue.transaction_id)
            )
        ).all()
    )
    assert sessions and all(curves.get(tx.id, 0) >= 12 for tx in sessions)
    named = [tx for tx in sessions if tx.charging_user_id is not None]
    assert named and all(tx.charging_user_name and tx.token_name for tx in named)
    last = (
        await session.scalars(
            select(MeterValue)
            .where(MeterValue.measurand == "Energy.Active.Import.Register")
            .where(MeterValue.transaction_id == sessions[0].id)
            .order_by(MeterValue.sampled_at.desc())
        )
    ).first()
    assert last is not None and int(last.value or 0) == sessions[0].meter_stop
