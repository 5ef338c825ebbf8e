"""The Reports page of the panel: FROM/TO and filters, SHOW DATA and EXPORT CSV."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.errors import ValidationFailed
from laturi.http import DbSession
from laturi.kit.pagination import ListQuery
from laturi.reports import choices, service
from laturi.reports.csv_export import Decimals, Options
from laturi.reports.panel.api import csv_response
from laturi.sessions import filter_params
from laturi.stations.panel import feed
from laturi.stations.panel.web_shared import PRESENTATION
from laturi.web.csrf import verify_csrf
from laturi.web.pages import list_query, render
from laturi.web.query_strings import keep, pages_around

router = APIRouter(prefix="/reports", dependencies=[Depends(verify_csrf)])
PAGE_SIZE = 8  # the manual's "SHOW 8 ELEMENTS PER PAGE"


def last_month(today: date) -> tuple[date, date]:
    """The default report: the whole previous calendar month."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _query(request: Request) -> ListQuery:
    query = list_query(request)
    if request.query_params.get("size", "").isdigit():
        return query
    return ListQuery(query.search, query.sort, query.descending, query.page, PAGE_SIZE)


async def _page(
    request: Request, session: AsyncSession, actor: Actor, err: ValidationFailed | None = None
) -> Response:
    first, last = last_month(feed.today(actor))
    params = request.query_params
    context: dict[str, Any] = {
        "params": params,
        "first": params.get("from") or first.isoformat(),
        "last": params.get("to") or last.isoformat(),
        "decimals": params.get("decimals") or Decimals.COMMA.value,
        "choices": await choices.choices(session, actor),
        "kept": keep(request, "page", "sort", "size"),
        "pages_around": pages_around,
        "report": None,
        "errors": {err.field or "_": err.message} if err else {},
        **PRESENTATION,
    }
    if err is None and "from" in params:
        try:
            filters = filter_params.parse(params.getlist)
            context["report"] = await service.show(session, actor, filters, _query(request))
        except ValidationFailed as failed:
            context["errors"] = {failed.field or "_": failed.message}
            err = failed
    return render(request, "reports/index.html", context, status=err.status if err else 200)


@router.get("")
async def report_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    return await _page(request, session, actor)


@router.get("/export.csv")
async def export(request: Request, actor: WebActor, session: DbSession) -> Response:
    """EXPORT CSV: the report's rows streamed; a wrong filter shows the form with its error."""
    params = request.query_params
    try:
        decimals = Decimals(params.get("decimals") or Decimals.COMMA.value)
    except ValueError:
        return await _page(
            request, session, actor, ValidationFailed("Choose comma or point.", field="decimals")
        )
    try:
        filters = filter_params.parse(params.getlist)
        query = ListQuery(sort=list_query(request).sort or service.DEFAULT_SORT)
        found = await service.prepare_export(session, actor, filters, Options(decimals), query)
    except ValidationFailed as err:
        return await _page(request, session, actor, err)
    return csv_response(request.app.state.db, found)
