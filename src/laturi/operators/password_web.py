"""The lost-password pages: where the password-reset rule lives."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from laturi.errors import LaturiError
from laturi.http import DbSession, Mail
from laturi.operators import service as operators
from laturi.web.csrf import verify_csrf
from laturi.web.pages import redirect, render, undo

router = APIRouter(dependencies=[Depends(verify_csrf)])


@router.get("/forgot-password")
async def forgot_page(request: Request) -> Response:
    return render(request, "auth/forgot.html")


@router.post("/forgot-password")
async def forgot(
    request: Request, session: DbSession, send: Mail, email: str = Form("")
) -> Response:
    try:
        await operators.request_password_reset(session, send, email)
    except LaturiError as err:
        await undo(session, err)
        return render(request, "auth/forgot.html", {"error": err.message}, status=err.status)
    return redirect(request, "/login?notice=reset-sent")
