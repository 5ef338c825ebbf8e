"""My account in the panel: every operator's own information, password and API tokens."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.auth.secrets import POLICY_HINT
from laturi.errors import LaturiError
from laturi.http import DbSession
from laturi.models import Operator
from laturi.operators import account
from laturi.web.pages import form_int, redirect, render, undo

router = APIRouter(prefix="/account")

ACCOUNT_FIELDS = ("first_name", "last_name", "email", "time_zone", "version")


@cache
def time_zones() -> list[str]:
    """The IANA zones this machine knows, for the time zone select."""
    return sorted(available_timezones())


async def _page(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    new_token: str | None = None,
) -> Response:
    operator = await account.my_account(session, actor)
    context: dict[str, Any] = {
        "operator": operator,
        "form": form or _form(operator),
        "errors": errors or {},
        "tokens": await account.api_tokens(session, actor),
        "time_zones": time_zones(),
        "policy_hint": POLICY_HINT,
        "new_token": new_token,
    }
    return render(request, "operators/account.html", context, status=status)


def _form(operator: Operator) -> dict[str, str]:
    return {
        "first_name": operator.first_name,
        "last_name": operator.last_name,
        "email": operator.email,
        "time_zone": operator.time_zone,
        "version": str(operator.version),
    }


async def _error(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    err: LaturiError,
    key: str,
    form: dict[str, str] | None = None,
) -> Response:
    """Undo the request's writes; show the page with the error beside its field."""
    await undo(session, err)
    errors = {err.field or key: err.message}
    return await _page(request, session, actor, form=form, errors=errors, status=err.status)


@router.get("")
async def account_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    return await _page(request, session, actor)


@router.post("")
async def update_account(request: Request, actor: WebActor, session: DbSession) -> Response:
    raw = await request.form()
    form = {name: str(raw.get(name, "")) for name in ACCOUNT_FIELDS}
    version = form["version"]
    changes = account.AccountChanges(
        version=form_int(version),
        first_name=form["first_name"],
        last_name=form["last_name"],
        email=form["email"],
        time_zone=form["time_zone"],
    )
    try:
        await account.update_my_account(session, actor, changes)
    except LaturiError as err:
        return await _error(request, session, actor, err, "_", form)
    return redirect(request, "/account", "Your information is saved.")


@router.post("/password")
async def change_password(
    request: Request,
    actor: WebActor,
    session: DbSession,
    current_password: str = Form(""),
    password: str = Form(""),
    password_confirm: str = Form(""),
) -> Response:
    keep = getattr(request.state, "operator_session", None)
    try:
        await account.change_my_password(
            session,
            actor,
            current=current_password,
            new=password,
            confirm=password_confirm,
            keep_session_id=keep.id if keep else None,
        )
    except LaturiError as err:
        return await _error(request, session, actor, err, "password")
    return redirect(
        request, "/account", "Your password is changed. Your other log-in sessions have ended."
    )


@router.post("/api-tokens")
async def create_token(
    request: Request, actor: WebActor, session: DbSession, name: str = Form("")
) -> Response:
    """Show the new token on this response only: it is stored nowhere in plain."""
    try:
        token, _ = await account.create_api_token(session, actor, name)
    except LaturiError as err:
        return await _error(request, session, actor, err, "name")
    return await _page(request, session, actor, new_token=token)


@router.post("/api-tokens/{token_id}/revoke")
async def revoke_token(
    request: Request, token_id: int, actor: WebActor, session: DbSession
) -> Response:
    try:
        revoked = await account.revoke_api_token(session, actor, token_id)
    except LaturiError as err:
        return await _error(request, session, actor, err, "tokens")
    return redirect(request, "/account", f"API token {revoked.name} revoked.")
