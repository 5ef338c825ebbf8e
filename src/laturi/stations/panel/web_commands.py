"""Remote commands from the station view: the command menu, RELEASE CABLE, START/STOP CHARGING.

Each command shows the station's answer. A refusal or no answer in time reads "Remote
command execution failed."; an offline station is reported before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.bus import (
    COMMAND_FAILED,
    CommandFailed,
    InvalidRequest,
    Payload,
    StationBus,
    StationOffline,
)
from laturi.errors import NotFound, ValidationFailed
from laturi.http import Bus, Config, DbSession
from laturi.kit.time import utcnow
from laturi.stations.commands import service as commands
from laturi.stations.commands.service import Command, CommandResult, ConfigurationKey
from laturi.stations.panel.web_shared import station_context
from laturi.web.pages import form_int, is_htmx, render

router = APIRouter()

STATION_ERRORS = (StationOffline, CommandFailed, InvalidRequest, ValidationFailed)
Params = Callable[[FormData, Actor], Payload]


@dataclass(frozen=True)
class PanelCommand:
    label: str
    command: Command
    params: Params


@dataclass(frozen=True)
class Outcome:
    """What the operator reads after a command: the station's answer, or why it failed."""

    label: str
    level: str  # a Bootstrap alert colour
    message: str
    detail: str = ""
    keys: list[ConfigurationKey] | None = None


def _connector(form: FormData, default: int = 1) -> int:
    found = form_int(form.get("connector_id"))
    return default if found is None else found


def _location(form: FormData) -> str:
    location = str(form.get("location", "")).strip()
    if not location:
        raise ValidationFailed("Location URL is required.", field="location")
    return location


def _retrieve_date(form: FormData, actor: Actor) -> str:
    """The retrieve time, typed in the operator's time zone, as OCPP's UTC dateTime."""
    text = str(form.get("retrieve_at", "")).strip()
    try:
        local = datetime.fromisoformat(text) if text else None
    except ValueError as err:
        raise ValidationFailed("Invalid retrieve time.", field="retrieve_at") from err
    moment = local.replace(tzinfo=ZoneInfo(actor.time_zone)) if local else utcnow()
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id_tag(form: FormData) -> str:
    tag = str(form.get("id_tag", "")).strip()
    if not tag:
        raise ValidationFailed("Choose the token to charge with.", field="id_tag")
    if len(tag) > 20:
        raise ValidationFailed("Token is too long (20 characters at most).", field="id_tag")
    return tag


def _availability(kind: str) -> Params:
    return lambda form, _: {"connectorId": _connector(form, 0), "type": kind}


COMMANDS: dict[str, PanelCommand] = {
    "clear-cache": PanelCommand("Clear cache", Command.CLEAR_CACHE, lambda f, a: {}),
    "soft-reset": PanelCommand("Soft reset", Command.RESET, lambda f, a: {"type": "Soft"}),
    "hard-reset": PanelCommand("Hard reset", Command.RESET, lambda f, a: {"type": "Hard"}),
    "set-available": PanelCommand(
        "Set available", Command.CHANGE_AVAILABILITY, _availability("Operative")
    ),
    "set-unavailable": PanelCommand(
        "Set unavailable", Command.CHANGE_AVAILABILITY, _availability("Inoperative")
    ),
    "firmware-update": PanelCommand(
        "Firmware update",
        Command.UPDATE_FIRMWARE,
        lambda f, a: {"location": _location(f), "retrieveDate": _retrieve_date(f, a)},
    ),
    "get-diagnostics": PanelCommand(
        "Get diagnostics", Command.GET_DIAGNOSTICS, lambda f, a: {"location": _location(f)}
    ),
    "release-cable": PanelCommand(
        "Release cable", Command.UNLOCK_CONNECTOR, lambda f, a: {"connectorId": _connector(f)}
    ),
    "start-charging": PanelCommand(
        "Start charging",
        Command.REMOTE_START_TRANSACTION,
        lambda f, a: {"connectorId": _connector(f), "idTag": _id_tag(f)},
    ),
}
REFRESH = "refresh-configuration"
STOP = "stop-charging"
LABELS = {REFRESH: "Refresh configuration", STOP: "Stop charging"} | {
    name: c.label for name, c in COMMANDS.items()
}


def answer_text(result: CommandResult) -> str:
    """The station's answer in a word or two."""
    answer = result.answer
    if answer.get("status"):
        return str(answer["status"])
    if answer.get("fileName"):
        return f"Accepted, file {answer['fileName']}"
    return "Accepted"


def _judged(label: str, result: CommandResult) -> Outcome:
    said = f"The charging station answered {answer_text(result)}."
    if result.accepted:
        return Outcome(label, "success", f"{label}: {answer_text(result)}", said)
    return Outcome(label, "danger", result.message or COMMAND_FAILED, said)


def _failed(label: str, err: Exception) -> Outcome:
    level = "warning" if isinstance(err, StationOffline) else "danger"
    message = getattr(err, "message", str(err))
    return Outcome(label, level, message, getattr(err, "detail", ""))


async def _run(
    session: AsyncSession,
    actor: Actor,
    bus: StationBus,
    station_id: int,
    name: str,
    form: FormData,
    answer_within: float,
) -> Outcome:
    """Send the named command; what the station said, or why nothing came of it."""
    label = LABELS[name]
    try:
        if name == REFRESH:
            keys = await commands.refresh_configuration(
                session, actor, bus, station_id, answer_within=answer_within
            )
            message = f"{label}: {len(keys)} configuration keys read."
            return Outcome(label, "success", message, keys=keys)
        if name == STOP:
            result = await commands.stop_charging(
                session, actor, bus, station_id, _connector(form), answer_within=answer_within
            )
        else:
            chosen = COMMANDS[name]
            params = chosen.params(form, actor)
            result = await commands.send_command(
                session, actor, bus, station_id, chosen.command, params, answer_within=answer_within
            )
    except STATION_ERRORS as err:
        return _failed(label, err)
    return _judged(label, result)


@router.post("/{station_id:int}/commands/{name}")
async def send(
    request: Request,
    station_id: int,
    name: str,
    actor: WebActor,
    session: DbSession,
    bus: Bus,
    config: Config,
) -> Response:
    if name not in LABELS:
        raise NotFound("Unknown command.")
    form = await request.form()
    outcome = await _run(session, actor, bus, station_id, name, form, config.ocpp_command_timeout)
    if is_htmx(request):
        return render(request, "stations/_answer.html", {"outcome": outcome})
    context: dict[str, Any] = await station_context(session, actor, station_id, bus)
    return render(request, "stations/view.html", {**context, "outcome": outcome})
