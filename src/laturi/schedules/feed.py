"""The scheduler event feed: runs per day with the manual's statuses, run detail, Retry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.errors import Conflict, NotFound
from laturi.kit.time import utcnow
from laturi.models import RunTarget, ScheduledTask, TaskRun
from laturi.schedules import repository
from laturi.schedules.kinds import RunState
from laturi.schedules.recurrence import Schedule
from laturi.schedules.service import NAME_LENGTH, retry_time

RUN_NOT_FOUND = "Task execution not found."
NOTHING_TO_RETRY = "Only failed task executions can be retried."
TASK_GONE = "The task of this execution has been deleted: it cannot be retried."


class StatusFilter(StrEnum):
    OK = "ok"
    FAILURES = "failures"


@dataclass(frozen=True)
class FeedRow:
    run: TaskRun
    status: str
    failed: bool


@dataclass(frozen=True)
class RunDetail:
    row: FeedRow
    targets: Sequence[RunTarget]


def status_of(run: TaskRun) -> str:
    """OK, "n tasks failed" or "All tasks failed" as the manual words them; also running/missed."""
    if run.state == RunState.RUNNING.value:
        return "Running"
    if run.state == RunState.MISSED.value:
        return "Missed"
    if run.failed == 0:
        return "OK"
    if run.failed == run.targets and run.targets > 1:
        return "All tasks failed"
    return f"{run.failed} task failed" if run.failed == 1 else f"{run.failed} tasks failed"


def _row(run: TaskRun) -> FeedRow:
    failed = run.state == RunState.MISSED.value or (
        run.state == RunState.DONE.value and run.failed > 0
    )
    return FeedRow(run, status_of(run), failed)


def parse_day(raw: str | None, today: date) -> date:
    """The feed's day from the query (YYYY-MM-DD or DD.MM.YYYY); today when missing or wrong."""
    text = (raw or "").strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC).date()
        except ValueError:
            continue
    return today


async def day(
    session: AsyncSession, actor: Actor, on: date, *, status: str = "", search: str = ""
) -> list[FeedRow]:
    """The runs of one UTC day (times in the feed are UTC, as the manual says)."""
    actor.require(Permission.MANAGE_SCHEDULES)
    start = datetime.combine(on, time(0), tzinfo=UTC)
    runs = await repository.runs_between(session, actor, start, start + timedelta(days=1), search)
    rows = [_row(run) for run in runs]
    if status == StatusFilter.OK.value:
        return [r for r in rows if r.status == "OK"]
    if status == StatusFilter.FAILURES.value:
        return [r for r in rows if r.failed]
    return rows


async def detail(session: AsyncSession, actor: Actor, run_id: int) -> RunDetail:
    """A run with each target's result."""
    actor.require(Permission.MANAGE_SCHEDULES)
    run = await repository.run(session, actor, run_id)
    if run is None:
        raise NotFound(RUN_NOT_FOUND)
    return RunDetail(_row(run), await repository.targets_of(session, run.id))


async def retry(
    session: AsyncSession, actor: Actor, run_id: int, *, now: datetime | None = None
) -> ScheduledTask:
    """Retry: a one-shot copy "Retry: <task name>" a few minutes ahead, reaching every member."""
    found = await detail(session, actor, run_id)
    if not found.row.failed:
        raise Conflict(NOTHING_TO_RETRY)
    run = found.row.run
    source = await repository.task(session, actor, run.task_id) if run.task_id else None
    if source is None:
        raise Conflict(TASK_GONE)
    at = retry_time(now or utcnow())
    copy = ScheduledTask(
        organization_id=source.organization_id,
        scope_group_id=source.scope_group_id,
        created_by_id=actor.operator_id or None,
        name=f"Retry: {source.name}"[:NAME_LENGTH],
        task_type=source.task_type,
        key_id=source.key_id,
        max_current=source.max_current,
        make_active=source.make_active,
        firmware_location=source.firmware_location,
        firmware_retrieve_at=source.firmware_retrieve_at,
        schedule=Schedule.ONCE.value,
        hour=at.hour,
        minute=at.minute,
        weekdays="",
        run_at=at,
        active=True,
        next_run_at=at,
    )
    session.add(copy)
    await session.flush()
    return copy
