"""The `laturi` command: serve, migrate, provision, load demo data."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession

from laturi import demo as demo_data
from laturi.auth import service as auth
from laturi.auth.repository import operator_by_username
from laturi.config import Settings
from laturi.db import Database, upgrade
from laturi.errors import LaturiError
from laturi.models import UnknownStationAttempt
from laturi.models.operator import Level
from laturi.observability import configure_logging
from laturi.organizations import service as organizations
from laturi.serving import HeaderTimeoutProtocol
from laturi.stations import service as station_service

app = typer.Typer(help="Laturi: EV charging management system", no_args_is_help=True)
db_app = typer.Typer(help="Database schema", no_args_is_help=True)
operator_app = typer.Typer(help="Operators", no_args_is_help=True)
token_app = typer.Typer(help="API tokens", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(operator_app, name="operator")
organization_app = typer.Typer(help="Organisations", no_args_is_help=True)
app.add_typer(token_app, name="api-token")
app.add_typer(organization_app, name="organization")

T = TypeVar("T")


def _in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one unit of work in a committed session; a domain error exits with its message."""

    async def run() -> T:
        database = Database(Settings().database_url)
        try:
            async with database.session() as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except LaturiError as err:
        typer.echo(f"error: {err.message}", err=True)
        raise typer.Exit(2) from err


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    reload: bool = False,
    log_level: str = typer.Option("INFO", help="DEBUG, INFO, WARNING or ERROR"),
    proxy_headers: bool = typer.Option(
        False, help="Trust X-Forwarded-For/-Proto from --forwarded-allow-ips (behind a balancer)"
    ),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1", help="Comma-separated addresses of the proxies to trust, or '*'"
    ),
) -> None:
    """Serve the panel, the API and the OCPP endpoint."""
    level = log_level.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise typer.BadParameter("use DEBUG, INFO, WARNING or ERROR", param_hint="--log-level")
    configure_logging(level)
    try:
        _serve(host, port, reload, level, proxy_headers, forwarded_allow_ips)
    except KeyboardInterrupt:
        # uvicorn stops gracefully on Ctrl-C, then raises the signal again: end quietly.
        return


def _serve(
    host: str, port: int, reload: bool, level: str, proxy_headers: bool, forwarded_allow_ips: str
) -> None:
    uvicorn.run(
        "laturi.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        log_level=level.lower(),
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        ws="wsproto",
        http=HeaderTimeoutProtocol,  # half-sent requests and handshakes dropped after 10 s
        # OCPP frames are small; a zlib context per connection would cost ~300 KB each.
        ws_per_message_deflate=False,
        log_config=None,
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations to LATURI_DATABASE_URL."""
    url = Settings().database_url
    if url.startswith("sqlite"):
        from pathlib import Path

        Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
    upgrade(url, revision)
    typer.echo(f"database at {revision}")


@app.command()
def demo() -> None:
    """Load the manual's demo data into an empty database; prints the log-ins."""
    made = _in_session(demo_data.load)
    if not made:
        typer.echo("demo data already present: nothing loaded")
        return
    typer.echo(f"demo data loaded; every demo operator's password is {demo_data.DEMO_PASSWORD}")
    for username, organization in made:
        typer.echo(f"  {username:<6} ({organization})")


@operator_app.command("create")
def operator_create(
    username: str = typer.Option(...),
    email: str = typer.Option(...),
    password: str = typer.Option(..., prompt=True, hide_input=True),
    organization: str = typer.Option(..., help="Organisation name"),
    base_group: str | None = typer.Option(None, help="Group name; default the root group"),
    admin: bool = typer.Option(True, "--admin/--basic"),
    create_organization: bool = typer.Option(False, help="Create the organisation first"),
) -> None:
    """Create an active operator with a password; prints the new operator's id."""

    async def work(session: AsyncSession) -> int:
        if create_organization:
            await organizations.create_organization(
                session, organization, base_group or organization
            )
        group = await organizations.find_group(session, organization, base_group)
        made = await organizations.create_operator(
            session,
            base_group=group,
            username=username,
            email=email,
            password=password,
            level=Level.ADMIN if admin else Level.BASIC,
        )
        return made.id

    typer.echo(_in_session(work))


@token_app.command("create")
def api_token_create(
    operator: str = typer.Option(..., help="Username the token acts as"),
    name: str = typer.Option("cli", help="A name to recognise the token by"),
) -> None:
    """Create an API token; the token alone is printed on the last line."""

    async def work(session: AsyncSession) -> str:
        found = await operator_by_username(session, operator)
        if found is None:
            raise LaturiError("Operator not found.")
        token, _ = await auth.create_api_token(session, found.id, name)
        return token

    token = _in_session(work)
    typer.echo(f"API token for {operator} (shown once):")
    typer.echo(token)


@organization_app.command("list")
def organization_list() -> None:
    """Every organisation with the OCPP address its stations connect to."""

    async def work(session: AsyncSession) -> list[tuple[str, str]]:
        return [(o.name, o.slug) for o in await organizations.every_organization(session)]

    base_url = Settings().base_url
    for name, slug in _in_session(work):
        typer.echo(f"{name}\t{station_service.ocpp_address(base_url, slug, '{identifier}')}")


@app.command("unknown-stations")
def unknown_stations() -> None:
    """Refused devices no organisation could be told of: several tenants, no slug in the path."""

    async def work(session: AsyncSession) -> list[UnknownStationAttempt]:
        return list(await station_service.unattributed_attempts(session))

    for attempt in _in_session(work):
        last = f"{attempt.last_at:%Y-%m-%d %H:%M}Z from {attempt.address}"
        typer.echo(f"{attempt.identifier}\t{attempt.attempts} attempt(s)\tlast {last}")


@app.command()
def simulate(
    url: str = typer.Option("ws://127.0.0.1:8000", help="The server (ws:// or wss://)"),
    stations: int = typer.Option(1, help="How many stations: PREFIX00001, PREFIX00002, ..."),
    prefix: str = typer.Option("SIM", help="Identifier prefix for --stations"),
    identifiers: str = typer.Option("", help="Comma-separated identifiers instead"),
    demo: bool = typer.Option(False, help="The demo stations EVI00000013 ... EVI00000018"),
    tags: str = typer.Option("", help="Comma-separated RFID tags drivers show (demo tokens)"),
    connectors: int = typer.Option(1, help="Connectors per station"),
    password: str | None = typer.Option(None, help="HTTP Basic auth password (profile 1)"),
    organization: str | None = typer.Option(
        None, help="Organisation slug in the address (laturi organization list)"
    ),
    speed: float = typer.Option(1.0, help="Time compression: 60 makes a minute a second"),
    ramp: float = typer.Option(0.0, help="Seconds between station connections"),
) -> None:
    """Run simulated OCPP 1.6J charging stations against a Laturi server."""
    from laturi.ocpp.simulate import simulate as run
    from laturi.ocpp.simulator import SimConfig
    from laturi.stations.demo import DEMO_STATIONS, DEMO_TAGS

    configure_logging()
    if demo:
        names: list[str] = list(DEMO_STATIONS)
    elif identifiers:
        names = [i.strip() for i in identifiers.split(",") if i.strip()]
    else:
        names = [f"{prefix}{n:05d}" for n in range(1, stations + 1)]
    config = SimConfig(
        url=url,
        identifiers=names,
        tags=[t.strip() for t in tags.split(",") if t.strip()] or list(DEMO_TAGS),
        connectors=connectors,
        password=password,
        organization=organization,
        speed=speed,
    )
    typer.echo(f"simulating {len(names)} station(s) against {url}; Ctrl-C stops")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(config, ramp=ramp))


if __name__ == "__main__":
    app()
