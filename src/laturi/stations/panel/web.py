"""Panel pages for charging stations: the list, adding one, unknown stations, the station view.

Editing lives in `web_edit`, remote commands in `web_commands`; this router includes both.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.auth.permissions import Permission
from laturi.errors import AccessDenied, LaturiError
from laturi.http import Bus, Config, DbSession, settings
from laturi.kit.pagination import ListQuery
from laturi.stations import service
from laturi.stations.panel import feed
from laturi.stations.panel import service as panel
from laturi.stations.panel.web_commands import router as commands_router
from laturi.stations.panel.web_edit import router as edit_router
from laturi.stations.panel.web_shared import (
    PRESENTATION,
    station_context,
)
from laturi.web.csrf import verify_csrf
from laturi.web.pages import form_int, is_htmx, list_query, redirect, render, undo

router = APIRouter(prefix="/stations", dependencies=[Depends(verify_csrf)])
router.include_router(edit_router)
router.include_router(commands_router)

ADD_FIELDS = ("name", "identifier", "group_id")
FEED_PAGE = 32


def _long_list(request: Request) -> ListQuery:
    """A feed's paging: like the lists', but a day of events fits on a longer page."""
    query = list_query(request)
    size = request.query_params.get("size", "")
    return query if size.isdigit() else replace(query, size=FEED_PAGE)


def _day(request: Request, actor: Actor) -> date:
    try:
        return date.fromisoformat(request.query_params.get("day", ""))
    except ValueError:
        return feed.today(actor)


@router.get("")
async def list_page(request: Request, actor: WebActor, session: DbSession, bus: Bus) -> Response:
    group_id = form_int(request.query_params.get("group"))
    found = await panel.station_list(session, actor, list_query(request), bus, group_id)
    context = {"listing": found, "page": found.page, "group_id": group_id, **PRESENTATION}
    template = _template(request, "list", "_table", rows=("station-rows", "_rows"))
    return render(request, f"stations/{template}.html", context)


def _template(request: Request, page: str, fragment: str, *, rows: tuple[str, str]) -> str:
    """What an HTMX request asks for: a table body polling for its rows (`rows` is its id and
    template), the list fragment; without HTMX, the whole page.
    """
    if not is_htmx(request):
        return page
    body_id, body = rows
    return body if request.headers.get("hx-target") == body_id else fragment


@router.get("/new")
async def new_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    form = {"identifier": request.query_params.get("identifier", "")}
    return await _add_form(request, session, actor, form)


async def _add_form(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    form: dict[str, str],
    err: LaturiError | None = None,
) -> Response:
    """The add form; adding is the admins' (checked here so basic operators see why)."""
    if err is None:
        actor.require(Permission.ADD_REMOVE_STATIONS)
    context = {
        "groups": await panel.group_choices(session, actor),
        "form": form,
        "errors": {err.field or "_": err.message} if err else {},
    }
    return render(request, "stations/new.html", context, status=err.status if err else 200)


@router.post("/new")
async def create(request: Request, actor: WebActor, session: DbSession) -> Response:
    raw = await request.form()
    form = {name: str(raw.get(name, "")) for name in ADD_FIELDS}
    data = service.StationInput(
        name=form["name"], identifier=form["identifier"], group_id=form_int(form["group_id"])
    )
    try:
        station = await service.create_station(session, actor, data)
    except AccessDenied:
        raise  # the error page, not the form
    except LaturiError as err:
        await undo(session, err)
        return await _add_form(request, session, actor, form, err)
    return redirect(request, f"/stations/{station.id}", f"Charging station {station.name} added.")


@router.get("/unknown")
async def unknown_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    found = await panel.unknown_stations(session, actor)
    address = service.ocpp_address(settings(request).base_url, found.tenant, "")
    return render(request, "stations/unknown.html", {"unknown": found, "address": address})


@router.get("/{station_id:int}")
async def view_page(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus
) -> Response:
    if is_htmx(request):  # the charging points refreshing themselves
        points = await station_context(session, actor, station_id, bus, header=False)
        # The header's state line comes along, swapped out of band (hx-swap-oob).
        return render(request, "stations/_points.html", {**points, "refreshing": True})
    context = await station_context(session, actor, station_id, bus)
    return render(request, "stations/view.html", context)


@router.get("/{station_id:int}/events")
async def events_page(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus
) -> Response:
    day = _day(request, actor)
    params = request.query_params
    where = feed.EventQuery(day, params.get("status") or None, params.get("error") or None)
    query = _long_list(request)
    events = await feed.events(session, actor, station_id, where, query)
    context: dict[str, Any] = {
        "station_id": station_id,
        "page": events,
        "where": where,
        **_days(day, actor),
        "statuses": panel.OCPP_STATUSES,
        "error_codes": panel.OCPP_ERRORS,
    }
    template = _template(request, "events", "_events", rows=("event-rows", "_event_rows"))
    if is_htmx(request):
        return render(request, f"stations/{template}.html", {**context, **PRESENTATION})
    context.update(await station_context(session, actor, station_id, bus))
    return render(request, "stations/events.html", context)


def _days(day: date, actor: Actor) -> dict[str, Any]:
    today = feed.today(actor)
    later = day + timedelta(days=1)
    return {"day": day, "previous_day": day - timedelta(days=1), "next_day": later, "today": today}


@router.get("/{station_id:int}/statistics")
async def statistics_page(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus
) -> Response:
    days = 30 if request.query_params.get("days") == "30" else 7
    figures = await feed.statistics(session, actor, station_id, days)
    context = await station_context(session, actor, station_id, bus)
    context.update(figures=figures, days=days)
    return render(request, "stations/statistics.html", context)


@router.get("/{station_id:int}/messages")
async def messages_page(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus, config: Config
) -> Response:
    day = _day(request, actor)
    direction = request.query_params.get("direction") or None
    direction = direction if direction in ("in", "out") else None
    query = _long_list(request)
    found = await feed.messages(session, actor, station_id, query, direction=direction, day=day)
    context: dict[str, Any] = {
        "station_id": station_id,
        "page": found,
        "direction": direction or "",
        "keep_days": config.ocpp_log_days,
        **_days(day, actor),
    }
    if is_htmx(request):
        return render(request, "stations/_messages.html", {**context, **PRESENTATION})
    context.update(await station_context(session, actor, station_id, bus))
    return render(request, "stations/messages.html", context)
