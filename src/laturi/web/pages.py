"""Rendering panel pages: full page or, for an HTMX request, just the fragment."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.errors import AccessDenied, LaturiError
from laturi.kit.pagination import ListQuery
from laturi.web.csrf import csrf_token


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    actor = getattr(request.state, "actor", None)
    ctx: dict[str, Any] = {
        "request": request,
        "actor": actor,
        "menu": request.app.state.menu(actor),
        "csrf_token": csrf_token(request),
        "flash": getattr(request.state, "flash", None),
        "errors": {},
        "form": {},
    }
    ctx.update(context or {})
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, ctx, status_code=status
    )
    return response


def render_part(
    request: Request,
    fragment: str,
    page: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The fragment for an HTMX request (a list refreshing itself), else the whole page."""
    return render(request, fragment if is_htmx(request) else page, context, status)


def redirect(request: Request, url: str, flash: str | None = None) -> RedirectResponse:
    """Post-redirect-get, with a one-time message shown on the next page."""
    row = getattr(request.state, "operator_session", None)
    if flash and row is not None:
        row.flash = flash
    return RedirectResponse(url, status_code=303)


async def undo(session: AsyncSession, err: LaturiError) -> None:
    """Before showing a form error: drop the request's writes, unless the error keeps them.

    A refusal is no form error: the form is of no use to him, so the error page says why.
    """
    if not err.keeps_writes:
        await session.rollback()
    if isinstance(err, AccessDenied):
        raise err


def list_query(request: Request) -> ListQuery:
    """The list view's search, sort and paging from the query string."""
    params = request.query_params

    return ListQuery.parse(
        search=params.get("q"),
        sort=params.get("sort"),
        page=form_int(params.get("page")),
        size=form_int(params.get("size")),
    )


def form_int(value: object) -> int | None:
    """A whole number from a form or query field; blank or malformed reads as none."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None
