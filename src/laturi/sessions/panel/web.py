"""Panel pages for charging sessions: the domain's list, a station's tab, a session."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.errors import Conflict, LaturiError, ValidationFailed
from laturi.http import Bus, DbSession
from laturi.kit.pagination import ListQuery, Page
from laturi.reports import choices
from laturi.sessions import browse, chart, filter_params
from laturi.sessions.browse_repository import SessionRow
from laturi.stations.panel.web_shared import PRESENTATION, station_context
from laturi.web.csrf import verify_csrf
from laturi.web.pages import list_query, redirect, render, undo
from laturi.web.query_strings import keep, pages_around

router = APIRouter(dependencies=[Depends(verify_csrf)])
PAGE_SIZE = 32


def duration(row: SessionRow) -> str:
    """Hours and minutes from start to end (to now while open is not shown)."""
    if row.stopped_at is None:
        return ""
    minutes = max(int((row.stopped_at - row.started_at).total_seconds() // 60), 0)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _query(request: Request) -> ListQuery:
    query = list_query(request)
    if request.query_params.get("size", "").isdigit():
        return query
    return ListQuery(query.search, query.sort, query.descending, query.page, PAGE_SIZE)


async def _listing(
    request: Request, session: AsyncSession, actor: Actor, station_id: int | None
) -> tuple[dict[str, Any], int]:
    """The list's context; a filter the operator got wrong is shown beside its field."""
    context: dict[str, Any] = {
        "params": request.query_params,
        "kept": keep(request, "page", "sort", "size"),
        "pages_around": pages_around,
        "duration": duration,
        **PRESENTATION,
    }
    query = _query(request)
    try:
        filters = filter_params.parse(request.query_params.getlist)
        if station_id is None:
            page = await browse.list_sessions(session, actor, filters, query)
        else:
            page = await browse.station_sessions(session, actor, station_id, filters, query)
    except ValidationFailed as err:
        context.update(errors={err.field or "_": err.message}, page=Page([], 0, query))
        return context, err.status
    context["page"] = page
    return context, 200


@router.get("/sessions")
async def list_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    context, status = await _listing(request, session, actor, None)
    context.update(base="/sessions", station=None, choices=await choices.choices(session, actor))
    return render(request, "sessions/list.html", context, status=status)


@router.get("/stations/{station_id:int}/sessions")
async def station_tab(
    request: Request, station_id: int, actor: WebActor, session: DbSession, bus: Bus
) -> Response:
    header = await station_context(session, actor, station_id, bus)
    context, status = await _listing(request, session, actor, station_id)
    context.update(header, base=f"/stations/{station_id}/sessions")
    return render(request, "sessions/station.html", context, status=status)


@router.get("/sessions/{transaction_id:int}")
async def detail_page(
    request: Request, transaction_id: int, actor: WebActor, session: DbSession
) -> Response:
    return await _detail(request, session, actor, transaction_id)


async def _detail(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    transaction_id: int,
    err: LaturiError | None = None,
) -> Response:
    found = await browse.session_detail(session, actor, transaction_id)
    context = {
        "detail": found,
        "chart": chart.series(found.samples, actor.time_zone, found.transaction.meter_start),
        "errors": {"_": err.message} if err else {},
        **PRESENTATION,
    }
    return render(request, "sessions/detail.html", context, status=err.status if err else 200)


@router.post("/sessions/{transaction_id:int}/close")
async def close(
    request: Request, transaction_id: int, actor: WebActor, session: DbSession
) -> Response:
    try:
        found = await browse.close_session(session, actor, transaction_id)
    except Conflict as err:  # ended meanwhile: the page says so and shows how it ended
        await undo(session, err)
        return await _detail(request, session, actor, transaction_id, err)
    flash = f"Charging session {found.id} ended at {found.meter_stop} Wh."
    return redirect(request, f"/sessions/{found.id}", flash)
