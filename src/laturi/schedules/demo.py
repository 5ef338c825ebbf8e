"""Demo scheduled tasks (the manual's examples) and a few past runs in the event feed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.repository import operator_by_username
from laturi.auth.service import actor_for
from laturi.kit.time import utcnow
from laturi.models import (
    ChargingGroup,
    RunTarget,
    ScheduledTask,
    Station,
    StationLimit,
    TaskRun,
    UserGroup,
)
from laturi.schedules import service
from laturi.schedules.service import TaskInput


async def load(session: AsyncSession) -> None:
    """As alpha: the manual's pairs of tasks, active, and yesterday's runs with a failure."""
    alpha = await operator_by_username(session, "alpha")
    if alpha is None:
        return
    actor = await actor_for(session, alpha)
    station = (
        await session.scalars(select(Station).where(Station.identifier == "EVI00000013"))
    ).one()
    groups = {g.name: g for g in (await session.scalars(select(ChargingGroup))).all()}
    pine, birch = groups["ACME Pine Mall"], groups["ACME Birch Mall"]
    guests = (await session.scalars(select(UserGroup).where(UserGroup.name == "Guests"))).one()
    night = TaskInput(
        name="Limit EVI00000013 to 6 A at night",
        task_type="station_current",
        key_id=station.id,
        max_current="6",
        schedule="daily",
        hour=1,
        minute=0,
        active=True,
    )
    inputs = [
        night,
        replace(
            night, name="Full current for EVI00000013 in the morning", max_current="32", hour=6
        ),
        TaskInput(
            name="Guests allowed to charge on the 15th",
            task_type="user_group_activation",
            key_id=guests.id,
            make_active=True,
            schedule="monthly",
            day_of_month=15,
            active=True,
        ),
        TaskInput(
            name="Guests NOT allowed to charge after the 15th",
            task_type="user_group_activation",
            key_id=guests.id,
            make_active=False,
            schedule="monthly",
            day_of_month=15,
            hour=23,
            minute=59,
            active=True,
        ),
        TaskInput(
            name="Pine Mall limited to 16 A on weekdays",
            task_type="group_current",
            key_id=pine.id,
            max_current="16",
            schedule="weekly",
            weekdays=(0, 1, 2, 3, 4),
            hour=7,
            minute=30,
        ),
        TaskInput(
            name="Birch Mall firmware update",
            task_type="firmware_update",
            key_id=birch.id,
            firmware_location="ftp://firmware.acme.example/evb200/A1000.bin",
            schedule="once",
            run_at=(utcnow() + timedelta(days=7)).replace(
                hour=2, minute=0, second=0, microsecond=0
            ),
        ),
    ]
    tasks = [await service.create_task(session, actor, data) for data in inputs]
    await _history(session, tasks, pine)


async def _history(session: AsyncSession, tasks: list[ScheduledTask], pine: ChargingGroup) -> None:
    """Yesterday's runs: one OK, one where the station was offline, a group with one failure."""
    stations = (
        await session.scalars(
            select(Station).where(Station.group_id == pine.id).order_by(Station.identifier)
        )
    ).all()
    yesterday = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    night, morning, *_, pine_task, _firmware = tasks
    ok = "accepted", "Accepted"
    offline = "offline", "Charging station is not connected."
    await _run(session, night, yesterday + timedelta(hours=1), [(stations[0], ok)])
    # The morning run failed: the night's limit is still in force (the station page says so).
    at = yesterday + timedelta(hours=1, seconds=2)
    session.add(
        StationLimit(
            station_id=stations[0].id,
            amperes=night.max_current,
            task_id=night.id,
            task_name=night.name,
            set_at=at,
            applied_at=at,
        )
    )
    await _run(session, morning, yesterday + timedelta(hours=6), [(stations[0], offline)])
    targets = [(stations[0], ok), (stations[1], ("rejected", "The station answered Rejected."))]
    await _run(session, pine_task, yesterday + timedelta(hours=7, minutes=30), targets)


async def _run(
    session: AsyncSession,
    task: ScheduledTask,
    due: datetime,
    results: list[tuple[Station, tuple[str, str]]],
) -> None:
    failed = sum(1 for _, (result, _) in results if result != "accepted")
    run = TaskRun(
        task_id=task.id,
        organization_id=task.organization_id,
        scope_group_id=task.scope_group_id,
        task_name=task.name,
        task_type=task.task_type,
        due_at=due,
        started_at=due + timedelta(seconds=1),
        finished_at=due + timedelta(seconds=3),
        state="done",
        targets=len(results),
        failed=failed,
    )
    session.add(run)
    await session.flush()
    for station, (result, detail) in results:
        session.add(
            RunTarget(
                run_id=run.id,
                kind="station",
                target_id=station.id,
                label=station.identifier,
                result=result,
                detail=detail,
                finished_at=due + timedelta(seconds=2),
            )
        )
    await session.flush()
