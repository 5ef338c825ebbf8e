"""What one run does to each of its targets, through the same paths the panel and API use.

Commands go through `stations.commands.send_command` (the station-rules check, the bus, the
station's event feed); activation changes the charging user's `active` flag, which the
authorization rule reads on every Authorize and StartTransaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.bus import CommandFailed, NoAnswer, Payload, StationBus, StationOffline
from laturi.charging_users.repository import scope_for
from laturi.errors import LaturiError
from laturi.grouptree.repository import subtree_ids
from laturi.models import ChargingGroup, LocalList, ScheduledTask, Station, StationLimit
from laturi.models.operator import Level
from laturi.schedules import payloads, repository
from laturi.schedules.kinds import ACTIVATION_TYPES, CURRENT_TYPES, Result, TaskType
from laturi.stations.commands import local_lists
from laturi.stations.commands.service import Command, send_command

STATION = "station"
USER = "user"
LOCAL_LIST = "local_list"  # a list pushed after activation: shown, not counted as the task


@dataclass(frozen=True)
class Target:
    kind: str
    target_id: int
    label: str


@dataclass(frozen=True)
class Outcome:
    result: Result
    detail: str = ""


async def acting_for(session: AsyncSession, organization_id: int, scope_group_id: int) -> Actor:
    """The scheduler acts as an admin of the task's group: never past its maker's domain."""
    return Actor(
        operator_id=0,
        username="scheduler",
        organization_id=organization_id,
        base_group_id=scope_group_id,
        level=Level.ADMIN,
        domain=await subtree_ids(session, scope_group_id),
    )


async def targets_of(session: AsyncSession, actor: Actor, task: ScheduledTask) -> list[Target]:
    """Whom the task reaches now: for a group task every member at this moment."""
    kind = TaskType(task.task_type)
    if kind is TaskType.STATION_CURRENT:
        stations = await repository.station_choices(session, actor, "", [task.key_id])
        return [Target(STATION, s.id, s.identifier) for s in stations] or [_gone(STATION, task)]
    if kind in {TaskType.GROUP_CURRENT, TaskType.FIRMWARE_UPDATE}:
        if task.key_id not in actor.domain or await session.get(ChargingGroup, task.key_id) is None:
            return [_gone(STATION, task)]
        groups = await subtree_ids(session, task.key_id)
        stations = await repository.stations_under(session, actor, groups)
        return [Target(STATION, s.id, s.identifier) for s in stations]
    scope = await scope_for(session, actor)
    if kind is TaskType.USER_ACTIVATION:
        users = await repository.user_choices(session, scope, "", [task.key_id])
    else:
        users = await repository.members(session, scope, task.key_id)
    found = [Target(USER, u.id, f"{u.first_name} {u.last_name}".strip()) for u in users]
    return found if found or kind is TaskType.USER_GROUP_ACTIVATION else [_gone(USER, task)]


def _gone(kind: str, task: ScheduledTask) -> Target:
    # Recorded as a failed target, so the feed shows the task did not happen.
    return Target(kind, task.key_id, f"#{task.key_id} (no longer in the task's domain)")


async def station_command(
    session: AsyncSession,
    actor: Actor,
    bus: StationBus,
    task: ScheduledTask,
    station_id: int,
    *,
    now: datetime,
    answer_within: float,
    amperes: Decimal | None = None,
) -> Outcome:
    """Send the task's command to one station (`amperes`: a limit in force, sent again)."""
    command, params = _command(task, now, amperes)
    try:
        result = await send_command(
            session, actor, bus, station_id, command, params, answer_within=answer_within
        )
    except StationOffline:
        return Outcome(Result.OFFLINE, "Charging station is not connected.")
    except NoAnswer as err:
        return Outcome(Result.TIMED_OUT, err.detail or err.message)
    except CommandFailed as err:
        return Outcome(Result.REJECTED, err.detail or err.message)
    except LaturiError as err:
        return Outcome(Result.FAILED, err.message)
    status = str(result.answer.get("status") or "answered")
    if not result.accepted:
        return Outcome(Result.REJECTED, f"The station answered {status}.")
    if TaskType(task.task_type) in CURRENT_TYPES and amperes is None:
        await _remember_limit(session, task, station_id, now)
    return Outcome(Result.ACCEPTED, status)


def _command(
    task: ScheduledTask, now: datetime, amperes: Decimal | None
) -> tuple[Command, Payload]:
    if TaskType(task.task_type) is TaskType.FIRMWARE_UPDATE:
        retrieve = task.firmware_retrieve_at
        at = retrieve if retrieve is not None and retrieve > now else now
        return Command.UPDATE_FIRMWARE, payloads.firmware(task.firmware_location or "", at)
    limit = amperes if amperes is not None else task.max_current
    assert limit is not None
    return Command.SET_CHARGING_PROFILE, payloads.max_current(limit, now)


async def _remember_limit(
    session: AsyncSession, task: ScheduledTask, station_id: int, now: datetime
) -> None:
    limit = await session.get(StationLimit, station_id)
    if limit is None:
        limit = StationLimit(station_id=station_id)
        session.add(limit)
    assert task.max_current is not None
    limit.amperes, limit.task_id, limit.task_name = task.max_current, task.id, task.name
    limit.set_at = limit.applied_at = now


async def user_activation(
    session: AsyncSession, actor: Actor, task: ScheduledTask, user_id: int
) -> Outcome:
    """Make the charging user active or inactive: Authorize honours it from the next request."""
    if task.make_active is None or TaskType(task.task_type) not in ACTIVATION_TYPES:
        return Outcome(Result.FAILED, "The task no longer changes activation.")
    scope = await scope_for(session, actor)
    users = await repository.user_choices(session, scope, "", [user_id])
    if not users:
        return Outcome(Result.FAILED, "Charging user not found in the task's domain.")
    users[0].active = task.make_active
    await session.flush()
    return Outcome(Result.ACCEPTED, "Set active." if task.make_active else "Set inactive.")


async def stations_with_lists(session: AsyncSession, actor: Actor) -> list[Target]:
    """Stations of the domain holding a known local list: they must learn of a change."""
    query = (
        select(Station)
        .join(LocalList, LocalList.station_id == Station.id)
        .where(
            LocalList.known,
            Station.organization_id == actor.organization_id,
            Station.group_id.in_(actor.domain),
            Station.deleted_at.is_(None),
        )
        .order_by(Station.identifier)
    )
    return [Target(LOCAL_LIST, s.id, s.identifier) for s in (await session.scalars(query)).all()]


async def push_local_list(
    session: AsyncSession, actor: Actor, bus: StationBus, station_id: int, *, answer_within: float
) -> Outcome | None:
    """A differential SendLocalList with what changed; None when the station's list is current."""
    station = await session.get(Station, station_id)
    if station is None:
        return None
    wanted = await local_lists.request(session, station, {"updateType": "Differential"})
    if not wanted.get("localAuthorizationList"):
        return None
    try:
        result = await send_command(
            session,
            actor,
            bus,
            station_id,
            Command.SEND_LOCAL_LIST,
            {"updateType": "Differential"},
            answer_within=answer_within,
        )
    except StationOffline:
        return Outcome(Result.OFFLINE, "Not connected: it gets the list when it is sent next.")
    except NoAnswer as err:
        return Outcome(Result.TIMED_OUT, err.detail)
    except LaturiError as err:
        return Outcome(
            Result.REJECTED if isinstance(err, CommandFailed) else Result.FAILED, err.message
        )
    status = str(result.answer.get("status") or "answered")
    return Outcome(
        Result.ACCEPTED if result.accepted else Result.REJECTED, f"Local list: {status}."
    )
