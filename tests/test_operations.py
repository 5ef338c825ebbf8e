"""Health, readiness, metrics and the incident page for unexpected failures."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from laturi.app import create_app
from laturi.config import Settings
from laturi.db import Database
from tests.fixtures.metrics import figure


class TestProbes:
    async def test_health_and_readiness(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert (await client.get("/readyz")).json() == {"status": "ok"}

    async def test_metrics_count_requests_by_route(self, client: httpx.AsyncClient) -> None:
        line = 'laturi_http_requests_total{method="GET",route="/login",status="200"} '
        before = figure((await client.get("/metrics")).text, line)
        await client.get("/login")
        await client.get("/login")
        assert figure((await client.get("/metrics")).text, line) == before + 2

    async def test_unready_database_is_reported_without_its_error_text(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        # Nothing listens on port 9: the connection is refused at once.
        url = "postgresql+asyncpg://secret-user:secret-pass@127.0.0.1:9/laturi"
        database = Database(url)
        app = create_app(Settings(database_url=url), database)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                with caplog.at_level(logging.ERROR, logger="laturi.app"):
                    response = await client.get("/readyz")
        finally:
            await database.dispose()
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable"}
        assert "secret" not in response.text
        assert "readiness check failed" in caplog.text


class TestUnexpectedFailure:
    @pytest.fixture
    def broken_app(self, app: FastAPI) -> FastAPI:
        @app.get("/api/v1/boom")
        @app.get("/boom")
        async def boom() -> None:
            raise RuntimeError("disk on fire")

        return app

    @pytest.mark.parametrize("path", ["/boom", "/api/v1/boom"])
    async def test_shows_an_incident_number_that_is_in_the_log(
        self, broken_app: FastAPI, path: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        transport = httpx.ASGITransport(app=broken_app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            with caplog.at_level(logging.ERROR, logger="laturi.errors"):
                response = await client.get(path)
        assert response.status_code == 500
        assert "disk on fire" not in response.text
        incident = next(r for r in caplog.records if "incident" in r.getMessage())
        number = incident.incident  # type: ignore[attr-defined]
        assert (
            f"Error #{number} encountered. If this error persists, please consult user manual"
            in response.text
        )
        assert incident.exc_info is not None
