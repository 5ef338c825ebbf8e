"""How errors reach people: JSON for the API, a page or a redirect for the panel."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from laturi.errors import (
    AccessDenied,
    LaturiError,
    NotAuthenticated,
    NotFound,
    StaleEdit,
    incident_message,
)
from laturi.web.pages import render

log = logging.getLogger("laturi.errors")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _json(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


# The manual's word for a change the operator's rights no longer allow: the panel shows no
# form he may not send, so his rights changed while it was open (he was demoted, say).
FORBIDDEN_CHANGE = (
    "Operator access forbidden. Your access rights may have changed meanwhile: "
    "reload the page and retry."
)


async def on_laturi_error(request: Request, err: Exception) -> Response:
    assert isinstance(err, LaturiError)
    if _is_api(request):
        return _json(err.status, err.code, err.message, field=err.field, **err.payload())
    if isinstance(err, NotAuthenticated):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    message = err.message
    if err.message == str(AccessDenied.default_message) and request.method == "POST":
        message = FORBIDDEN_CHANGE
    return render(request, "error.html", {"message": message}, status=err.status)


async def on_stale(request: Request, err: Exception) -> Response:
    return await on_laturi_error(request, StaleEdit())


def _is_integer_overflow(err: Exception) -> bool:
    """An integer the database cannot hold (SQLite: 2**63, PostgreSQL: 2**31 or 2**63)."""
    text = str(err)
    if isinstance(err, OverflowError):
        return "SQLite INTEGER" in text
    # asyncpg refuses the argument ("out of int32 range"); the server: "integer out of range".
    return "out of int" in text or "integer out of range" in text


async def on_data_error(request: Request, err: Exception) -> Response:
    """An id beyond the column's integers names nothing: "does not exist", like any unknown id.

    One place for every path, query and body id, rather than a bound on each parameter; the
    request's session has been rolled back by then (http.db_session).
    """
    if _is_integer_overflow(err):
        return await on_laturi_error(request, NotFound("Not found."))
    return await on_unexpected(request, err)


async def on_validation(request: Request, err: Exception) -> Response:
    assert isinstance(err, RequestValidationError)
    if any(e.get("type") == "json_invalid" for e in err.errors()):
        # Not a field's value but the body as a whole: the client's request is malformed.
        if _is_api(request):
            return _json(400, "invalid_json", "The request body is not valid JSON.")
        return render(request, "error.html", {"message": "Invalid request."}, status=400)
    fields = {
        ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")): e["msg"]
        for e in err.errors()
    }
    message = "; ".join(f"{k or 'body'}: {v}" for k, v in fields.items())
    if _is_api(request):
        return _json(422, "validation_error", message, fields=fields)
    return render(request, "error.html", {"message": message}, status=422)


async def on_http(request: Request, err: Exception) -> Response:
    assert isinstance(err, HTTPException)
    message = "Not found." if err.status_code == 404 else str(err.detail)
    if _is_api(request):
        return _json(err.status_code, "http_error", message)
    return render(request, "error.html", {"message": message}, status=err.status_code)


async def on_unexpected(request: Request, err: Exception) -> Response:
    """Log the failure under an incident number the operator can quote."""
    incident = secrets.randbelow(900_000) + 100_000
    log.error(
        "incident %s on %s %s",
        incident,
        request.method,
        request.url.path,
        exc_info=err,
        extra={"incident": incident},
    )
    message = incident_message(incident)
    if _is_api(request):
        return _json(500, "internal_error", message, incident=incident)
    return render(request, "error.html", {"message": message}, status=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(LaturiError, on_laturi_error)
    app.add_exception_handler(StaleDataError, on_stale)
    app.add_exception_handler(OverflowError, on_data_error)
    app.add_exception_handler(DBAPIError, on_data_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
