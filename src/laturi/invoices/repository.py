"""Queries over invoice settings, runs, invoices and billed sessions, scoped to the actor.

An invoice or a run belongs to the base group of the operator who asked for it: operators
see those made within their domain (a whole-organisation admin sees all of the organisation's).
The sessions an invoice bills are those at stations the operator sees (in the domain, and the
orphan stations for a whole-organisation admin), of charging users the operator sees.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from laturi.auth.actor import Actor
from laturi.charging_users.repository import Scope, visible
from laturi.kit.pagination import ListQuery
from laturi.models import (
    BilledSession,
    ChargingUser,
    Invoice,
    InvoiceRun,
    InvoiceSettings,
    Station,
    Transaction,
)
from laturi.sessions.periods import Period

STATUSES = ("preview", "sent", "paid", "overdue")


async def settings_of(session: AsyncSession, organization_id: int) -> InvoiceSettings | None:
    return await session.get(InvoiceSettings, organization_id, options=[undefer_logo()])


def undefer_logo() -> Any:
    return undefer(InvoiceSettings.logo)


async def move_reference_start(
    session: AsyncSession, organization_id: int, old_start: int, new_start: int
) -> None:
    """A new REF NR START: the series restarts there if none was given, else never goes back."""
    table = cast(Table, InvoiceSettings.__table__)
    column = table.c.ref_nr_next
    higher = case((column > new_start, column), else_=literal(new_start))
    statement = (
        update(table)
        .where(table.c.organization_id == organization_id)
        .values(ref_nr_next=case((column == old_start, literal(new_start)), else_=higher))
    )
    await session.execute(statement)


async def take_references(session: AsyncSession, organization_id: int, count: int) -> int:
    """Reserve `count` consecutive reference bases; the first is returned. Atomic: the row's
    write lock orders concurrent runs, and the counter only grows (a discarded preview's
    number is not given again)."""
    table = cast(Table, InvoiceSettings.__table__)
    statement = (
        update(table)
        .where(table.c.organization_id == organization_id)
        .values(ref_nr_next=table.c.ref_nr_next + count)
        .returning(table.c.ref_nr_next)
    )
    after = (await session.execute(statement)).scalar_one()
    return int(after) - count


# --- sessions to bill -----------------------------------------------------------------------


def stations_seen(actor: Actor, whole: bool) -> ColumnElement[bool]:
    """The stations whose sessions the actor may bill."""
    in_domain = Station.group_id.in_(actor.domain)
    seen = or_(in_domain, Station.group_id.is_(None)) if whole else in_domain
    return and_(Station.organization_id == actor.organization_id, seen)


def _billed() -> ColumnElement[bool]:
    return exists().where(BilledSession.transaction_id == Transaction.id)


def _sessions(actor: Actor, whole: bool, user_ids: Collection[int], period: Period) -> Any:
    return (
        select(Transaction.id, Transaction.charging_user_id)
        .join(Station, Station.id == Transaction.station_id)
        .where(
            Transaction.charging_user_id.in_(user_ids),
            period.condition(),
            stations_seen(actor, whole),
        )
    )


@dataclass(frozen=True)
class SessionRow:
    transaction_id: int
    user_id: int
    energy_wh: int


async def unbilled_sessions(
    session: AsyncSession, actor: Actor, whole: bool, user_ids: Collection[int], period: Period
) -> list[SessionRow]:
    """The users' sessions of the period with a known energy, not on any invoice yet."""
    energy = Transaction.meter_stop - Transaction.meter_start
    query = (
        _sessions(actor, whole, user_ids, period)
        .add_columns(energy)
        .where(
            ~_billed(), Transaction.meter_stop.is_not(None), Transaction.meter_start.is_not(None)
        )
        .order_by(Transaction.id)
    )
    rows = await session.execute(query)
    return [SessionRow(t, u, max(0, int(e))) for t, u, e in rows]


async def billed_counts(
    session: AsyncSession, actor: Actor, whole: bool, user_ids: Collection[int], period: Period
) -> dict[int, int]:
    """Per user: sessions of the period already on an invoice."""
    inner = _sessions(actor, whole, user_ids, period).where(_billed()).subquery()
    query = select(inner.c.charging_user_id, func.count()).group_by(inner.c.charging_user_id)
    return {int(u): int(n) for u, n in await session.execute(query)}


async def add_billed(session: AsyncSession, rows: list[dict[str, int]]) -> None:
    if rows:
        await session.execute(insert(BilledSession), rows)


# --- charging users -------------------------------------------------------------------------


async def billable_users(
    session: AsyncSession, scope: Scope, ids: Collection[int]
) -> Sequence[ChargingUser]:
    """Visible users among the ids who have an e-mail address."""
    query = select(ChargingUser).where(
        visible(scope), ChargingUser.id.in_(ids), ChargingUser.email.is_not(None)
    )
    return (await session.scalars(query)).all()


async def group_members(
    session: AsyncSession, scope: Scope, group_ids: Collection[int]
) -> Sequence[ChargingUser]:
    query = select(ChargingUser).where(visible(scope), ChargingUser.user_group_id.in_(group_ids))
    order = (func.lower(ChargingUser.first_name), func.lower(ChargingUser.last_name))
    return (await session.scalars(query.order_by(*order, ChargingUser.id))).all()


async def users_with_email(session: AsyncSession, scope: Scope) -> Sequence[ChargingUser]:
    query = select(ChargingUser).where(visible(scope), ChargingUser.email.is_not(None))
    order = (func.lower(ChargingUser.first_name), func.lower(ChargingUser.last_name))
    return (await session.scalars(query.order_by(*order, ChargingUser.id))).all()


# --- runs -----------------------------------------------------------------------------------


def _run_seen(actor: Actor) -> ColumnElement[bool]:
    return and_(
        InvoiceRun.organization_id == actor.organization_id,
        InvoiceRun.base_group_id.in_(actor.domain),
    )


async def run_of(session: AsyncSession, actor: Actor, run_id: int) -> InvoiceRun | None:
    query = select(InvoiceRun).where(InvoiceRun.id == run_id, _run_seen(actor))
    return (await session.scalars(query)).first()


async def recent_runs(session: AsyncSession, actor: Actor, limit: int = 5) -> Sequence[InvoiceRun]:
    query = select(InvoiceRun).where(_run_seen(actor)).order_by(InvoiceRun.id.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def claimable_runs(session: AsyncSession, stale_before: datetime) -> list[int]:
    """Runs waiting, and runs whose node stopped beating (it died or restarted)."""
    query = select(InvoiceRun.id).where(_claimable(stale_before)).order_by(InvoiceRun.id).limit(10)
    return list((await session.scalars(query)).all())


def _claimable(stale_before: datetime) -> ColumnElement[bool]:
    stale = and_(InvoiceRun.status == "running", InvoiceRun.heartbeat_at < stale_before)
    return or_(InvoiceRun.status == "queued", stale)


async def claim_run(
    session: AsyncSession, run_id: int, node: str, now: datetime, stale_before: datetime
) -> bool:
    """Take the run for this node; a compare-and-set, so one node wins however many try."""
    statement = (
        update(InvoiceRun)
        .where(InvoiceRun.id == run_id, _claimable(stale_before))
        .values(
            status="running",
            claimed_by=node,
            heartbeat_at=now,
            attempts=InvoiceRun.attempts + 1,
            started_at=func.coalesce(InvoiceRun.started_at, now),
        )
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0) == 1)


async def run_for_node(session: AsyncSession, run_id: int, node: str) -> InvoiceRun | None:
    """The run while this node still holds it (another node may have taken it over)."""
    query = (
        select(InvoiceRun)
        .options(undefer(InvoiceRun.logo))
        .where(
            InvoiceRun.id == run_id,
            InvoiceRun.claimed_by == node,
            InvoiceRun.status == "running",
        )
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).first()


async def invoice_count(session: AsyncSession, run_id: int) -> int:
    query = select(func.count()).select_from(Invoice).where(Invoice.run_id == run_id)
    return int(await session.scalar(query) or 0)


# --- invoices -------------------------------------------------------------------------------


def _seen(actor: Actor) -> ColumnElement[bool]:
    return and_(
        Invoice.organization_id == actor.organization_id,
        Invoice.base_group_id.in_(actor.domain),
    )


def shown_status(today: date) -> ColumnElement[str]:
    """The status as the manual lists it: a sent invoice past its due date is overdue."""
    overdue = and_(Invoice.status == "sent", Invoice.due_date < today)
    return case((overdue, literal("overdue")), else_=Invoice.status)


def _order(query: ListQuery, status: ColumnElement[str]) -> list[Any]:
    keys: dict[str, list[Any]] = {
        "name": [func.lower(Invoice.name)],
        "paid": [Invoice.paid_at.is_not(None)],
        "reference": [func.length(Invoice.reference), Invoice.reference],
        "amount": [Invoice.total],
        "period": [Invoice.period_first, Invoice.period_last],
        "due": [Invoice.due_date],
        "status": [status],
    }
    chosen = keys.get(query.sort, [Invoice.id])
    return [*(k.desc() if query.descending else k.asc() for k in chosen), Invoice.id.asc()]


@dataclass(frozen=True)
class InvoiceFilter:
    statuses: tuple[str, ...] = ()  # of the shown statuses; empty: any
    run_id: int | None = None


def _where(
    actor: Actor, query: ListQuery, found: InvoiceFilter, status: ColumnElement[str]
) -> list[ColumnElement[bool]]:
    where = [_seen(actor)]
    if found.statuses:
        where.append(status.in_(found.statuses))
    if found.run_id is not None:
        where.append(Invoice.run_id == found.run_id)
    if query.search:
        pattern = query.escaped_search()
        where.append(
            or_(Invoice.search_text.like(pattern, escape="\\"), status.like(pattern, escape="\\"))
        )
    return where


async def page(
    session: AsyncSession, actor: Actor, query: ListQuery, found: InvoiceFilter, today: date
) -> tuple[list[tuple[Invoice, str]], int]:
    """One page of the visible invoices matching, with their shown status, and the count."""
    status = shown_status(today)
    where = _where(actor, query, found, status)
    total = await session.scalar(select(func.count()).select_from(Invoice).where(*where))
    rows = await session.execute(
        select(Invoice, status)
        .where(*where)
        .order_by(*_order(query, status))
        .offset(query.offset)
        .limit(query.size)
    )
    return [(i, str(s)) for i, s in rows], int(total or 0)


async def invoice_of(
    session: AsyncSession, actor: Actor, invoice_id: int, *, with_pdf: bool = False
) -> Invoice | None:
    query = select(Invoice).where(Invoice.id == invoice_id, _seen(actor))
    if with_pdf:
        query = query.options(undefer(Invoice.pdf))
    return (await session.scalars(query)).first()


async def invoices_of(
    session: AsyncSession, actor: Actor, ids: Collection[int], *, with_pdf: bool = False
) -> Sequence[Invoice]:
    query = select(Invoice).where(Invoice.id.in_(ids), _seen(actor)).order_by(Invoice.id)
    if with_pdf:
        query = query.options(undefer(Invoice.pdf))
    return (await session.scalars(query)).all()
