"""Commands to a station, for any edge (panel, REST API, later the scheduler).

Parameters are OCPP's own (camelCase payload), passed through as given so that odd
requests (an unknown transaction id, connector or key) reach the station and its answer
can be seen. The OCPP edge checks them against the schema before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.bus import COMMAND_FAILED, CommandFailed, Payload, StationBus, StationOffline
from laturi.errors import NotFound
from laturi.models import Station
from laturi.models.station_event import EventKind
from laturi.sessions import repository as sessions_repository
from laturi.stations import lifecycle
from laturi.stations.commands import (
    authorization_key,
    charging_profiles,
    configuration,
    local_lists,
    remote_start,
)
from laturi.stations.service import visible_station

CONFIGURATION_ERROR = "Charging point configuration error."


class Command(StrEnum):
    CHANGE_AVAILABILITY = "ChangeAvailability"
    CHANGE_CONFIGURATION = "ChangeConfiguration"
    CLEAR_CACHE = "ClearCache"
    GET_CONFIGURATION = "GetConfiguration"
    REMOTE_START_TRANSACTION = "RemoteStartTransaction"
    REMOTE_STOP_TRANSACTION = "RemoteStopTransaction"
    RESET = "Reset"
    UNLOCK_CONNECTOR = "UnlockConnector"
    UPDATE_FIRMWARE = "UpdateFirmware"
    GET_DIAGNOSTICS = "GetDiagnostics"
    TRIGGER_MESSAGE = "TriggerMessage"
    SET_CHARGING_PROFILE = "SetChargingProfile"
    CLEAR_CHARGING_PROFILE = "ClearChargingProfile"
    GET_COMPOSITE_SCHEDULE = "GetCompositeSchedule"
    SEND_LOCAL_LIST = "SendLocalList"
    GET_LOCAL_LIST_VERSION = "GetLocalListVersion"


# The answers that mean the station did it; None: any well-formed answer does.
SUCCESS: dict[Command, frozenset[str] | None] = {
    Command.CHANGE_AVAILABILITY: frozenset({"Accepted", "Scheduled"}),
    Command.CHANGE_CONFIGURATION: configuration.CHANGED,
    Command.CLEAR_CACHE: frozenset({"Accepted"}),
    Command.GET_CONFIGURATION: None,
    Command.REMOTE_START_TRANSACTION: frozenset({"Accepted"}),
    Command.REMOTE_STOP_TRANSACTION: frozenset({"Accepted"}),
    Command.RESET: frozenset({"Accepted"}),
    Command.UNLOCK_CONNECTOR: frozenset({"Unlocked"}),
    Command.UPDATE_FIRMWARE: None,
    Command.GET_DIAGNOSTICS: None,
    Command.TRIGGER_MESSAGE: frozenset({"Accepted"}),
    Command.SET_CHARGING_PROFILE: frozenset({"Accepted"}),
    Command.CLEAR_CHARGING_PROFILE: frozenset({"Accepted"}),
    Command.GET_COMPOSITE_SCHEDULE: frozenset({"Accepted"}),
    Command.SEND_LOCAL_LIST: frozenset({"Accepted"}),
    Command.GET_LOCAL_LIST_VERSION: None,
}
# Sending commands is every operator's; these belong to what basic operators can not do.
NEEDS: dict[Command, Permission] = {
    Command.UPDATE_FIRMWARE: Permission.UPDATE_FIRMWARE,
    Command.CHANGE_CONFIGURATION: Permission.EDIT_STATIONS,
}
CONFIGURATION = {Command.GET_CONFIGURATION, Command.CHANGE_CONFIGURATION}


@dataclass(frozen=True)
class CommandResult:
    """The station's answer; `message` is the manual's failure wording when it refused."""

    command: Command
    accepted: bool
    answer: Payload
    message: str | None = None


@dataclass(frozen=True)
class ConfigurationKey:
    key: str
    value: str | None
    readonly: bool


async def send_command(
    session: AsyncSession,
    actor: Actor,
    bus: StationBus,
    station_id: int,
    command: Command,
    params: Payload,
    *,
    answer_within: float,
) -> CommandResult:
    """Send one command and return the station's answer.

    Raises StationOffline before sending when the station is not connected, and
    CommandFailed (the manual's "Remote command execution failed.") when it answers with an
    error or not at all in time.
    """
    actor.require(_needs(command, params))
    station = await visible_station(session, actor, station_id)
    if not bus.is_online(station.id):
        raise StationOffline()
    station_id = station.id
    payload = await _complete(session, station, command, dict(params))
    # Nothing is written yet: end the read transaction rather than hold a database snapshot
    # for as long as the station takes to answer (up to the timeout). On SQLite a write
    # after such a wait would fail on the stale snapshot. The one deliberate commit in a
    # service; the edge still commits the command's event at its end.
    await session.commit()
    try:
        answer = await bus.call(station_id, command.value, payload, answer_within)
    except CommandFailed as err:
        await _note(session, station_id, command, f"failed: {err.detail}")
        raise _worded(command, err) from err
    await _remember(session, station_id, command, payload, answer)
    return await _judge(session, station_id, command, answer)


async def refresh_configuration(
    session: AsyncSession, actor: Actor, bus: StationBus, station_id: int, *, answer_within: float
) -> list[ConfigurationKey]:
    """REFRESH CONFIGURATION: every key the station reports, read-only ones marked."""
    result = await send_command(
        session, actor, bus, station_id, Command.GET_CONFIGURATION, {}, answer_within=answer_within
    )
    keys: Sequence[dict[str, Any]] = result.answer.get("configurationKey") or []
    return [
        ConfigurationKey(k["key"], k.get("value"), bool(k.get("readonly", False))) for k in keys
    ]


async def stop_charging(
    session: AsyncSession,
    actor: Actor,
    bus: StationBus,
    station_id: int,
    connector_id: int,
    *,
    answer_within: float,
) -> CommandResult:
    """STOP CHARGING: remote-stop the open transaction on that charging point."""
    station = await visible_station(session, actor, station_id)
    open_ones = await sessions_repository.open_at(session, station.id)
    found = next((t for t in open_ones if t.connector_id == connector_id), None)
    if found is None:
        raise NotFound("No charging in progress on that charging point.")
    params = {"transactionId": found.id}
    return await send_command(
        session,
        actor,
        bus,
        station_id,
        Command.REMOTE_STOP_TRANSACTION,
        params,
        answer_within=answer_within,
    )


def _needs(command: Command, params: Payload) -> Permission:
    # A hand-written local list decides who may charge offline, past the authorization
    # rule: that is configuring the station, not operating it.
    if command is Command.SEND_LOCAL_LIST and "localAuthorizationList" in params:
        return Permission.EDIT_STATIONS
    return NEEDS.get(command, Permission.SEND_COMMANDS)


async def _complete(
    session: AsyncSession, station: Station, command: Command, params: Payload
) -> Payload:
    """Fill what the operator need not give, and refuse what breaks OCPP's rules."""
    if command is Command.SEND_LOCAL_LIST:
        return await local_lists.request(session, station, params)
    if command is Command.CHANGE_CONFIGURATION and authorization_key.is_key(params):
        authorization_key.check(params)
    if command is Command.SET_CHARGING_PROFILE:
        charging_profiles.check_set(params)
    if command is Command.REMOTE_START_TRANSACTION:
        charging_profiles.check_remote_start(params)
        await remote_start.check(session, station, params)
    return params


async def _remember(
    session: AsyncSession, station_id: int, command: Command, sent: Payload, answer: Payload
) -> None:
    """What the answer tells us the station now holds: its local list and configuration."""
    if command is Command.SEND_LOCAL_LIST and answer.get("status") == "Accepted":
        await local_lists.accepted(session, station_id, sent)
    elif command is Command.GET_LOCAL_LIST_VERSION and isinstance(answer.get("listVersion"), int):
        await local_lists.reported(session, station_id, answer["listVersion"])
    elif command is Command.GET_CONFIGURATION:
        await configuration.remember_read(session, station_id, sent, answer)
    elif command is Command.CHANGE_CONFIGURATION:
        key, value = str(sent.get("key", "")), str(sent.get("value", ""))
        status = str(answer.get("status", ""))
        if authorization_key.is_key(sent):
            if status in configuration.CHANGED:
                await authorization_key.accepted(session, station_id, value)
            value = authorization_key.HIDDEN  # the key is a password: never shown
        await configuration.remember_change(session, station_id, key, value, status)


async def _judge(
    session: AsyncSession, station_id: int, command: Command, answer: Payload
) -> CommandResult:
    allowed = SUCCESS[command]
    status = answer.get("status")
    accepted = allowed is None or status in allowed
    await _note(session, station_id, command, str(status or "answered"))
    failure = CONFIGURATION_ERROR if command in CONFIGURATION else COMMAND_FAILED
    return CommandResult(command, accepted, answer, None if accepted else failure)


def _worded(command: Command, err: CommandFailed) -> CommandFailed:
    if command not in CONFIGURATION:
        return err
    return type(err)(CONFIGURATION_ERROR, detail=err.detail, answer=err.answer)


async def _note(session: AsyncSession, station_id: int, command: Command, outcome: str) -> None:
    await lifecycle.note(session, station_id, EventKind.COMMAND, f"{command.value}: {outcome}")
