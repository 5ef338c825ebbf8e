"""Scheduled tasks: the manual's rules for adding, editing, copying and (de)activating them.

Admin operators only (the manual: "Only admin operators can create, edit and view scheduled
tasks"); every KEY lies in the operator's domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlparse

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.charging_users.repository import scope_for
from laturi.errors import NotFound, StaleEdit, ValidationFailed
from laturi.kit.time import utcnow
from laturi.models import ScheduledTask, StationLimit
from laturi.schedules import payloads, repository
from laturi.schedules.kinds import CURRENT_TYPES, KEY_OF, KeyKind, TaskType
from laturi.schedules.recurrence import Rule, Schedule, next_after, upcoming
from laturi.stations.service import visible_station

NOT_FOUND = "Scheduled task not found."
MAX_AMPERES = Decimal("500")
NAME_LENGTH = 200


@dataclass(frozen=True)
class TaskInput:
    """A task as the form or the API gives it (raw values; the service checks them)."""

    name: str
    task_type: str
    key_id: int | None
    schedule: str
    hour: int | None = 0
    minute: int | None = 0
    weekdays: Sequence[int] = ()
    day_of_month: int | None = None
    run_at: datetime | None = None
    max_current: str | None = None
    make_active: bool | None = None
    firmware_location: str | None = None
    firmware_retrieve_at: datetime | None = None
    active: bool = False
    version: int | None = None


@dataclass(frozen=True)
class Choice:
    id: int
    label: str


@dataclass
class TaskView:
    task: ScheduledTask
    key_label: str
    upcoming: list[datetime] = field(default_factory=list)


def rule_of(task: ScheduledTask) -> Rule:
    """The task's schedule as recurrence understands it."""
    days = tuple(int(d) for d in task.weekdays.split(",") if d != "")
    return Rule(
        Schedule(task.schedule), task.hour, task.minute, days, task.day_of_month, task.run_at
    )


async def list_tasks(
    session: AsyncSession, actor: Actor, *, task_type: str = "", search: str = ""
) -> list[TaskView]:
    """Scheduled tasks list: filter by task type and name; each with its KEY and next run."""
    actor.require(Permission.MANAGE_SCHEDULES)
    found = await repository.tasks(
        session, actor, task_type=task_type or None, search=search.strip()
    )
    labels = await key_labels(session, actor, found)
    return [TaskView(t, labels.get((t.task_type, t.key_id), "(not in your domain)")) for t in found]


async def get_task(
    session: AsyncSession, actor: Actor, task_id: int, *, now: datetime | None = None
) -> TaskView:
    """One task with its KEY and its next five runs."""
    task = await _task(session, actor, task_id)
    labels = await key_labels(session, actor, [task])
    view = TaskView(task, labels.get((task.task_type, task.key_id), "(not in your domain)"))
    if task.active:
        view.upcoming = upcoming(rule_of(task), now or utcnow(), 5)
    return view


async def create_task(
    session: AsyncSession, actor: Actor, data: TaskInput, *, now: datetime | None = None
) -> ScheduledTask:
    """Schedule task: a new task in the actor's base group."""
    actor.require(Permission.MANAGE_SCHEDULES)
    task = ScheduledTask(
        organization_id=actor.organization_id,
        scope_group_id=actor.base_group_id,
        created_by_id=actor.operator_id or None,
    )
    await _apply(session, actor, task, data, now or utcnow())
    session.add(task)
    await _flush(session)
    return task


async def update_task(
    session: AsyncSession,
    actor: Actor,
    task_id: int,
    data: TaskInput,
    *,
    now: datetime | None = None,
) -> ScheduledTask:
    """Save changes; a version older than the stored one is a concurrent edit."""
    task = await _task(session, actor, task_id)
    if data.version is not None and data.version != task.version:
        raise StaleEdit()
    await _apply(session, actor, task, data, now or utcnow())
    task.updated_at = utcnow()
    await _flush(session)
    return task


async def copy_task(
    session: AsyncSession, actor: Actor, task_id: int, *, now: datetime | None = None
) -> ScheduledTask:
    """Copy task: the same task, inactive, named "Copy of …", as a template for a pair."""
    source = await _task(session, actor, task_id)
    data = replace(
        as_input(source), name=f"Copy of {source.name}"[:NAME_LENGTH], active=False, version=None
    )
    return await create_task(session, actor, data, now=now)


async def delete_task(session: AsyncSession, actor: Actor, task_id: int) -> None:
    """Delete a task; its past runs stay in the event feed under its name."""
    task = await _task(session, actor, task_id)
    await session.delete(task)
    await _flush(session)


async def set_active(
    session: AsyncSession,
    actor: Actor,
    task_ids: Sequence[int],
    active: bool,
    *,
    now: datetime | None = None,
) -> list[ScheduledTask]:
    """Activate or deactivate one or several tasks (all of them, or none if one is unknown)."""
    actor.require(Permission.MANAGE_SCHEDULES)
    wanted = set(task_ids)
    found = await repository.tasks_by_ids(session, actor, wanted)
    if len(found) != len(wanted):
        raise NotFound(NOT_FOUND)
    at = now or utcnow()
    for task in found:
        if task.active == active:
            continue
        upcoming_at = next_after(rule_of(task), at) if active else None
        if active and upcoming_at is None:
            raise ValidationFailed(
                f"{task.name}: the one shot's time (UTC) has already passed.", field="run_at"
            )
        task.active, task.next_run_at, task.updated_at = active, upcoming_at, utcnow()
    await _flush(session)
    return list(found)


def as_input(task: ScheduledTask) -> TaskInput:
    """The stored task as form input (for editing and copying)."""
    rule = rule_of(task)
    return TaskInput(
        name=task.name,
        task_type=task.task_type,
        key_id=task.key_id,
        schedule=task.schedule,
        hour=task.hour,
        minute=task.minute,
        weekdays=rule.weekdays,
        day_of_month=task.day_of_month,
        run_at=task.run_at,
        max_current=None if task.max_current is None else str(task.max_current),
        make_active=task.make_active,
        firmware_location=task.firmware_location,
        firmware_retrieve_at=task.firmware_retrieve_at,
        active=task.active,
        version=task.version,
    )


async def key_choices(
    session: AsyncSession, actor: Actor, task_type: str, search: str
) -> list[Choice]:
    """The KEY picker: what of the task type's kind lies in the actor's domain, searched."""
    actor.require(Permission.MANAGE_SCHEDULES)
    kind = KEY_OF[_type_or_none(task_type) or TaskType.STATION_CURRENT]
    return await _choices(session, actor, kind, search.strip(), ())


async def key_choices_by_id(
    session: AsyncSession, actor: Actor, task_type: str, key_id: int | None
) -> list[Choice]:
    """The one KEY with this id, if it is the task type's kind and in the actor's domain."""
    kind = KEY_OF[_type_or_none(task_type) or TaskType.STATION_CURRENT]
    return await _choices(session, actor, kind, "", [key_id]) if key_id else []


async def key_labels(
    session: AsyncSession, actor: Actor, tasks: Sequence[ScheduledTask]
) -> dict[tuple[str, int], str]:
    """Each task's KEY as shown, for keys the actor still sees."""
    labels: dict[tuple[str, int], str] = {}
    for task_type in {t.task_type for t in tasks}:
        ids = {t.key_id for t in tasks if t.task_type == task_type}
        kind = KEY_OF[TaskType(task_type)]
        for choice in await _choices(session, actor, kind, "", ids):
            labels[(task_type, choice.id)] = choice.label
    return labels


async def _choices(
    session: AsyncSession, actor: Actor, kind: KeyKind, search: str, ids: set[int] | Sequence[int]
) -> list[Choice]:
    if kind is KeyKind.STATION:
        stations = await repository.station_choices(session, actor, search, ids)
        return [
            Choice(s.id, f"{s.identifier} - {s.name}" if s.name != s.identifier else s.identifier)
            for s in stations
        ]
    if kind is KeyKind.CHARGING_GROUP:
        groups = await repository.group_choices(session, actor, search, ids)
        return [Choice(g.id, g.name) for g in groups]
    if kind is KeyKind.CHARGING_USER:
        scope = await scope_for(session, actor)
        users = await repository.user_choices(session, scope, search, ids)
        return [Choice(u.id, f"{u.first_name} {u.last_name}".strip()) for u in users]
    user_groups = await repository.user_group_choices(session, actor, search, ids)
    return [Choice(g.id, g.name) for g in user_groups]


async def _task(session: AsyncSession, actor: Actor, task_id: int) -> ScheduledTask:
    actor.require(Permission.MANAGE_SCHEDULES)
    task = await repository.task(session, actor, task_id)
    if task is None:
        raise NotFound(NOT_FOUND)
    return task


async def _apply(
    session: AsyncSession, actor: Actor, task: ScheduledTask, data: TaskInput, now: datetime
) -> None:
    """Check every field, then write them all (nothing is written when one is wrong)."""
    name = data.name.strip()
    if not name:
        raise ValidationFailed("Task name is required.", field="name")
    if len(name) > NAME_LENGTH:
        raise ValidationFailed(f"Task name is at most {NAME_LENGTH} characters.", field="name")
    task_type = _type_or_none(data.task_type)
    if task_type is None:
        raise ValidationFailed("Select a task type.", field="task_type")
    key_id = await _key(session, actor, task_type, data.key_id)
    rule = _rule(data, now, task.run_at)
    what = _what(task_type, data)
    task.name, task.task_type, task.key_id = name, task_type.value, key_id
    task.max_current, task.make_active = what.max_current, what.make_active
    task.firmware_location, task.firmware_retrieve_at = (
        what.firmware_location,
        what.firmware_retrieve_at,
    )
    task.schedule, task.hour, task.minute = rule.schedule.value, rule.hour, rule.minute
    task.weekdays = ",".join(str(d) for d in rule.weekdays)
    task.day_of_month, task.run_at = rule.day_of_month, rule.run_at
    task.active = data.active
    task.next_run_at = next_after(rule, now) if data.active else None


def _type_or_none(value: str) -> TaskType | None:
    try:
        return TaskType(value)
    except ValueError:
        return None


async def _key(session: AsyncSession, actor: Actor, task_type: TaskType, key_id: int | None) -> int:
    if key_id is None:
        raise ValidationFailed("Select a key.", field="key_id")
    found = await _choices(session, actor, KEY_OF[task_type], "", [key_id])
    if not found:
        raise ValidationFailed("Select a key from the list.", field="key_id")
    return key_id


@dataclass(frozen=True)
class _What:
    max_current: Decimal | None = None
    make_active: bool | None = None
    firmware_location: str | None = None
    firmware_retrieve_at: datetime | None = None


def _what(task_type: TaskType, data: TaskInput) -> _What:
    if task_type in CURRENT_TYPES:
        amperes = _amperes(data.max_current)
        payloads.check_max_current(amperes)
        return _What(max_current=amperes)
    if task_type is TaskType.FIRMWARE_UPDATE:
        return _What(
            firmware_location=_location(data.firmware_location),
            firmware_retrieve_at=_aware(data.firmware_retrieve_at),
        )
    if data.make_active is None:
        raise ValidationFailed("Select Active or Inactive.", field="make_active")
    return _What(make_active=data.make_active)


def _amperes(raw: str | None) -> Decimal:
    text = (raw or "").strip().replace(",", ".")
    if not text:
        raise ValidationFailed("Max current is required.", field="max_current")
    try:
        amperes = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(
            "Max current must be a number of amperes.", field="max_current"
        ) from None
    if not amperes.is_finite() or amperes < 0 or amperes > MAX_AMPERES:
        raise ValidationFailed(
            f"Max current must be between 0 and {MAX_AMPERES} A.", field="max_current"
        )
    if amperes != amperes.quantize(Decimal("0.1")):
        raise ValidationFailed("Max current has at most one decimal.", field="max_current")
    return amperes.quantize(Decimal("0.1"))


def _location(raw: str | None) -> str:
    text = (raw or "").strip()
    parsed = urlparse(text)
    if parsed.scheme not in {"http", "https", "ftp", "ftps"} or not parsed.netloc:
        raise ValidationFailed(
            "Location must be a URL (http, https, ftp or ftps) the station can fetch the "
            "firmware from.",
            field="firmware_location",
        )
    if len(text) > 500:
        raise ValidationFailed("Location is at most 500 characters.", field="firmware_location")
    return text


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _rule(data: TaskInput, now: datetime, previous_run_at: datetime | None) -> Rule:
    try:
        schedule = Schedule(data.schedule)
    except ValueError:
        raise ValidationFailed("Select a schedule.", field="schedule") from None
    if schedule is Schedule.ONCE:
        return _one_shot(data, now, previous_run_at)
    hour, minute = _clock(data.hour, data.minute)
    if schedule is Schedule.WEEKLY:
        days = tuple(sorted(set(data.weekdays)))
        if not days or any(d < 0 or d > 6 for d in days):
            raise ValidationFailed("Tick at least one day of the week.", field="weekdays")
        return Rule(schedule, hour, minute, weekdays=days)
    if schedule is Schedule.MONTHLY:
        day = data.day_of_month
        if day is None or not 1 <= day <= 31:
            raise ValidationFailed("Day of month must be between 1 and 31.", field="day_of_month")
        return Rule(schedule, hour, minute, day_of_month=day)
    return Rule(schedule, hour, minute)


def _clock(hour: int | None, minute: int | None) -> tuple[int, int]:
    if hour is None or not 0 <= hour <= 23:
        raise ValidationFailed("Hour (UTC) must be between 0 and 23.", field="hour")
    if minute is None or not 0 <= minute <= 59:
        raise ValidationFailed("Minute must be between 0 and 59.", field="minute")
    return hour, minute


def _one_shot(data: TaskInput, now: datetime, previous: datetime | None) -> Rule:
    at = _aware(data.run_at)
    if at is None:
        raise ValidationFailed("Date and time (UTC) are required for a one shot.", field="run_at")
    at = at.replace(second=0, microsecond=0)
    # A one shot that has run keeps its time when edited; a new time must lie ahead.
    if at <= now and at != previous and data.active:
        raise ValidationFailed("The one shot's time (UTC) has already passed.", field="run_at")
    return Rule(Schedule.ONCE, at.hour, at.minute, run_at=at)


def retry_time(now: datetime) -> datetime:
    """When a retry runs: the start of the minute after next ("within a few minutes")."""
    return now.replace(second=0, microsecond=0) + timedelta(minutes=2)


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except StaleDataError as err:
        raise StaleEdit() from err


@dataclass(frozen=True)
class Ahead:
    """A scheduled change of a charging user's active state."""

    at: datetime
    make_active: bool
    task_name: str


async def limit_in_force(
    session: AsyncSession, actor: Actor, station_id: int
) -> StationLimit | None:
    """The max current a scheduled task last set on the station (and the station accepted)."""
    actor.require(Permission.MANAGE_SCHEDULES)
    station = await visible_station(session, actor, station_id)
    return await repository.station_limit(session, station.id)


async def changes_ahead(
    session: AsyncSession,
    actor: Actor,
    user_id: int,
    *,
    now: datetime | None = None,
    count: int = 5,
) -> list[Ahead]:
    """The next activations and deactivations scheduled for the charging user, soonest first."""
    actor.require(Permission.MANAGE_SCHEDULES)
    scope = await scope_for(session, actor)
    users = await repository.user_choices(session, scope, "", [user_id])
    if not users:
        raise NotFound("Charging user not found.")
    tasks = await repository.upcoming_for_user(session, actor, user_id, users[0].user_group_id)
    at = now or utcnow()
    found = [
        Ahead(when, bool(t.make_active), t.name)
        for t in tasks
        for when in upcoming(rule_of(t), at, count)
    ]
    return sorted(found, key=lambda a: a.at)[:count]
