"""Scoped queries over charging sessions across the operator's domain: lists, sums, buckets.

Every query starts from `scoped`, which joins each session to its station and keeps only
stations the operator sees (the stations' own visibility rule, `stations.repository.Scope`).
Sums and per-day figures are computed by the database (GROUP BY), never row by row here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.buckets import Unit, as_label, bucket
from laturi.kit.pagination import ListQuery
from laturi.kit.time import utcnow
from laturi.models import AuthToken, ChargingUser, OcppMessage, Station, Transaction
from laturi.sessions.selection import Selection
from laturi.stations.repository import Scope

_raw_energy = func.coalesce(
    Transaction.meter_stop, Transaction.last_meter_wh, Transaction.meter_start
) - func.coalesce(Transaction.meter_start, 0)
# Wh of a session: stop - start once ended, the last reading so far while open; none is
# known (0) for an unmatched stop without its start reading; a meter running backwards is 0.
ENERGY_WH: ColumnElement[int] = case(
    (Transaction.meter_start.is_(None), 0), (_raw_energy < 0, 0), else_=_raw_energy
)
# The name the session recorded at its start (history keeps it after a rename or deletion);
# sessions recorded without one show the user's present name.
USER_NAME: ColumnElement[str] = func.coalesce(
    Transaction.charging_user_name,
    func.trim(ChargingUser.first_name + " " + ChargingUser.last_name),
)


@dataclass(frozen=True)
class SessionRow:
    """A session as lists and reports show it."""

    id: int
    station_id: int
    station_name: str
    station_identifier: str
    connector_id: int
    id_tag: str
    charging_user_id: int | None
    charging_user_name: str | None
    token_name: str | None
    started_at: datetime
    stopped_at: datetime | None
    energy_wh: int
    stop_reason: str | None
    free_charging: bool
    closed_at_reboot: bool
    unmatched_stop: bool
    closed_by_username: str | None

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None


COLUMNS = (
    Transaction.id,
    Transaction.station_id,
    Station.name,
    Station.identifier,
    Transaction.connector_id,
    Transaction.id_tag,
    Transaction.charging_user_id,
    USER_NAME,
    Transaction.token_name,
    Transaction.started_at,
    Transaction.stopped_at,
    ENERGY_WH,
    Transaction.stop_reason,
    Transaction.free_charging,
    Transaction.closed_at_reboot,
    Transaction.reported_transaction_id.is_not(None),
    Transaction.closed_by_username,
)


def scoped(scope: Scope, selection: Selection, *columns: Any) -> Select[Any]:
    """SELECT `columns` over the sessions of visible stations that the selection picks."""
    stmt = (
        select(*columns)
        .select_from(Transaction)
        .join(Station, Station.id == Transaction.station_id)
        .where(scope.where(), selection.where())
    )
    if selection.user_group_ids or any(c is USER_NAME for c in columns):
        # Only for a user group filter or the user's present name: a sum needs no user.
        stmt = stmt.outerjoin(ChargingUser, ChargingUser.id == Transaction.charging_user_id)
    return stmt


def _row(values: Sequence[Any]) -> SessionRow:
    return SessionRow(*values)


SORT_COLUMNS: dict[str, Any] = {
    "start": Transaction.started_at,
    "end": Transaction.stopped_at,
    "station": func.lower(Station.name),
    "point": Transaction.connector_id,
    "user": func.lower(func.coalesce(USER_NAME, "")),
    "token": func.lower(func.coalesce(Transaction.token_name, "")),
    "energy": ENERGY_WH,
    "duration": func.coalesce(Transaction.stopped_at, Transaction.started_at),
}


def order_of(query: ListQuery) -> list[Any]:
    """The chosen column, ties newest first; by default open sessions first, then newest."""
    newest = [Transaction.started_at.desc(), Transaction.id.desc()]
    column = SORT_COLUMNS.get(query.sort)
    if column is None:
        return [case((Transaction.stopped_at.is_(None), 0), else_=1), *newest]
    return [column.desc() if query.descending else column.asc(), *newest]


async def page(
    session: AsyncSession,
    scope: Scope,
    selection: Selection,
    query: ListQuery,
    total: int | None = None,
) -> tuple[list[SessionRow], int]:
    """One page; `total` when the caller already counted the selection."""
    if total is None:
        total = await count(session, scope, selection)
    if query.sort in SORT_COLUMNS:
        stmt = scoped(scope, selection, *COLUMNS).order_by(*order_of(query))
        return await _fetch(session, stmt, query.offset, query.size), total
    return await _open_first(session, scope, selection, query), total


async def _open_first(
    session: AsyncSession, scope: Scope, selection: Selection, query: ListQuery
) -> list[SessionRow]:
    """The default order as two index-friendly queries: the (few) open sessions, newest
    first, then the ended ones, newest first; a single ORDER BY over "is open" would sort
    every session of the domain for each page.
    """
    newest = (Transaction.started_at.desc(), Transaction.id.desc())
    opened = replace(selection, state="open")
    n_open = 0 if selection.state == "closed" else await count(session, scope, opened)
    rows: list[SessionRow] = []
    if query.offset < n_open:
        stmt = scoped(scope, opened, *COLUMNS).order_by(*newest)
        rows += await _fetch(session, stmt, query.offset, query.size)
    left = query.size - len(rows)
    if left > 0 and selection.state != "open":
        ended = scoped(scope, replace(selection, state="closed"), *COLUMNS).order_by(*newest)
        rows += await _fetch(session, ended, max(query.offset - n_open, 0), left)
    return rows


async def _fetch(
    session: AsyncSession, stmt: Select[Any], offset: int, limit: int
) -> list[SessionRow]:
    return [_row(r) for r in await session.execute(stmt.offset(offset).limit(limit))]


async def count(session: AsyncSession, scope: Scope, selection: Selection) -> int:
    return int(await session.scalar(scoped(scope, selection, func.count())) or 0)


@dataclass(frozen=True)
class Totals:
    sessions: int
    energy_wh: int
    points_used: int


async def totals(
    session: AsyncSession, scope: Scope, selection: Selection, *, points: bool = True
) -> Totals:
    """How many sessions, their energy and (unless not wanted) the charging points they used."""
    stmt = scoped(scope, selection, func.count(), func.coalesce(func.sum(ENERGY_WH), 0))
    n, wh = (await session.execute(stmt)).one()
    if not points:
        return Totals(int(n), int(wh), 0)
    pairs = scoped(scope, selection, Transaction.station_id, Transaction.connector_id).distinct()
    used = await session.scalar(select(func.count()).select_from(pairs.subquery()))
    return Totals(int(n), int(wh), int(used or 0))


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def per_bucket(
    session: AsyncSession,
    scope: Scope,
    selection: Selection,
    unit: Unit,
    time_zone: str,
    window: tuple[datetime, datetime],
) -> dict[str, tuple[int, int]]:
    """Local day (or hour) the sessions ended -> (sessions, Wh)."""
    dialect = dialect_of(session)
    key = bucket(Transaction.stopped_at, unit, time_zone, window, dialect).label("bucket")
    stmt = scoped(scope, selection, key, func.count(), func.coalesce(func.sum(ENERGY_WH), 0))
    rows = await session.execute(stmt.group_by(key))
    return {as_label(b, unit): (int(n), int(wh)) for b, n, wh in rows}


async def stream(
    session: AsyncSession, scope: Scope, selection: Selection, query: ListQuery, chunk: int
) -> AsyncIterator[list[SessionRow]]:
    """Every selected session in order, `chunk` rows at a time from a server-side cursor
    (one hop to the database driver per chunk, not per row).
    """
    stmt = scoped(scope, selection, *COLUMNS).order_by(*order_of(query))
    # Core on the session's connection: plain rows, without the ORM's loading machinery.
    connection = await session.connection()
    result = await connection.stream(stmt.execution_options(yield_per=chunk))
    async for part in result.partitions(chunk):
        yield [SessionRow(*values) for values in part]


async def one(session: AsyncSession, scope: Scope, transaction_id: int) -> Transaction | None:
    """The session if its station is visible."""
    stmt = scoped(scope, Selection(), Transaction).where(Transaction.id == transaction_id)
    return (await session.scalars(stmt)).first()


async def row_of(session: AsyncSession, scope: Scope, transaction_id: int) -> SessionRow | None:
    stmt = scoped(scope, Selection(), *COLUMNS).where(Transaction.id == transaction_id)
    found = (await session.execute(stmt)).first()
    return _row(found) if found else None


async def token_owners(
    session: AsyncSession, organization_id: int, token_ids: Collection[int]
) -> dict[int, int]:
    """Token id -> its charging user's id, for the organisation's tokens among the ids."""
    stmt = select(AuthToken.id, AuthToken.charging_user_id).where(
        AuthToken.organization_id == organization_id, AuthToken.id.in_(token_ids)
    )
    return {t: u for t, u in await session.execute(stmt)}


async def messages_of(
    session: AsyncSession, tx: Transaction, limit: int = 500
) -> Sequence[OcppMessage]:
    """The station's OCPP frames while the session ran (the message log keeps 30 days)."""
    end = tx.stopped_at or utcnow()
    stmt = select(OcppMessage).where(
        OcppMessage.station_id == tx.station_id,
        OcppMessage.at >= tx.started_at - timedelta(minutes=1),
        OcppMessage.at <= end + timedelta(minutes=1),
    )
    return (await session.scalars(stmt.order_by(OcppMessage.at, OcppMessage.id).limit(limit))).all()
