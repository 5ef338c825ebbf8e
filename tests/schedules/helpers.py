"""Making tasks and running the scheduler at a chosen moment (the injected clock)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import Operator, RunTarget, ScheduledTask, TaskRun
from laturi.schedules import service
from laturi.schedules.runner import Scheduler


def minute(at: datetime | None = None) -> datetime:
    return (at or utcnow()).replace(second=0, microsecond=0)


async def make_task(
    session: AsyncSession, operator: Operator, *, due: datetime, **fields: Any
) -> ScheduledTask:
    """An active daily task whose next run is `due` (a whole minute)."""
    actor = await actor_for(session, operator)
    values: dict[str, Any] = {"name": "Task", "schedule": "daily", "active": True}
    values.update(hour=due.hour, minute=due.minute)
    values.update(fields)
    task = await service.create_task(
        session, actor, service.TaskInput(**values), now=due - timedelta(minutes=1)
    )
    await session.commit()
    assert task.next_run_at == due
    return task


async def run_at(app_or_scheduler: FastAPI | Scheduler, at: datetime) -> list[int]:
    """One scheduler pass at `at`, waiting for the runs it started."""
    scheduler = (
        app_or_scheduler
        if isinstance(app_or_scheduler, Scheduler)
        else app_or_scheduler.state.scheduler
    )
    scheduler.clock = lambda: at
    started = await scheduler.tick(at)
    await scheduler.drain()
    return started


async def runs_of(database: Database, task_id: int) -> list[TaskRun]:
    async with database.sessions() as s:
        query = select(TaskRun).where(TaskRun.task_id == task_id).order_by(TaskRun.due_at)
        return list((await s.scalars(query)).all())


async def results_of(database: Database, run_id: int) -> dict[str, tuple[str, str]]:
    async with database.sessions() as s:
        rows = (await s.scalars(select(RunTarget).where(RunTarget.run_id == run_id))).all()
        return {r.label: (r.result, r.detail) for r in rows}
