"""Panel pages for charging groups."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.auth.permissions import Permission
from laturi.errors import LaturiError
from laturi.groups import repository, service
from laturi.http import DbSession
from laturi.web.csrf import verify_csrf
from laturi.web.pages import form_int, list_query, redirect, render, render_part, undo

router = APIRouter(prefix="/groups", dependencies=[Depends(verify_csrf)])


@router.get("")
async def list_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    page = await service.list_groups(session, actor, list_query(request))
    return render_part(request, "groups/_table.html", "groups/list.html", {"page": page})


async def _form_context(
    session: AsyncSession, actor: Actor, group_id: int | None
) -> dict[str, Any]:
    stations = (
        await repository.assignable_stations(session, actor)
        if actor.can(Permission.EDIT_STATIONS)
        else []
    )
    return {
        "parents": await service.parent_choices(session, actor, group_id),
        "stations": stations,
    }


@router.get("/new")
async def new_page(request: Request, actor: WebActor, session: DbSession) -> Response:
    return await _form_page(request, session, actor, None)


def _input(form: dict[str, Any], version: int | None) -> service.GroupInput:
    station_ids = form.get("station_ids")
    return service.GroupInput(
        name=str(form.get("name", "")),
        parent_id=form_int(str(form.get("parent_id", ""))),
        station_ids=[int(s) for s in station_ids if str(s).isdigit()]
        if station_ids is not None
        else None,
        version=version,
    )


async def _read_form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {k: form.get(k, "") for k in ("name", "parent_id", "version")}
    if form.get("stations_shown"):
        data["station_ids"] = form.getlist("station_ids")
    return data


@router.post("/new")
async def create(request: Request, actor: WebActor, session: DbSession) -> Response:
    form = await _read_form(request)
    try:
        group = await service.create_group(session, actor, _input(form, None))
    except LaturiError as err:
        await undo(session, err)
        return await _form_error(request, session, actor, None, form, err)
    return redirect(request, f"/groups/{group.id}", f"Charging group {group.name} added.")


async def _form_error(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    group_id: int | None,
    form: dict[str, Any],
    err: LaturiError,
) -> Response:
    errors = {err.field or "_": err.message}
    return await _form_page(request, session, actor, group_id, form, errors, err.status)


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
    context = await _form_context(session, actor, group_id)
    group = (await service.get_group(session, actor, group_id)) if group_id else None
    if form is None and group is not None:
        form = {
            "name": group.row.name,
            "parent_id": str(group.row.parent_id or ""),
            "version": group.row.version,
            "station_ids": [str(s.id) for s in group.stations],
        }
    context.update(group=group.row if group else None, form=form or {}, errors=errors or {})
    return render(request, "groups/form.html", context, status=status)


@router.get("/{group_id}")
async def view_page(
    request: Request, group_id: int, actor: WebActor, session: DbSession
) -> Response:
    detail = await service.get_group(session, actor, group_id)
    children = [r for r in await service.rows(session, actor) if r.parent_id == group_id]
    return render(request, "groups/view.html", {"detail": detail, "children": children})


@router.get("/{group_id}/edit")
async def edit_page(
    request: Request, group_id: int, actor: WebActor, session: DbSession
) -> Response:
    return await _form_page(request, session, actor, group_id)


@router.post("/{group_id}/edit")
async def update(request: Request, group_id: int, actor: WebActor, session: DbSession) -> Response:
    form = await _read_form(request)
    try:
        data = _input(form, form_int(str(form.get("version", ""))))
        group = await service.update_group(session, actor, group_id, data)
    except LaturiError as err:
        await undo(session, err)
        return await _form_error(request, session, actor, group_id, form, err)
    return redirect(request, f"/groups/{group.id}", "Changes saved.")


@router.post("/{group_id}/delete")
async def delete(
    request: Request, group_id: int, actor: WebActor, session: DbSession, version: str = Form("")
) -> Response:
    try:
        await service.delete_group(session, actor, group_id, form_int(version))
    except LaturiError as err:
        await undo(session, err)
        errors = {"delete": err.message}
        return await _form_page(request, session, actor, group_id, None, errors, err.status)
    return redirect(request, "/groups", "Charging group deleted.")
