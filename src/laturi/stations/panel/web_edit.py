"""Edit charging station: the Basic settings, Advanced settings and Charging points tabs.

Only admins edit stations; every page here starts from `panel.editable`, which says
"Access denied." to basic operators.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.bus import CommandFailed, InvalidRequest, StationBus, StationOffline
from laturi.errors import LaturiError, ValidationFailed
from laturi.http import Bus, Config, DbSession, settings
from laturi.models.charging_point import MAX_SOCKETS, SocketType
from laturi.stations import service
from laturi.stations.commands import configuration
from laturi.stations.commands import service as commands
from laturi.stations.panel import service as panel
from laturi.web.pages import form_int, redirect, render, render_part, undo

router = APIRouter()

BASIC_FIELDS = ("name", "group_id", "free_charging", "password", "remove_password", "version")
# What went wrong talking to the station: shown on the page, never an error page.
STATION_ERRORS = (StationOffline, CommandFailed, InvalidRequest, ValidationFailed)
Draft = list[tuple[str, str]]


async def _editable_context(
    session: AsyncSession, actor: Actor, station_id: int, bus: StationBus, tab: str
) -> dict[str, Any]:
    detail = await panel.editable(session, actor, station_id, bus)
    return {"detail": detail, "row": detail.row, "station": detail.row.station, "tab": tab}


# --- Basic settings -------------------------------------------------------------------------


@router.get("/{station_id:int}/edit")
async def basic_page(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus
) -> Response:
    return await _basic(request, session, actor, bus, station_id)


async def _basic(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    bus: StationBus,
    station_id: int,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = await _editable_context(session, actor, station_id, bus, "basic")
    station = context["station"]
    if form is None:
        form = {
            "name": station.name,
            "group_id": str(station.group_id or ""),
            "free_charging": "1" if station.free_charging else "",
            "version": str(station.version),
        }
    address = service.ocpp_address(
        settings(request).base_url, context["detail"].tenant, station.identifier
    )
    context.update(
        groups=await panel.group_choices(session, actor),
        form=form,
        errors=errors or {},
        ocpp_address=address,
    )
    return render(request, "stations/edit_basic.html", context, status=status)


def _update(form: dict[str, str]) -> service.StationUpdate:
    password = "" if form["remove_password"] else (form["password"] or None)
    return service.StationUpdate(
        name=form["name"],
        group_id=form_int(form["group_id"]),
        free_charging=bool(form["free_charging"]),
        password=password,
        version=form_int(form["version"]),
    )


@router.post("/{station_id:int}/edit")
async def update(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus
) -> Response:
    raw = await request.form()
    form = {name: str(raw.get(name, "")) for name in BASIC_FIELDS}
    try:
        station = await service.update_station(session, actor, station_id, _update(form))
    except LaturiError as err:
        await undo(session, err)
        form["password"] = ""  # never sent back to the browser
        errors = {err.field or "_": err.message}
        return await _basic(request, session, actor, bus, station_id, form, errors, err.status)
    return redirect(request, f"/stations/{station.id}", "Changes saved.")


@router.post("/{station_id:int}/delete")
async def delete(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus
) -> Response:
    version = form_int((await request.form()).get("version"))
    try:
        outcome = await service.delete_station(session, actor, station_id, version)
    except LaturiError as err:
        await undo(session, err)
        errors = {"delete": err.message}
        return await _basic(request, session, actor, bus, station_id, None, errors, err.status)
    if outcome is service.Deletion.ORPHANED:
        return redirect(request, "/stations", "Charging station is now an orphan station.")
    # Committed first, so the device's reconnection finds the station gone.
    await session.commit()
    await bus.disconnect(station_id)
    return redirect(request, "/stations", "Charging station deleted for good.")


# --- Advanced settings ------------------------------------------------------------------------


@router.get("/{station_id:int}/edit/advanced")
async def advanced_page(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus
) -> Response:
    """The keys the station last reported; changeable only while it is connected."""
    context = await _advanced_context(session, actor, station_id, bus)
    return render(request, "stations/edit_advanced.html", context)


async def _advanced_context(
    session: AsyncSession, actor: Actor, station_id: int, bus: StationBus
) -> dict[str, Any]:
    context = await _editable_context(session, actor, station_id, bus, "advanced")
    stored = await configuration.stored(session, actor, station_id, bus)
    return {**context, "config": stored, "keys": stored.keys}


@router.post("/{station_id:int}/edit/advanced")
async def refresh_configuration(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus, config: Config
) -> Response:
    """REFRESH CONFIGURATION: GetConfiguration, every key shown, read-only ones greyed."""
    await panel.editable(session, actor, station_id, bus)
    error = None
    try:
        await commands.refresh_configuration(
            session, actor, bus, station_id, answer_within=config.ocpp_command_timeout
        )
    except STATION_ERRORS as err:
        error = err.message
    context = await _advanced_context(session, actor, station_id, bus)
    context.update(refresh_error=error)
    return render_part(request, "stations/_config.html", "stations/edit_advanced.html", context)


@router.post("/{station_id:int}/edit/advanced/change")
async def change_configuration(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus, config: Config
) -> Response:
    """ChangeConfiguration of one key; the station's answer is shown beside it."""
    await panel.editable(session, actor, station_id, bus)
    raw = await request.form()
    typed = commands.ConfigurationKey(str(raw.get("key", "")), str(raw.get("value", "")), False)
    answer, error = None, None
    try:
        result = await commands.send_command(
            session,
            actor,
            bus,
            station_id,
            commands.Command.CHANGE_CONFIGURATION,
            {"key": typed.key, "value": typed.value},
            answer_within=config.ocpp_command_timeout,
        )
        answer, error = str(result.answer.get("status", "")), result.message
    except STATION_ERRORS as err:
        error = err.message
    context = await _advanced_context(session, actor, station_id, bus)
    # The row shows what the station holds now; a key it never reported, as typed.
    key = context["config"].get(typed.key) or typed
    context.update(key=key, changed=typed.key, answer=answer, config_error=error)
    return render_part(request, "stations/_config_row.html", "stations/edit_advanced.html", context)


# --- Charging points and their sockets -----------------------------------------------------


@router.get("/{station_id:int}/edit/points")
async def points_page(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus
) -> Response:
    return await _points(request, session, actor, bus, station_id)


async def _points(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    bus: StationBus,
    station_id: int,
    drafts: dict[int, Draft] | None = None,
    errors: dict[int, str] | None = None,
    status: int = 200,
) -> Response:
    context = await _editable_context(session, actor, station_id, bus, "points")
    stored = {
        p.point.connector_id: [(s.type, _shown_power(s.max_power_kw)) for s in p.sockets]
        for p in context["detail"].points
    }
    context.update(
        sockets={**stored, **(drafts or {})},
        point_errors=errors or {},
        socket_types=[t.value for t in SocketType],
        max_sockets=MAX_SOCKETS,
    )
    return render(request, "stations/edit_points.html", context, status=status)


def _shown_power(power: Decimal | None) -> str:
    return "" if power is None else f"{power.normalize():f}"


def _power(text: str) -> Decimal | None:
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation as err:
        raise ValidationFailed(service.POWER_ERROR, field="max_power_kw") from err
    if not value.is_finite():
        raise ValidationFailed(service.POWER_ERROR, field="max_power_kw")
    return value


def _draft(types: list[str], powers: list[str], remove: int | None) -> Draft:
    """The rows the operator left: without the removed one and without blank new rows."""
    rows = zip(types, powers + [""] * (len(types) - len(powers)), strict=False)
    return [(t, p) for n, (t, p) in enumerate(rows) if n != remove and t.strip()]


@router.post("/{station_id:int}/edit/points/{connector_id:int}")
async def save_sockets(
    request: Request,
    station_id: int,
    connector_id: int,
    actor: WebActor,
    session: DbSession,
    bus: Bus,
) -> Response:
    raw = await request.form()
    types = [str(v) for v in raw.getlist("type")]
    powers = [str(v) for v in raw.getlist("max_power_kw")]
    draft = _draft(types, powers, form_int(raw.get("remove")))
    try:
        sockets = [service.SocketInput(t, _power(p)) for t, p in draft]
        await service.set_sockets(session, actor, station_id, connector_id, sockets)
    except ValidationFailed as err:
        await undo(session, err)
        drafts, errors = {connector_id: draft}, {connector_id: err.message}
        return await _points(request, session, actor, bus, station_id, drafts, errors, err.status)
    return redirect(request, f"/stations/{station_id}/edit/points", "Sockets saved.")
