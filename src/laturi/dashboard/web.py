"""The landing page (dashboard) and a charging group's statistics view.

Both pages are shells whose sections load and refresh themselves through HTMX: the live
part (counters, donut, group boxes) every few seconds, the figures (last 24 hours and the
consumption chart) every minute.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.dashboard import service
from laturi.dashboard.states import COLOURS, PointState
from laturi.errors import ValidationFailed
from laturi.groups import service as groups
from laturi.http import Bus, DbSession
from laturi.stations.panel.web_shared import PRESENTATION
from laturi.web.csrf import verify_csrf
from laturi.web.pages import form_int, redirect, render

router = APIRouter(dependencies=[Depends(verify_csrf)])
LIVE_SECONDS = 5
FIGURES_SECONDS = 60


def _state(request: Request) -> PointState | None:
    try:
        return PointState(request.query_params.get("state", ""))
    except ValueError:
        return None


def _timeframe(request: Request) -> service.Timeframe:
    try:
        return service.Timeframe(request.query_params.get("frame", ""))
    except ValueError:
        return service.Timeframe.WEEK


def _date(request: Request, name: str) -> date | None:
    try:
        return date.fromisoformat(request.query_params.get(name, ""))
    except ValueError:
        return None


@router.get("/")
async def dashboard(request: Request, actor: WebActor, session: DbSession) -> Response:
    context = {
        "groups": await groups.rows(session, actor),
        "chosen": await service.chosen_groups(session, actor),
        "group": None,
    }
    return render(request, "dashboard/index.html", context)


@router.post("/dashboard/groups")
async def choose_groups(request: Request, actor: WebActor, session: DbSession) -> Response:
    """ "Select groups to display": remembered for the operator, across log-ins."""
    form = await request.form()
    ids = [form_int(v) for v in form.getlist("groups")]
    if any(i is None for i in ids):
        raise ValidationFailed("Not a valid choice.", field="groups")
    await service.choose_groups(session, actor, [i for i in ids if i is not None])
    return redirect(request, "/", "Group selection saved.")


async def _group_scope(
    request: Request, session: AsyncSession, actor: Actor
) -> tuple[int | None, frozenset[int] | None]:
    group_id = form_int(request.query_params.get("group"))
    if group_id is None:
        return None, None
    await service.group_subtree(session, actor, group_id)  # "does not exist" outside the domain
    return group_id, await service.subtree_of(session, actor, group_id)


@router.get("/dashboard/live")
async def live(request: Request, actor: WebActor, session: DbSession, bus: Bus) -> Response:
    group_id, subtree = await _group_scope(request, session, actor)
    shown = [group_id] if group_id else await service.chosen_groups(session, actor)
    found = await service.live(session, actor, bus, shown, _state(request), subtree)
    context: dict[str, Any] = {
        "live": found,
        "group_id": group_id,
        "colours": COLOURS,
        "states": list(PointState),
        "seconds": LIVE_SECONDS,
        "donut": {
            "labels": [s.value for s in PointState],
            "values": [found.donut[s] for s in PointState],
            "colours": [COLOURS[s] for s in PointState],
        },
    }
    return render(request, "dashboard/_live.html", context)


@router.get("/dashboard/figures")
async def figures(request: Request, actor: WebActor, session: DbSession) -> Response:
    group_id, subtree = await _group_scope(request, session, actor)
    frame = _timeframe(request)
    custom = (_date(request, "from"), _date(request, "to"))
    context: dict[str, Any] = {"group_id": group_id, "seconds": FIGURES_SECONDS, **PRESENTATION}
    try:
        context["chart"] = await service.consumption(session, actor, frame, custom, subtree)
    except ValidationFailed as err:
        context["errors"] = {err.field or "_": err.message}
        frame = service.Timeframe.WEEK
        context["chart"] = await service.consumption(session, actor, frame, group_ids=subtree)
    context["day"] = await service.last_24_hours(session, actor, subtree)
    context["frames"] = FRAMES
    return render(request, "dashboard/_figures.html", context)


FRAMES = [
    (service.Timeframe.DAY, "Last 24 h"),
    (service.Timeframe.WEEK, "7 days"),
    (service.Timeframe.MONTH, "30 days"),
    (service.Timeframe.YEAR, "12 months"),
]


@router.get("/groups/{group_id:int}/statistics")
async def group_statistics(
    request: Request, group_id: int, actor: WebActor, session: DbSession
) -> Response:
    """The dashboard's sections for one group's subtree, with the link to edit it."""
    row = await service.group_subtree(session, actor, group_id)
    return render(request, "dashboard/group.html", {"group": row})
