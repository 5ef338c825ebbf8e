"""A redirect is sent only after the request's writes are committed (post-redirect-get works)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import Operator
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.world import World, csrf, log_in


async def test_the_invited_operator_exists_when_the_redirect_starts(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, world: World, smtp: SmtpServer
) -> None:
    await log_in(client, "alpha")
    form = {
        "csrf_token": csrf(client),
        "email": "newbie@example.com",
        "email_confirm": "newbie@example.com",
        "username": "newbie",
        "level": "basic",
    }
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    body = urlencode(form).encode()
    seen: list[tuple[int, int]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        # What a browser following the 303 at once would find in the database.
        if message["type"] == "http.response.start":
            await session.commit()
            query = select(func.count()).where(Operator.username == "newbie")
            seen.append((message["status"], int(await session.scalar(query) or 0)))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/operators/new",
        "raw_path": b"/operators/new",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"cookie", cookie.encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    assert seen == [(303, 1)]
