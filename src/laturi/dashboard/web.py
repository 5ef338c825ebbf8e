"""The landing page after log-in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from laturi.auth.dependencies import WebActor
from laturi.groups import service as groups
from laturi.http import DbSession
from laturi.web.pages import render

router = APIRouter()


@router.get("/")
async def dashboard(request: Request, actor: WebActor, session: DbSession) -> Response:
    """The domain's group tree with station counts; live statuses arrive with the stations."""
    return render(request, "dashboard/index.html", {"rows": await groups.rows(session, actor)})
