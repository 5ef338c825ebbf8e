"""Panel pages for charging user groups."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.charging_users.user_groups import service
from laturi.charging_users.user_groups.service import UserGroupInput
from laturi.errors import LaturiError
from laturi.http import DbSession
from laturi.web.csrf import verify_csrf
from laturi.web.pages import form_int, list_query, redirect, render, render_part, undo

router = APIRouter(prefix="/user-groups", dependencies=[Depends(verify_csrf)])


@router.get("")
async def list_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    page = await service.list_user_groups(session, actor, list_query(request))
    return render_part(request, "user_groups/_table.html", "user_groups/list.html", {"page": page})


async def _form_page(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    group_id: int | None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The add or edit form; without `form`, filled with the group as stored."""
    found = await service.edit_form(session, actor, group_id)
    if form is None:
        detail = found.detail
        form = {
            "name": detail.group.name if detail else "",
            "member_ids": [str(u.id) for u in detail.members] if detail else [],
            "version": str(detail.group.version) if detail else "",
        }
    context = {"found": found, "detail": found.detail, "form": form, "errors": errors or {}}
    return render(request, "user_groups/form.html", context, status=status)


async def _read(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {
        "name": str(form.get("name", "")),
        "version": str(form.get("version", "")),
        "member_ids": [str(v) for v in form.getlist("member_ids")],
    }


def _input(form: dict[str, Any]) -> UserGroupInput:
    members = [int(v) for v in form["member_ids"] if v.isdigit()]
    return UserGroupInput(form["name"], members, form_int(form["version"]))


@router.get("/new")
async def new_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    return await _form_page(request, session, actor, None)


@router.post("/new")
async def create(request: Request, actor: WebActor, session: DbSession) -> Response:
    form = await _read(request)
    try:
        group = await service.create_user_group(session, actor, _input(form))
    except LaturiError as err:
        await undo(session, err)
        errors = {err.field or "_": err.message}
        return await _form_page(request, session, actor, None, form, errors, err.status)
    return redirect(request, f"/user-groups/{group.id}", f"Charging user group {group.name} added.")


@router.get("/{group_id}")
async def view_page(
    request: Request, group_id: int, actor: WebActor, session: DbSession
) -> Response:
    detail = await service.get_user_group(session, actor, group_id)
    return render(request, "user_groups/view.html", {"detail": detail})


@router.get("/{group_id}/edit")
async def edit_page(
    request: Request, group_id: int, actor: WebActor, session: DbSession
) -> Response:
    return await _form_page(request, session, actor, group_id)


@router.post("/{group_id}/edit")
async def update(request: Request, group_id: int, actor: WebActor, session: DbSession) -> Response:
    form = await _read(request)
    try:
        await service.update_user_group(session, actor, group_id, _input(form))
    except LaturiError as err:
        await undo(session, err)
        errors = {err.field or "_": err.message}
        return await _form_page(request, session, actor, group_id, form, errors, err.status)
    return redirect(request, f"/user-groups/{group_id}", "Changes saved.")


@router.post("/{group_id}/delete")
async def delete(
    request: Request, group_id: int, actor: WebActor, session: DbSession, version: str = Form("")
) -> Response:
    try:
        await service.delete_user_group(session, actor, group_id, form_int(version))
    except LaturiError as err:
        await undo(session, err)
        errors = {"delete": err.message}
        return await _form_page(request, session, actor, group_id, None, errors, err.status)
    return redirect(request, "/user-groups", "Charging user group deleted.")
