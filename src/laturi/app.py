"""create_app(): the one ASGI application serving the panel, the API and (later) OCPP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import generate_latest
from sqlalchemy import text

from laturi import __version__
from laturi.api.routes import router as api_router
from laturi.auth.web import router as auth_web
from laturi.bus.local import LocalBus
from laturi.bus.redis import RedisBus
from laturi.charging_users.user_groups.web import router as user_groups_web
from laturi.charging_users.web import router as charging_users_web
from laturi.config import Settings
from laturi.dashboard.web import router as dashboard_web
from laturi.db import Database
from laturi.groups.web import router as groups_web
from laturi.mail import Mailer
from laturi.observability import Metrics
from laturi.ocpp import install as install_ocpp
from laturi.operators.web import router as operators_web
from laturi.schedules.runner import Scheduler
from laturi.schedules.web import router as schedules_web
from laturi.stations.web import router as stations_web
from laturi.web import errors
from laturi.web.security import set_csrf_cookie
from laturi.web.templating import make_templates

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """The application; tests hand in a shared database to reuse its connections."""
    config = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with app.state.bus.running(), app.state.ocpp.running(), app.state.scheduler.running():
            yield
        if database is None:
            await app.state.db.dispose()

    app = FastAPI(
        title="Laturi",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = config
    app.state.db = database or Database(config.database_url)
    app.state.templates = make_templates()
    app.state.mailer = Mailer(config, app.state.templates.env)
    app.state.metrics = Metrics()
    app.state.bus = _bus(config)
    _middleware(app, config)
    app.state.ocpp = install_ocpp(app, config, app.state.db, app.state.bus)
    app.state.scheduler = Scheduler(config, app.state.db, app.state.bus)
    errors.install(app)
    _health(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api_router)
    for router in (
        auth_web,
        dashboard_web,
        groups_web,
        operators_web,
        charging_users_web,
        user_groups_web,
        stations_web,
        schedules_web,
    ):
        app.include_router(router, include_in_schema=False)
    return app


def _bus(config: Settings) -> LocalBus | RedisBus:
    """In-process for one node; over Redis when several nodes share the stations."""
    if config.redis_url:
        return RedisBus(config.redis_url, prefix=config.redis_prefix, ttl=config.redis_station_ttl)
    return LocalBus()


def _middleware(app: FastAPI, config: Settings) -> None:
    app.middleware("http")(app.state.metrics.middleware)

    @app.middleware("http")
    async def panel_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        set_csrf_cookie(request, response, config)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def _health(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        try:
            async with app.state.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as err:  # noqa: BLE001 - any failure means not ready
            return JSONResponse({"status": "unavailable", "reason": str(err)}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        body = generate_latest(app.state.metrics.registry)
        return PlainTextResponse(body, media_type="text/plain; version=0.0.4")
