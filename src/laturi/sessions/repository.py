"""Queries over transactions and meter values, scoped by the station they belong to."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.pagination import ListQuery
from laturi.kit.time import UTCDateTime
from laturi.models import AuthToken, ChargingUser, MeterValue, Transaction


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


async def same_unmatched_stop(
    session: AsyncSession,
    station_id: int,
    reported_id: int,
    stopped_at: datetime,
    meter_stop: int,
) -> Transaction | None:
    """The row an unmatched StopTransaction already made (the station retried it)."""
    query = select(Transaction).where(
        Transaction.station_id == station_id,
        Transaction.reported_transaction_id == reported_id,
        Transaction.stopped_at == stopped_at,
        Transaction.meter_stop == meter_stop,
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


async def owners(session: AsyncSession, transaction_ids: Collection[int]) -> dict[int, int]:
    """Transaction id -> its station's id, for the ids that exist."""
    if not transaction_ids:
        return {}
    query = select(Transaction.id, Transaction.station_id).where(
        Transaction.id.in_(transaction_ids)
    )
    return {tx: station for tx, station in (await session.execute(query)).all()}


_TABLE = cast(Table, Transaction.__table__)
# One statement for every transaction of a batch; a reading older than the stored one (a
# queued message arriving late) does not win.
_ADVANCE = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("tx"),
        or_(
            _TABLE.c.last_meter_at.is_(None),
            _TABLE.c.last_meter_at <= bindparam("at", type_=UTCDateTime()),
        ),
    )
    .values(last_meter_wh=bindparam("wh"), last_meter_at=bindparam("at", type_=UTCDateTime()))
)


async def advance_meters(
    session: AsyncSession, readings: Mapping[int, tuple[datetime, int]]
) -> None:
    """Remember each open transaction's latest energy reading (transaction id -> (at, Wh))."""
    if readings:
        params = [{"tx": tx, "at": at, "wh": wh} for tx, (at, wh) in readings.items()]
        await session.execute(_ADVANCE, params)


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


async def names(
    session: AsyncSession, charging_user_id: int | None, token_id: int | None
) -> tuple[str | None, str | None]:
    """The charging user's full name and the token's name, as a session keeps them."""
    user = await session.get(ChargingUser, charging_user_id) if charging_user_id else None
    token = await session.get(AuthToken, token_id) if token_id else None
    return (user.full_name if user else None, token.name if token else None)
