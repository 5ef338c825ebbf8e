"""Queries over scheduled tasks and their runs, scoped to the acting operator's domain.

A task belongs to the base group of the operator who created it: operators whose domain
holds that group see it (so an admin sees the tasks of the admins below him, never those of
an operator above or beside him). KEY choices are what the operator's domain holds.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.charging_users.repository import Scope, visible
from laturi.models import (
    ChargingGroup,
    ChargingUser,
    RunTarget,
    ScheduledTask,
    Station,
    StationLimit,
    TaskRun,
    UserGroup,
)
from laturi.schedules.kinds import RunState

CHOICES = 50  # KEY picker: the first matches, narrowed by search


def _pattern(search: str) -> str:
    text = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{text}%"


def _task_scope(actor: Actor) -> ColumnElement[bool]:
    return and_(
        ScheduledTask.organization_id == actor.organization_id,
        ScheduledTask.scope_group_id.in_(actor.domain),
    )


def _run_scope(actor: Actor) -> ColumnElement[bool]:
    return and_(
        TaskRun.organization_id == actor.organization_id,
        TaskRun.scope_group_id.in_(actor.domain),
    )


async def tasks(
    session: AsyncSession, actor: Actor, *, task_type: str | None, search: str
) -> Sequence[ScheduledTask]:
    """The tasks the actor sees, by name, filtered by type and name."""
    query = select(ScheduledTask).where(_task_scope(actor))
    if task_type:
        query = query.where(ScheduledTask.task_type == task_type)
    if search:
        query = query.where(func.lower(ScheduledTask.name).like(_pattern(search), escape="\\"))
    order = (func.lower(ScheduledTask.name), ScheduledTask.id)
    return (await session.scalars(query.order_by(*order))).all()


async def task(session: AsyncSession, actor: Actor, task_id: int) -> ScheduledTask | None:
    query = select(ScheduledTask).where(ScheduledTask.id == task_id, _task_scope(actor))
    return (await session.scalars(query)).first()


async def tasks_by_ids(
    session: AsyncSession, actor: Actor, ids: Collection[int]
) -> Sequence[ScheduledTask]:
    query = select(ScheduledTask).where(ScheduledTask.id.in_(ids), _task_scope(actor))
    return (await session.scalars(query)).all()


async def upcoming_for_user(
    session: AsyncSession, actor: Actor, user_id: int, user_group_id: int | None
) -> Sequence[ScheduledTask]:
    """Active tasks that will change this charging user's active state."""
    reach = [and_(ScheduledTask.task_type == "user_activation", ScheduledTask.key_id == user_id)]
    if user_group_id is not None:
        reach.append(
            and_(
                ScheduledTask.task_type == "user_group_activation",
                ScheduledTask.key_id == user_group_id,
            )
        )
    query = select(ScheduledTask).where(
        _task_scope(actor),
        ScheduledTask.active,
        ScheduledTask.next_run_at.is_not(None),
        or_(*reach),
    )
    return (await session.scalars(query.order_by(ScheduledTask.next_run_at))).all()


# KEY pickers --------------------------------------------------------------------------


async def station_choices(
    session: AsyncSession, actor: Actor, search: str, ids: Collection[int] = ()
) -> Sequence[Station]:
    query = select(Station).where(
        Station.organization_id == actor.organization_id,
        Station.group_id.in_(actor.domain),
        Station.deleted_at.is_(None),
    )
    if ids:
        query = query.where(Station.id.in_(ids))
    if search:
        like = _pattern(search)
        query = query.where(
            or_(
                func.lower(Station.name).like(like, "\\"),
                func.lower(Station.identifier).like(like, "\\"),
            )
        )
    return (await session.scalars(query.order_by(Station.identifier).limit(CHOICES))).all()


async def group_choices(
    session: AsyncSession, actor: Actor, search: str, ids: Collection[int] = ()
) -> Sequence[ChargingGroup]:
    query = select(ChargingGroup).where(
        ChargingGroup.organization_id == actor.organization_id,
        ChargingGroup.id.in_(actor.domain),
    )
    if ids:
        query = query.where(ChargingGroup.id.in_(ids))
    if search:
        query = query.where(func.lower(ChargingGroup.name).like(_pattern(search), "\\"))
    return (await session.scalars(query.order_by(ChargingGroup.name).limit(CHOICES))).all()


async def user_choices(
    session: AsyncSession, scope: Scope, search: str, ids: Collection[int] = ()
) -> Sequence[ChargingUser]:
    query = select(ChargingUser).where(visible(scope))
    if ids:
        query = query.where(ChargingUser.id.in_(ids))
    if search:
        like = _pattern(search)
        name = func.lower(ChargingUser.first_name + " " + ChargingUser.last_name)
        query = query.where(
            or_(name.like(like, "\\"), func.lower(ChargingUser.email).like(like, "\\"))
        )
    order = (ChargingUser.first_name, ChargingUser.last_name, ChargingUser.id)
    return (await session.scalars(query.order_by(*order).limit(CHOICES))).all()


async def user_group_choices(
    session: AsyncSession, actor: Actor, search: str, ids: Collection[int] = ()
) -> Sequence[UserGroup]:
    # A charging user group belongs to its whole organisation (as in the user-group pages).
    query = select(UserGroup).where(UserGroup.organization_id == actor.organization_id)
    if ids:
        query = query.where(UserGroup.id.in_(ids))
    if search:
        query = query.where(UserGroup.name_key.like(_pattern(search), "\\"))
    return (await session.scalars(query.order_by(UserGroup.name_key).limit(CHOICES))).all()


async def stations_under(
    session: AsyncSession, actor: Actor, group_ids: Collection[int]
) -> Sequence[Station]:
    """The live stations in these groups (a subtree), in the actor's domain."""
    query = select(Station).where(
        Station.organization_id == actor.organization_id,
        Station.group_id.in_(set(group_ids) & actor.domain),
        Station.deleted_at.is_(None),
    )
    return (await session.scalars(query.order_by(Station.identifier))).all()


async def members(
    session: AsyncSession, scope: Scope, user_group_id: int
) -> Sequence[ChargingUser]:
    query = select(ChargingUser).where(ChargingUser.user_group_id == user_group_id, visible(scope))
    return (await session.scalars(query.order_by(ChargingUser.id))).all()


# Runs ---------------------------------------------------------------------------------


async def runs_between(
    session: AsyncSession, actor: Actor, start: datetime, end: datetime, search: str
) -> Sequence[TaskRun]:
    query = select(TaskRun).where(_run_scope(actor), TaskRun.due_at >= start, TaskRun.due_at < end)
    if search:
        query = query.where(func.lower(TaskRun.task_name).like(_pattern(search), escape="\\"))
    return (await session.scalars(query.order_by(TaskRun.due_at, TaskRun.id))).all()


async def run(session: AsyncSession, actor: Actor, run_id: int) -> TaskRun | None:
    query = select(TaskRun).where(TaskRun.id == run_id, _run_scope(actor))
    return (await session.scalars(query)).first()


async def runs_of_task(
    session: AsyncSession, actor: Actor, task_id: int, limit: int
) -> Sequence[TaskRun]:
    query = select(TaskRun).where(_run_scope(actor), TaskRun.task_id == task_id)
    return (await session.scalars(query.order_by(TaskRun.due_at.desc()).limit(limit))).all()


async def targets_of(session: AsyncSession, run_id: int) -> Sequence[RunTarget]:
    query = select(RunTarget).where(RunTarget.run_id == run_id).order_by(RunTarget.id)
    return (await session.scalars(query)).all()


async def station_limit(session: AsyncSession, station_id: int) -> StationLimit | None:
    return await session.get(StationLimit, station_id)


# The scheduler's own (unscoped: it acts for every organisation) ----------------------


def due_tasks(now: datetime, limit: int) -> Select[ScheduledTask]:
    """Due active tasks, locked; rows another node holds are skipped (PostgreSQL)."""
    return (
        select(ScheduledTask)
        .where(ScheduledTask.active, ScheduledTask.next_run_at <= now)
        .order_by(ScheduledTask.next_run_at, ScheduledTask.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def stale_runs(before: datetime, limit: int) -> Select[TaskRun]:
    """Runs whose node stopped beating: another node takes them over."""
    return (
        select(TaskRun)
        .where(TaskRun.state == RunState.RUNNING.value, TaskRun.heartbeat_at < before)
        .order_by(TaskRun.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def set_next_run(session: AsyncSession, task_id: int, at: datetime | None) -> None:
    # Core UPDATE: the scheduler's bookkeeping must not bump the version an operator's
    # open edit form holds.
    await session.execute(
        update(ScheduledTask).where(ScheduledTask.id == task_id).values(next_run_at=at)
    )


async def beat(
    session: AsyncSession, node: str, run_ids: Collection[int], now: datetime
) -> set[int]:
    """Beat on the node's running runs; the ids among them another node has taken over."""
    await session.execute(
        update(TaskRun)
        .where(TaskRun.id.in_(run_ids), TaskRun.node == node)
        .values(heartbeat_at=now)
    )
    lost = select(TaskRun.id).where(TaskRun.id.in_(run_ids), TaskRun.node != node)
    return set((await session.scalars(lost)).all())
