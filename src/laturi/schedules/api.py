"""REST routes for scheduled tasks and the scheduler event feed (admins only)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Response

from laturi.auth.dependencies import ApiActor
from laturi.http import DbSession
from laturi.kit.time import utcnow
from laturi.schedules import feed, service
from laturi.schedules.kinds import TYPE_LABELS, TaskType
from laturi.schedules.schemas import (
    ActiveIn,
    ChoiceOut,
    RunDetailOut,
    RunOut,
    TargetOut,
    TaskIn,
    TaskOut,
)

router = APIRouter(prefix="/schedules", tags=["scheduled tasks"])


def _out(view: service.TaskView) -> TaskOut:
    task = view.task
    return TaskOut(
        id=task.id,
        name=task.name,
        task_type=task.task_type,
        task_type_label=TYPE_LABELS[TaskType(task.task_type)],
        key_id=task.key_id,
        key_label=view.key_label,
        schedule=task.schedule,
        hour=task.hour,
        minute=task.minute,
        weekdays=list(service.rule_of(task).weekdays),
        day_of_month=task.day_of_month,
        run_at=task.run_at,
        max_current=None if task.max_current is None else str(task.max_current),
        make_active=task.make_active,
        firmware_location=task.firmware_location,
        firmware_retrieve_at=task.firmware_retrieve_at,
        active=task.active,
        next_run_at=task.next_run_at,
        upcoming=view.upcoming,
        version=task.version,
    )


def _input(body: TaskIn) -> service.TaskInput:
    return service.TaskInput(**body.model_dump())


def _run(row: feed.FeedRow) -> RunOut:
    run = row.run
    return RunOut(
        id=run.id,
        task_id=run.task_id,
        task_name=run.task_name,
        status=row.status,
        failed=row.failed,
        due_at=run.due_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        late=run.late,
        targets=run.targets,
        failed_targets=run.failed,
    )


@router.get("/tasks")
async def list_tasks(
    actor: ApiActor, session: DbSession, task_type: str = "", q: str = ""
) -> list[TaskOut]:
    """Scheduled tasks in your domain, filtered by task type and name."""
    return [
        _out(v) for v in await service.list_tasks(session, actor, task_type=task_type, search=q)
    ]


@router.get("/tasks/{task_id}")
async def get_task(task_id: int, actor: ApiActor, session: DbSession) -> TaskOut:
    """One task with its next five runs."""
    return _out(await service.get_task(session, actor, task_id))


@router.post("/tasks", status_code=201)
async def create_task(body: TaskIn, actor: ApiActor, session: DbSession) -> TaskOut:
    task = await service.create_task(session, actor, _input(body))
    return _out(await service.get_task(session, actor, task.id))


@router.put("/tasks/{task_id}")
async def update_task(task_id: int, body: TaskIn, actor: ApiActor, session: DbSession) -> TaskOut:
    await service.update_task(session, actor, task_id, _input(body))
    return _out(await service.get_task(session, actor, task_id))


@router.post("/tasks/{task_id}/copy", status_code=201)
async def copy_task(task_id: int, actor: ApiActor, session: DbSession) -> TaskOut:
    """Copy task: an inactive "Copy of …" to edit into the pair's other half."""
    task = await service.copy_task(session, actor, task_id)
    return _out(await service.get_task(session, actor, task.id))


@router.delete("/tasks/{task_id}", status_code=204)
async def delete_task(task_id: int, actor: ApiActor, session: DbSession) -> Response:
    await service.delete_task(session, actor, task_id)
    return Response(status_code=204)


@router.post("/tasks/active")
async def set_active(body: ActiveIn, actor: ApiActor, session: DbSession) -> list[TaskOut]:
    """Activate or deactivate one or several tasks."""
    found = await service.set_active(session, actor, body.task_ids, body.active)
    labels = await service.key_labels(session, actor, found)
    return [_out(service.TaskView(t, labels.get((t.task_type, t.key_id), ""))) for t in found]


@router.get("/keys")
async def key_choices(
    task_type: str, actor: ApiActor, session: DbSession, q: str = ""
) -> list[ChoiceOut]:
    """What the KEY of a task of this type may be, in your domain (first 50 matches of `q`)."""
    found = await service.key_choices(session, actor, task_type, q)
    return [ChoiceOut(id=c.id, label=c.label) for c in found]


@router.get("/runs")
async def list_runs(
    actor: ApiActor,
    session: DbSession,
    day: date | None = Query(None, description="UTC day, default today"),
    status: str = Query("", description="ok or failures"),
    q: str = "",
) -> list[RunOut]:
    """The scheduler event feed of one day."""
    rows = await feed.day(session, actor, day or utcnow().date(), status=status, search=q)
    return [_run(r) for r in rows]


@router.get("/runs/{run_id}", name="get_schedule_run")
async def get_run(run_id: int, actor: ApiActor, session: DbSession) -> RunDetailOut:
    """A run with each target's result."""
    found = await feed.detail(session, actor, run_id)
    results = [
        TargetOut(
            kind=t.kind,
            target_id=t.target_id,
            label=t.label,
            result=t.result,
            detail=t.detail,
            finished_at=t.finished_at,
        )
        for t in found.targets
    ]
    return RunDetailOut(**_run(found.row).model_dump(), results=results)


@router.post("/runs/{run_id}/retry", status_code=201)
async def retry_run(run_id: int, actor: ApiActor, session: DbSession) -> TaskOut:
    """Retry: a one-shot "Retry: <task name>" within a few minutes, every member targeted."""
    task = await feed.retry(session, actor, run_id)
    return _out(await service.get_task(session, actor, task.id))
