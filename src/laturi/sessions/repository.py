"""Queries over transactions and meter values, scoped by the station they belong to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.pagination import ListQuery
from laturi.models import MeterValue, Transaction


async def of_station(
    session: AsyncSession, station_id: int, transaction_id: int
) -> Transaction | None:
    query = select(Transaction).where(
        Transaction.id == transaction_id, Transaction.station_id == station_id
    )
    return (await session.scalars(query)).first()


async def same_start(
    session: AsyncSession,
    station_id: int,
    connector_id: int,
    id_tag: str,
    started_at: datetime,
    meter_start: int,
) -> Transaction | None:
    """A transaction this very StartTransaction already created (the station retried it)."""
    query = select(Transaction).where(
        Transaction.station_id == station_id,
        Transaction.started_at == started_at,
        Transaction.connector_id == connector_id,
        Transaction.id_tag == id_tag,
        Transaction.meter_start == meter_start,
    )
    return (await session.scalars(query)).first()


async def open_at(session: AsyncSession, station_id: int) -> Sequence[Transaction]:
    query = select(Transaction).where(
        Transaction.station_id == station_id, Transaction.stopped_at.is_(None)
    )
    return (await session.scalars(query.order_by(Transaction.id))).all()


async def add_samples(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(MeterValue), rows)


async def touch_meter(
    session: AsyncSession,
    station_id: int,
    transaction_id: int,
    reading: tuple[datetime, int] | None,
) -> bool:
    """Whether the station has this transaction; if so it remembers the latest reading.

    One statement for both (UPDATE ... RETURNING): MeterValues is the busiest message, and
    a reading older than the one stored (a queued message) does not win.
    """
    stmt = update(Transaction).where(
        Transaction.id == transaction_id, Transaction.station_id == station_id
    )
    if reading is not None:
        at, wh = reading
        newer = or_(Transaction.last_meter_at.is_(None), Transaction.last_meter_at <= at)
        stmt = stmt.values(
            last_meter_wh=case((newer, wh), else_=Transaction.last_meter_wh),
            last_meter_at=case(
                (newer, literal(at, Transaction.last_meter_at.type)),
                else_=Transaction.last_meter_at,
            ),
        )
    else:
        stmt = stmt.values(id=Transaction.id)
    found = await session.execute(
        stmt.returning(Transaction.id).execution_options(synchronize_session=False)
    )
    return found.first() is not None


async def page_of_station(
    session: AsyncSession, station_id: int, query: ListQuery
) -> tuple[Sequence[Transaction], int]:
    stmt = select(Transaction).where(Transaction.station_id == station_id)
    if query.search:
        stmt = stmt.where(func.lower(Transaction.id_tag).like(query.escaped_search(), escape="\\"))
    total = int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    page = stmt.order_by(Transaction.started_at.desc(), Transaction.id.desc())
    rows = await session.scalars(page.offset(query.offset).limit(query.size))
    return rows.all(), total


async def samples_of(session: AsyncSession, transaction_id: int) -> Sequence[MeterValue]:
    query = select(MeterValue).where(MeterValue.transaction_id == transaction_id)
    return (await session.scalars(query.order_by(MeterValue.sampled_at, MeterValue.id))).all()


async def since(session: AsyncSession, station_id: int, start: datetime) -> Sequence[Transaction]:
    """Transactions of the station that started at or after `start` (statistics)."""
    query = select(Transaction).where(
        Transaction.station_id == station_id, Transaction.started_at >= start
    )
    return (await session.scalars(query.order_by(Transaction.started_at))).all()
