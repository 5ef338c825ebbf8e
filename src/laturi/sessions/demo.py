"""Demo: the demo stations' past sessions get meter values and the names they were made with,
so a session's chart, the reports and the dashboard show real shapes at first sight.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import AuthToken, ChargingUser, MeterValue, Transaction

STEP = timedelta(minutes=15)
VOLTS = Decimal(230)


async def load(session: AsyncSession) -> int:
    """Meter values for every ended demo session without any; returns how many were added."""
    await _names(session)
    done = select(MeterValue.transaction_id).where(MeterValue.transaction_id.is_not(None))
    query = select(Transaction).where(
        Transaction.stopped_at.is_not(None), Transaction.id.not_in(done)
    )
    rng = random.Random(9)  # noqa: S311 - demo data
    rows: list[dict[str, Any]] = []
    added = 0
    for tx in (await session.scalars(query.order_by(Transaction.id))).all():
        rows += _samples(tx, rng)
        if len(rows) > 5000:
            await session.execute(insert(MeterValue), rows)
            added, rows = added + len(rows), []
    if rows:
        await session.execute(insert(MeterValue), rows)
    return added + len(rows)


async def _names(session: AsyncSession) -> None:
    """The names a session keeps, as the OCPP edge records them at a start."""
    user = (
        select(ChargingUser.first_name + " " + ChargingUser.last_name)
        .where(ChargingUser.id == Transaction.charging_user_id)
        .scalar_subquery()
    )
    token = select(AuthToken.name).where(AuthToken.id == Transaction.token_id).scalar_subquery()
    await session.execute(
        update(Transaction)
        .where(Transaction.charging_user_name.is_(None))
        .values(charging_user_name=user, token_name=token)
        .execution_options(synchronize_session=False)
    )


def _samples(tx: Transaction, rng: random.Random) -> list[dict[str, Any]]:
    """Every 15 minutes: the energy register, power, current per phase and a rising SoC."""
    assert tx.stopped_at is not None and tx.meter_start is not None and tx.meter_stop is not None
    minutes = max((tx.stopped_at - tx.started_at).total_seconds() / 60, 1)
    soc = rng.randrange(15, 60)
    rows: list[dict[str, Any]] = []
    steps = max(int(minutes // 15), 1)
    for n in range(steps + 1):
        at = min(tx.started_at + STEP * n, tx.stopped_at)
        share = Decimal(n) / Decimal(steps)
        energy = tx.meter_start + int((tx.meter_stop - tx.meter_start) * share)
        watts = Decimal(tx.meter_stop - tx.meter_start) * 60 / Decimal(minutes)
        watts = (watts * Decimal(rng.uniform(0.85, 1.1))).quantize(Decimal(1))
        if n == steps:
            watts = Decimal(0)
        rows += _row(tx, at, "Energy.Active.Import.Register", energy, "Wh")
        rows += _row(tx, at, "Power.Active.Import", watts, "W")
        for phase in ("L1", "L2", "L3"):
            amps = (watts / VOLTS / 3).quantize(Decimal("0.1"))
            rows += _row(tx, at, "Current.Import", amps, "A", phase)
        rows += _row(tx, at, "SoC", min(soc + int(share * 45), 100), "Percent")
    return rows


def _row(
    tx: Transaction,
    at: Any,
    measurand: str,
    value: Decimal | int,
    unit: str,
    phase: str | None = None,
) -> Sequence[dict[str, Any]]:
    return [
        {
            "station_id": tx.station_id,
            "connector_id": tx.connector_id,
            "transaction_id": tx.id,
            "sampled_at": at,
            "measurand": measurand,
            "phase": phase,
            "unit": unit,
            "context": "Sample.Periodic",
            "value": Decimal(value),
        }
    ]
