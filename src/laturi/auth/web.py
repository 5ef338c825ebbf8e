"""Panel pages: log in, log out, set a password from a link."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from laturi.auth import service as auth
from laturi.auth.dependencies import SESSION_COOKIE, set_session_cookie
from laturi.errors import LaturiError
from laturi.http import Config, DbSession, client_address
from laturi.models.operator import TokenPurpose
from laturi.web.csrf import verify_csrf
from laturi.web.pages import render, undo

router = APIRouter(dependencies=[Depends(verify_csrf)])

NOTICES = {
    "password-set": "Your password is set. Log in with it.",
    "logged-out": "You have logged out.",
    "reset-sent": "If an operator has that e-mail address, instructions are on their way.",
}


def _safe_next(target: str) -> str:
    """Only local paths, so the log-in page cannot bounce to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
async def login_page(request: Request, next: str = "/", notice: str = "") -> Response:
    return render(request, "auth/login.html", {"next": next, "notice": NOTICES.get(notice)})


@router.post("/login")
async def login(
    request: Request,
    session: DbSession,
    config: Config,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    try:
        done = await auth.log_in(
            session,
            config,
            username=username,
            password=password,
            address=client_address(request),
        )
    except LaturiError as err:
        await undo(session, err)
        context = {"error": err.message, "form": {"username": username}, "next": next}
        return render(request, "auth/login.html", context, status=err.status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, response, done.token, config)
    return response


@router.post("/logout")
async def logout(request: Request, session: DbSession) -> Response:
    if token := request.cookies.get(SESSION_COOKIE):
        await auth.log_out(session, token)
    response = RedirectResponse("/login?notice=logged-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


PURPOSES = {"reset-password": TokenPurpose.PASSWORD_RESET, "set-password": TokenPurpose.INVITATION}


@router.get("/set-password/{token}")
@router.get("/reset-password/{token}")
async def link_page(request: Request, token: str, session: DbSession) -> Response:
    kind, purpose = _purpose(request)
    try:
        operator = await auth.check_link(session, token, purpose)
    except LaturiError as err:
        return render(request, "error.html", {"message": err.message}, status=err.status)
    context = {"operator": operator, "kind": kind, "token": token}
    return render(request, "auth/set_password.html", context)


@router.post("/set-password/{token}")
@router.post("/reset-password/{token}")
async def link_submit(
    request: Request,
    token: str,
    session: DbSession,
    password: str = Form(""),
    password_confirm: str = Form(""),
) -> Response:
    kind, purpose = _purpose(request)
    try:
        await auth.set_password_by_link(session, token, purpose, password, password_confirm)
    except LaturiError as err:
        await undo(session, err)
        context = {"kind": kind, "token": token, "errors": {err.field or "password": err.message}}
        return render(request, "auth/set_password.html", context, status=err.status)
    return RedirectResponse("/login?notice=password-set", status_code=303)


def _purpose(request: Request) -> tuple[str, TokenPurpose]:
    """Which link this is, from the first path segment ("set-password" or "reset-password")."""
    kind = request.url.path.strip("/").split("/")[0]
    return kind, PURPOSES[kind]
