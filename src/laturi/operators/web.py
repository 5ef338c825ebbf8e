"""Panel pages for operators (admin only); My account lives in account_web."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.errors import LaturiError
from laturi.http import DbSession, Mail
from laturi.models import Operator
from laturi.operators import service
from laturi.operators.account_web import router as account_router
from laturi.operators.service import StatusFilter
from laturi.web.csrf import verify_csrf
from laturi.web.pages import form_int, is_htmx, list_query, redirect, render, undo

router = APIRouter(dependencies=[Depends(verify_csrf)])
router.include_router(account_router)

STATUS_CHOICES = [
    (StatusFilter.ACTIVE, "Active"),
    (StatusFilter.INACTIVE, "Inactive"),
    (StatusFilter.NOT_ACTIVATED, "Not activated"),
]
INVITE_FIELDS = ("email", "email_confirm", "username", "first_name", "last_name", "level")
EDIT_FIELDS = ("email", "first_name", "last_name", "status", "level", "version")


def _status_filter(request: Request) -> StatusFilter | None:
    value = request.query_params.get("status", "")
    return StatusFilter(value) if value in set(StatusFilter) else None


async def _read(request: Request, fields: tuple[str, ...]) -> dict[str, str]:
    form = await request.form()
    data = {name: str(form.get(name, "")) for name in fields}
    data["base_group_id"] = str(form.get("base_group_id", ""))
    return data


async def _list_page(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    error: LaturiError | None = None,
) -> Response:
    status = _status_filter(request)
    page = await service.list_operators(session, actor, list_query(request), status)
    template = "operators/_table.html" if is_htmx(request) and not error else "operators/list.html"
    context = {
        "page": page,
        "status": status.value if status else "",
        "statuses": STATUS_CHOICES,
        "shown_status": service.shown_status,
        "error": error.message if error else None,
    }
    return render(request, template, context, status=error.status if error else 200)


@router.get("/operators")
async def list_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    return await _list_page(request, session, actor)


async def _invite_page(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    form: dict[str, str],
    err: LaturiError | None = None,
) -> Response:
    context = {
        "groups": await service.base_group_choices(session, actor),
        "form": form,
        "errors": {err.field or "_": err.message} if err else {},
    }
    return render(request, "operators/invite.html", context, status=err.status if err else 200)


@router.get("/operators/new")
async def invite_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    form = {"level": "basic", "base_group_id": str(actor.base_group_id)}
    return await _invite_page(request, session, actor, form)


@router.post("/operators/new")
async def invite(request: Request, actor: WebActor, session: DbSession, send: Mail) -> Response:
    form = await _read(request, INVITE_FIELDS)
    try:
        data = service.Invitation(
            email=form["email"],
            email_confirm=form["email_confirm"],
            username=form["username"],
            first_name=form["first_name"],
            last_name=form["last_name"],
            level=service.parse_level(form["level"]),
            base_group_id=form_int(form["base_group_id"]),
        )
        operator = await service.invite(session, actor, send, data)
    except LaturiError as err:
        await undo(session, err)
        return await _invite_page(request, session, actor, form, err)
    return redirect(request, "/operators", f"Invitation sent to {operator.email}.")


def _edit_form(operator: Operator) -> dict[str, str]:
    return {
        "email": operator.email,
        "first_name": operator.first_name,
        "last_name": operator.last_name,
        "status": operator.status.value,
        "level": operator.level.value,
        "base_group_id": str(operator.base_group_id),
        "version": str(operator.version),
    }


async def _edit_page(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    operator_id: int,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    operator = await service.get_operator(session, actor, operator_id)
    context = {
        "operator": operator,
        "shown_status": service.shown_status(operator),
        "groups": await service.base_group_choices(session, actor),
        "form": form or _edit_form(operator),
        "errors": errors or {},
    }
    return render(request, "operators/edit.html", context, status=status)


async def _edit_error(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    operator_id: int,
    err: LaturiError,
    key: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """Undo the request's writes, then show the edit page with the error at `key`."""
    await undo(session, err)
    errors = {key or err.field or "_": err.message}
    return await _edit_page(request, session, actor, operator_id, form, errors, err.status)


@router.get("/operators/{operator_id}/edit")
async def edit_page(
    request: Request, operator_id: int, actor: WebActor, session: DbSession
) -> Response:
    return await _edit_page(request, session, actor, operator_id)


def _changes(form: dict[str, str]) -> service.OperatorChanges:
    return service.OperatorChanges(
        version=form_int(form["version"]),
        email=form["email"],
        first_name=form["first_name"],
        last_name=form["last_name"],
        status=service.parse_status(form["status"]),
        level=service.parse_level(form["level"]),
        base_group_id=form_int(form["base_group_id"]),
    )


@router.post("/operators/{operator_id}/edit")
async def update(
    request: Request, operator_id: int, actor: WebActor, session: DbSession
) -> Response:
    form = await _read(request, EDIT_FIELDS)
    try:
        operator = await service.update_operator(session, actor, operator_id, _changes(form))
    except LaturiError as err:
        return await _edit_error(request, session, actor, operator_id, err, form=form)
    return redirect(request, "/operators", f"Changes to {operator.username} saved.")


@router.post("/operators/{operator_id}/invitation")
async def resend_invitation(
    request: Request,
    operator_id: int,
    actor: WebActor,
    session: DbSession,
    send: Mail,
    back: str = Form("list"),
) -> Response:
    """The send button: a reminder to an operator who has not activated yet."""
    try:
        operator = await service.resend_invitation(session, actor, send, operator_id)
    except LaturiError as err:
        if back == "edit":
            return await _edit_error(request, session, actor, operator_id, err, "invitation")
        await undo(session, err)
        return await _list_page(request, session, actor, err)
    target = f"/operators/{operator_id}/edit" if back == "edit" else "/operators"
    return redirect(request, target, f"Invitation sent again to {operator.email}.")


@router.post("/operators/{operator_id}/password-reset")
async def reset_password(
    request: Request,
    operator_id: int,
    actor: WebActor,
    session: DbSession,
    send: Mail,
    email: str = Form(""),
) -> Response:
    """RESET PASSWORD: mails a link to the address shown on the page the admin saw."""
    try:
        operator = await service.send_password_reset(session, actor, send, operator_id, email)
    except LaturiError as err:
        return await _edit_error(request, session, actor, operator_id, err, "password")
    flash = f"A password reset link was sent to {operator.email}."
    return redirect(request, f"/operators/{operator_id}/edit", flash)


@router.post("/operators/{operator_id}/delete")
async def delete(
    request: Request, operator_id: int, actor: WebActor, session: DbSession, version: str = Form("")
) -> Response:
    try:
        gone = await service.delete_operator(session, actor, operator_id, form_int(version))
    except LaturiError as err:
        return await _edit_error(request, session, actor, operator_id, err, "delete")
    return redirect(request, "/operators", f"Operator {gone.username} deleted.")
