"""The lost-password pages: where the password-reset rule lives."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.errors import LaturiError
from laturi.http import SessionDep, mailer
from laturi.mail import Mailer
from laturi.operators import service as operators
from laturi.web.csrf import verify_csrf
from laturi.web.pages import redirect, render, undo

router = APIRouter(dependencies=[Depends(verify_csrf)])


@router.get("/forgot-password")
async def forgot_page(request: Request) -> Response:
    return render(request, "auth/forgot.html")


@router.post("/forgot-password")
async def forgot(
    request: Request,
    email: str = Form(""),
    session: AsyncSession = SessionDep,
    send: Mailer = Depends(mailer),
) -> Response:
    try:
        await operators.request_password_reset(session, send, email)
    except LaturiError as err:
        await undo(session, err)
        return render(request, "auth/forgot.html", {"error": err.message}, status=err.status)
    return redirect(request, "/login?notice=reset-sent")
