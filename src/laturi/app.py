"""create_app(): the one ASGI application serving the panel, the API and OCPP."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import generate_latest
from sqlalchemy import text

from laturi import __version__
from laturi.api.schemas import ERRORS
from laturi.auth.permissions import Permission
from laturi.auth.web import router as auth_web
from laturi.bus.local import LocalBus
from laturi.bus.redis import RedisBus
from laturi.charging_users.api import router as charging_users_api
from laturi.charging_users.user_groups.api import router as user_groups_api
from laturi.charging_users.user_groups.web import router as user_groups_web
from laturi.charging_users.web import router as charging_users_web
from laturi.config import Settings
from laturi.dashboard.api import router as dashboard_api
from laturi.dashboard.web import router as dashboard_web
from laturi.db import Database
from laturi.groups.api import router as groups_api
from laturi.groups.web import router as groups_web
from laturi.invoices.api import router as invoices_api
from laturi.invoices.tasks import InvoiceWorker
from laturi.invoices.web import router as invoices_web
from laturi.mail import Mailer
from laturi.menu import menu_for
from laturi.observability import Metrics
from laturi.ocpp import install as install_ocpp
from laturi.operators.api import router as operators_api
from laturi.operators.password_web import router as password_web
from laturi.operators.web import router as operators_web
from laturi.reports.panel.api import router as reports_api
from laturi.reports.panel.web import router as reports_web
from laturi.schedules.api import router as schedules_api
from laturi.schedules.runner import Scheduler
from laturi.schedules.web import router as schedules_web
from laturi.sessions.panel.api import router as sessions_api
from laturi.sessions.panel.web import router as sessions_web
from laturi.stations.api import router as stations_api
from laturi.stations.panel.api_activity import router as station_activity_api
from laturi.stations.panel.web import router as stations_web
from laturi.web import errors
from laturi.web.csrf import set_csrf_cookie
from laturi.web.templating import make_templates

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """The application; tests hand in a shared database to reuse its connections."""
    config = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            app.state.bus.running(),
            app.state.ocpp.running(),
            app.state.invoice_worker.running(),
            app.state.scheduler.running(),
        ):
            yield
        if database is None:
            await app.state.db.dispose()

    app = FastAPI(
        title="Laturi",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served below from the package's own Swagger UI files, not a CDN
        redoc_url=None,
        # Generated clients name their methods after these: the route's own name, stable.
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.settings = config
    app.state.db = database or Database(config.database_url)
    app.state.templates = make_templates()
    app.state.templates.env.globals["Permission"] = Permission
    app.state.menu = menu_for
    app.state.mailer = Mailer(config, app.state.templates.env)
    app.state.metrics = Metrics()
    app.state.bus = _bus(config, app.state.metrics)
    app.state.invoice_worker = InvoiceWorker(
        app.state.db,
        settings=config,
        mailer=app.state.mailer,
        processes=config.invoice_pdf_processes,
    )
    app.state.scheduler = Scheduler(config, app.state.db, app.state.bus)
    _middleware(app, config)
    app.state.ocpp = install_ocpp(app, config, app.state.db, app.state.bus)
    errors.install(app)
    _health(app)
    _docs(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _api(app)
    for router in (
        auth_web,
        password_web,
        dashboard_web,
        groups_web,
        operators_web,
        charging_users_web,
        user_groups_web,
        stations_web,
        sessions_web,
        reports_web,
        invoices_web,
        schedules_web,
    ):
        app.include_router(router, include_in_schema=False)
    return app


def _api(app: FastAPI) -> None:
    """All of /api/v1, assembled from each domain's api module."""
    api = APIRouter(prefix="/api/v1", responses=ERRORS)  # type: ignore[arg-type]
    for router in (
        groups_api,
        operators_api,
        charging_users_api,
        user_groups_api,
        stations_api,
        station_activity_api,
        sessions_api,
        reports_api,
        dashboard_api,
        invoices_api,
        schedules_api,
    ):
        api.include_router(router)
    app.include_router(api)


def _bus(config: Settings, metrics: Metrics) -> LocalBus | RedisBus:
    """In-process for one node; over Redis when several nodes share the stations."""
    if config.redis_url:
        return RedisBus(
            config.redis_url,
            prefix=config.redis_prefix,
            ttl=config.redis_station_ttl,
            on_relay=lambda outcome: metrics.bus_relays.labels(outcome).inc(),
        )
    return LocalBus()


# Everything from this server only: no other origin's scripts, styles, frames or fetches, no
# plugins, forms posting elsewhere or framing. Inline scripts and styles are still allowed:
# the panel's templates carry inline scripts and event handlers (confirm dialogs) and HTMX
# re-creates swapped-in scripts; moving them to files behind nonces is the next step.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


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
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


def _docs(app: FastAPI) -> None:
    @app.get("/api/docs", include_in_schema=False)
    async def swagger_ui() -> Response:
        return get_swagger_ui_html(
            openapi_url="/api/v1/openapi.json",
            title="Laturi API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/vendor/favicon-32x32.png",
        )


def _health(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        # Browsers and bookmarks ask here whatever the page's <link rel="icon"> says.
        return RedirectResponse("/static/logo.svg", status_code=301)

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        try:
            async with app.state.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            # The reason goes to the log only: it may name hosts, users or paths.
            log.exception("readiness check failed")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        expected = app.state.settings.metrics_token
        sent = request.headers.get("authorization", "")
        if expected and not secrets.compare_digest(sent.encode(), f"Bearer {expected}".encode()):
            return PlainTextResponse("Unauthorized", status_code=401)
        body = generate_latest(app.state.metrics.registry)
        return PlainTextResponse(body, media_type="text/plain; version=0.0.4")
