"""REST routes for the charging report: JSON, and CSV streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from laturi.auth.dependencies import ApiActor
from laturi.db import Database
from laturi.http import DbSession
from laturi.kit.pagination import ListQuery
from laturi.reports import service
from laturi.reports.csv_export import Decimals, Options
from laturi.sessions.browse import Filters
from laturi.sessions.panel.api import api_filters, session_out
from laturi.sessions.schemas import SessionOut

router = APIRouter(prefix="/reports", tags=["reports"])
SORT_HELP = "user, token, station, point, energy, start, end (default); '-' descending"


class DayOut(BaseModel):
    day: str
    sessions: int
    energy_wh: int


class ReportOut(BaseModel):
    first: str
    last: str
    time_zone: str
    sessions: int
    energy_wh: int = Field(description="Total charging volume")
    days: list[DayOut] = Field(description="Per local day the sessions ended")
    items: list[SessionOut]
    total: int
    page: int
    size: int


@router.get("/charging")
async def charging_report(
    actor: ApiActor,
    session: DbSession,
    filters: Filters = Depends(api_filters),
    sort: str = Query("end", description=SORT_HELP),
    page: int = Query(1, ge=1),
    size: int = Query(50, ge=1, le=500),
) -> ReportOut:
    """The report of sessions that ended FROM..TO (local days in your time zone)."""
    query = ListQuery.parse(search=None, sort=sort, page=page, size=size)
    found = await service.show(session, actor, filters, query)
    return ReportOut(
        first=found.period.first.isoformat(),
        last=found.period.last.isoformat(),
        time_zone=found.period.time_zone,
        sessions=found.sessions,
        energy_wh=found.energy_wh,
        days=[
            DayOut(day=d.day.isoformat(), sessions=d.sessions, energy_wh=d.energy_wh)
            for d in found.days
        ],
        items=[session_out(r) for r in found.page.items],
        total=found.page.total,
        page=page,
        size=size,
    )


@router.get(
    "/charging.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
async def charging_report_csv(
    request: Request,
    actor: ApiActor,
    session: DbSession,
    filters: Filters = Depends(api_filters),
    decimals: Decimals = Query(Decimals.COMMA, description="comma (fields by ';') or point (',')"),
    sort: str = Query("end", description=SORT_HELP),
) -> StreamingResponse:
    """Every row of the report as CSV, UTF-8, times in your time zone (named in the header)."""
    query = ListQuery.parse(search=None, sort=sort, page=1, size=1)
    export = await service.prepare_export(session, actor, filters, Options(decimals), query)
    return csv_response(request.app.state.db, export)


def csv_response(database: Database, export: service.Export) -> StreamingResponse:
    """The export streamed from a session of its own (the request's is closed by then)."""

    async def body() -> AsyncIterator[str]:
        async with database.sessions() as session:
            async for piece in service.stream(session, export):
                yield piece

    disposition = f'attachment; filename="{export.filename}"'
    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )
