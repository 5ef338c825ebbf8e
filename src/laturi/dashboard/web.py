"""The landing page after log-in."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.dependencies import web_actor
from laturi.groups import service as groups
from laturi.http import SessionDep
from laturi.web.pages import render

router = APIRouter()


@router.get("/")
async def dashboard(
    request: Request, actor: Actor = Depends(web_actor), session: AsyncSession = SessionDep
) -> Response:
    """The domain's group tree with station counts; live statuses arrive with the stations."""
    return render(request, "dashboard/index.html", {"rows": await groups.rows(session, actor)})
