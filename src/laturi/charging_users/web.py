"""Panel pages for charging users: list, add, edit (with tokens), remove, CSV import."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.charging_users import importer, service, web_forms
from laturi.charging_users.importer import ImportReport
from laturi.errors import AccessDenied, LaturiError
from laturi.http import DbSession
from laturi.web.csrf import verify_csrf
from laturi.web.pages import form_int, list_query, redirect, render, render_part, undo

router = APIRouter(prefix="/charging-users", dependencies=[Depends(verify_csrf)])


@router.get("")
async def list_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    page = await service.list_users(session, actor, list_query(request))
    return render_part(
        request, "charging_users/_table.html", "charging_users/list.html", {"page": page}
    )


async def _form_page(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    user_id: int | None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The add or edit form; without `form`, filled with the user as stored."""
    found = await service.form_data(session, actor, user_id)
    if form is None:
        form = (
            web_forms.stored_form(found.detail, actor.time_zone)
            if found.detail
            else web_forms.blank_form()
        )
    context = {
        "data": found,
        "detail": found.detail,
        "form": form,
        "errors": errors or {},
        "blank_token": web_forms.TokenRow(),
        "tag_max": service.TAG_MAX,
    }
    return render(request, "charging_users/form.html", context, status=status)


@router.get("/new")
async def new_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    return await _form_page(request, session, actor, None)


@router.post("/new")
async def create(request: Request, actor: WebActor, session: DbSession) -> Response:
    form = web_forms.read(await request.form())
    blocks: list[int] | None = None
    try:
        data, blocks = web_forms.to_input(form, {}, actor.time_zone)
        user = await service.create_user(session, actor, data)
    except LaturiError as err:
        await undo(session, err)
        errors = web_forms.errors_of(err, blocks)
        return await _form_page(request, session, actor, None, form, errors, err.status)
    return redirect(request, "/charging-users", f"Charging user {user.full_name} added.")


@router.get("/import")
async def import_page(request: Request, actor: WebActor) -> Response:
    return render(request, "charging_users/import.html", {"report": None})


@router.post("/import")
async def import_file(request: Request, actor: WebActor, session: DbSession) -> Response:
    form = await request.form()
    upload = form.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    dry_run = form.get("dry_run") == "1"
    await form.close()
    report = await importer.import_users(session, actor, content, dry_run=dry_run)
    if report.written:
        return redirect(request, "/charging-users", _imported(report))
    status = 422 if report.errors else 200
    context = {"report": report, "dry_run": dry_run}
    return render(request, "charging_users/import.html", context, status=status)


def _imported(report: ImportReport) -> str:
    return f"Imported {report.users} charging users with {report.tokens} tokens."


@router.get("/{user_id}/edit")
async def edit_page(
    request: Request, user_id: int, actor: WebActor, session: DbSession
) -> Response:
    return await _form_page(request, session, actor, user_id)


@router.post("/{user_id}/edit")
async def update(request: Request, user_id: int, actor: WebActor, session: DbSession) -> Response:
    form = web_forms.read(await request.form())
    blocks: list[int] | None = None
    try:
        stored = {t.id: t for t in (await service.get_user(session, actor, user_id)).tokens}
        data, blocks = web_forms.to_input(form, stored, actor.time_zone)
        user = await service.update_user(session, actor, user_id, data)
    except LaturiError as err:
        await undo(session, err)
        errors = web_forms.errors_of(err, blocks)
        return await _form_page(request, session, actor, user_id, form, errors, err.status)
    return redirect(request, "/charging-users", f"Charging user {user.full_name} saved.")


@router.post("/{user_id}/delete")
async def delete(
    request: Request, user_id: int, actor: WebActor, session: DbSession, version: str = Form("")
) -> Response:
    try:
        seen = form_int(version)
        await service.delete_user(session, actor, user_id, seen)
    except LaturiError as err:
        await undo(session, err)
        if isinstance(err, AccessDenied):
            raise  # the error page: a basic operator's form has no delete section
        errors = {"delete": err.message}
        return await _form_page(request, session, actor, user_id, None, errors, err.status)
    return redirect(request, "/charging-users", "Charging user removed.")
