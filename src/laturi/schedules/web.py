"""Panel pages: Scheduled tasks (list, add, edit, copy, delete, activate) and the Event feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.dependencies import WebActor
from laturi.auth.permissions import Permission
from laturi.errors import LaturiError, ValidationFailed
from laturi.http import DbSession
from laturi.kit.time import utcnow
from laturi.schedules import feed, service
from laturi.schedules.kinds import RESULT_LABELS, TYPE_LABELS, Result, TaskType
from laturi.schedules.recurrence import LABELS, SHORT_MONTH_RULE, WEEKDAYS, Schedule
from laturi.web.csrf import verify_csrf
from laturi.web.pages import form_int, is_htmx, redirect, render, undo

router = APIRouter(prefix="/schedules", dependencies=[Depends(verify_csrf)])


def _admin(actor: WebActor) -> Actor:
    """The manual: only admin operators create, edit and view scheduled tasks."""
    actor.require(Permission.MANAGE_SCHEDULES)
    return actor


def _clock(actor: Actor) -> dict[str, str]:
    now = utcnow()
    local = now.astimezone(ZoneInfo(actor.time_zone))
    offset = local.utcoffset() or timedelta(0)
    hours = offset.total_seconds() / 3600
    return {
        "utc_now": now.strftime("%H:%M"),
        "local_now": local.strftime("%H:%M"),
        "zone": actor.time_zone,
        "offset": f"UTC{hours:+g}",
    }


def _common(actor: Actor) -> dict[str, Any]:
    return {
        "TYPE_LABELS": TYPE_LABELS,
        "SCHEDULES": LABELS,
        "WEEKDAYS": WEEKDAYS,
        "SHORT_MONTH_RULE": SHORT_MONTH_RULE,
        "RESULT_LABELS": {r.value: label for r, label in RESULT_LABELS.items()},
        "clock": _clock(actor),
    }


@router.get("")
async def list_page(
    request: Request, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    params = request.query_params
    template = "schedules/_tasks.html" if is_htmx(request) else "schedules/list.html"
    return await _tasks(
        request, session, actor, template, params.get("type", ""), params.get("q", "")
    )


async def _tasks(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    template: str,
    task_type: str,
    search: str,
) -> Response:
    views = await service.list_tasks(session, actor, task_type=task_type, search=search)
    context = {**_common(actor), "views": views, "task_type": task_type, "search": search}
    return render(request, template, context)


@router.post("/active")
async def set_active(
    request: Request, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    """Tick Active on one task (HTMX) or activate/deactivate the selected ones."""
    form = await request.form()
    ids = [int(str(v)) for v in form.getlist("task_ids") if str(v).isdigit()]
    active = form.get("active") in {"1", "on", "true"}
    try:
        await service.set_active(session, actor, ids, active)
    except LaturiError as err:
        await undo(session, err)
        return render(request, "error.html", {"message": err.message}, status=err.status)
    if is_htmx(request):
        await session.commit()
        kind, search = str(form.get("type", "")), str(form.get("q", ""))
        return await _tasks(request, session, actor, "schedules/_tasks.html", kind, search)
    verb = "activated" if active else "deactivated"
    return redirect(request, "/schedules", f"{len(ids)} task{'s' if len(ids) != 1 else ''} {verb}.")


@router.get("/keys")
async def key_options(
    request: Request, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    """The KEY picker's options for a task type, narrowed by the search text."""
    params = request.query_params
    choices = await service.key_choices(
        session, actor, params.get("task_type", ""), params.get("key_q", "")
    )
    selected = form_int(params.get("key_id"))
    return render(request, "schedules/_keys.html", {"choices": choices, "selected": selected})


async def _form_page(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    task_id: int | None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    view = await service.get_task(session, actor, task_id) if task_id else None
    if form is None:
        form = _as_form(service.as_input(view.task)) if view else _blank()
    choices = await service.key_choices(session, actor, form["task_type"], "")
    if form_int(form["key_id"]) and all(c.id != form_int(form["key_id"]) for c in choices):
        # The stored KEY beyond the first matches: keep it selectable.
        choices += await service.key_choices_by_id(
            session, actor, form["task_type"], form_int(form["key_id"])
        )
    context = {
        **_common(actor),
        "view": view,
        "form": form,
        "errors": errors or {},
        "choices": choices,
    }
    return render(request, "schedules/form.html", context, status=status)


def _blank() -> dict[str, Any]:
    return {
        "name": "",
        "task_type": TaskType.STATION_CURRENT.value,
        "key_id": "",
        "schedule": Schedule.DAILY.value,
        "hour": "0",
        "minute": "0",
        "weekdays": [],
        "day_of_month": "1",
        "run_at": "",
        "max_current": "",
        "make_active": "1",
        "firmware_location": "",
        "firmware_retrieve_at": "",
        "active": False,
        "version": "",
    }


def _as_form(data: service.TaskInput) -> dict[str, Any]:
    return {
        "name": data.name,
        "task_type": data.task_type,
        "key_id": str(data.key_id or ""),
        "schedule": data.schedule,
        "hour": str(data.hour),
        "minute": str(data.minute),
        "weekdays": [str(d) for d in data.weekdays],
        "day_of_month": str(data.day_of_month or 1),
        "run_at": _local_input(data.run_at),
        "max_current": data.max_current or "",
        "make_active": "" if data.make_active is None else ("1" if data.make_active else "0"),
        "firmware_location": data.firmware_location or "",
        "firmware_retrieve_at": _local_input(data.firmware_retrieve_at),
        "active": data.active,
        "version": str(data.version or ""),
    }


def _local_input(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if value else ""


async def _read(request: Request) -> dict[str, Any]:
    raw = await request.form()
    form: dict[str, Any] = {
        k: str(raw.get(k, "")) for k in _blank() if k not in {"weekdays", "active"}
    }
    form["weekdays"] = [str(v) for v in raw.getlist("weekdays")]
    form["active"] = raw.get("active") in {"1", "on", "true"}
    return form


def _input(form: dict[str, Any]) -> service.TaskInput:
    """Form text as the service's input; unreadable numbers reach it as missing."""
    make_active = {"1": True, "0": False}.get(form["make_active"])
    return service.TaskInput(
        name=form["name"],
        task_type=form["task_type"],
        key_id=form_int(form["key_id"]),
        schedule=form["schedule"],
        hour=form_int(form["hour"]),
        minute=form_int(form["minute"]),
        weekdays=[int(d) for d in form["weekdays"] if d.isdigit()],
        day_of_month=form_int(form["day_of_month"]),
        run_at=_utc(form["run_at"], "run_at"),
        max_current=form["max_current"],
        make_active=make_active,
        firmware_location=form["firmware_location"],
        firmware_retrieve_at=_utc(form["firmware_retrieve_at"], "firmware_retrieve_at"),
        active=form["active"],
        version=form_int(form["version"]),
    )


def _utc(text: str, field: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=UTC)
    except ValueError:
        raise ValidationFailed("Give the date and time as DD.MM.YYYY HH:MM.", field=field) from None


@router.get("/new")
async def new_page(
    request: Request, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    return await _form_page(request, session, actor, None)


@router.post("/new")
async def create(request: Request, session: DbSession, actor: Actor = Depends(_admin)) -> Response:
    form = await _read(request)
    try:
        task = await service.create_task(session, actor, _input(form))
    except LaturiError as err:
        await undo(session, err)
        return await _form_page(
            request, session, actor, None, form, {err.field or "_": err.message}, err.status
        )
    return redirect(request, "/schedules", f"Task {task.name} scheduled.")


@router.get("/{task_id}/edit")
async def edit_page(
    request: Request, task_id: int, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    return await _form_page(request, session, actor, task_id)


@router.post("/{task_id}/edit")
async def update(
    request: Request, task_id: int, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    form = await _read(request)
    try:
        await service.update_task(session, actor, task_id, _input(form))
    except LaturiError as err:
        await undo(session, err)
        return await _form_page(
            request, session, actor, task_id, form, {err.field or "_": err.message}, err.status
        )
    return redirect(request, "/schedules", "Changes saved.")


@router.post("/{task_id}/copy")
async def copy(
    request: Request, task_id: int, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    """Copy task, then edit the copy (the manual's way of making a pair)."""
    task = await service.copy_task(session, actor, task_id)
    return redirect(
        request, f"/schedules/{task.id}/edit", "Task copied: change the copy and save it."
    )


@router.post("/{task_id}/delete")
async def delete(
    request: Request, task_id: int, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    await service.delete_task(session, actor, task_id)
    return redirect(request, "/schedules", "Task deleted.")


@router.get("/station-limit/{station_id}")
async def station_limit(
    request: Request, station_id: int, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    """The station page's line: the limit in force and the task that set it."""
    limit = await service.limit_in_force(session, actor, station_id)
    return render(request, "schedules/_station_limit.html", {"limit": limit})


@router.get("/user-changes/{user_id}")
async def user_changes(
    request: Request, user_id: int, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    """The charging user page's list of scheduled activations and deactivations ahead."""
    ahead = await service.changes_ahead(session, actor, user_id)
    return render(request, "schedules/_user_changes.html", {"ahead": ahead})


# Event feed -----------------------------------------------------------------------------


@router.get("/feed")
async def feed_page(
    request: Request, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    params = request.query_params
    on = feed.parse_day(params.get("date"), utcnow().date())
    status, search = params.get("status", ""), params.get("q", "")
    rows = await feed.day(session, actor, on, status=status, search=search)
    context = {
        **_common(actor),
        "rows": rows,
        "day": on,
        "previous": on - timedelta(days=1),
        "next": on + timedelta(days=1),
        "status": status,
        "search": search,
    }
    template = "schedules/_feed.html" if is_htmx(request) else "schedules/feed.html"
    return render(request, template, context)


@router.get("/runs/{run_id}")
async def run_page(
    request: Request, run_id: int, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    found = await feed.detail(session, actor, run_id)
    failed = {r.value for r in Result if r.value in {"rejected", "offline", "timed_out", "failed"}}
    return render(
        request, "schedules/run.html", {**_common(actor), "detail": found, "failed_results": failed}
    )


@router.post("/runs/{run_id}/retry")
async def retry(
    request: Request, run_id: int, session: DbSession, actor: Actor = Depends(_admin)
) -> Response:
    try:
        task = await feed.retry(session, actor, run_id)
    except LaturiError as err:
        await undo(session, err)
        return render(request, "error.html", {"message": err.message}, status=err.status)
    when = task.run_at.strftime("%H:%M") if task.run_at else ""
    return redirect(request, "/schedules/feed", f"{task.name} runs at {when} UTC.")
