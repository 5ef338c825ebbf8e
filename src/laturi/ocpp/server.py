"""The OCPP-J WebSocket endpoint: handshake, authentication, and one connection's life."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Concatenate, ParamSpec

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from laturi.bus import Payload, StationBus, StationOffline
from laturi.config import Settings
from laturi.db import Database
from laturi.errors import LaturiError
from laturi.kit.time import utcnow
from laturi.models.station_event import Direction
from laturi.observability import Metrics
from laturi.ocpp.journal import MessageJournal
from laturi.ocpp.memory import Freezer
from laturi.ocpp.protocol import BINARY_FRAME, TransportClosed
from laturi.ocpp.throttle import HandshakeThrottle
from laturi.ocpp.units import Batcher, Units
from laturi.ocpp.v16 import CentralSystem16
from laturi.sessions import service as sessions
from laturi.stations import lifecycle
from laturi.stations.lifecycle import Credentials, Refusal, StationKey

log = logging.getLogger("laturi.ocpp")

SUBPROTOCOL = "ocpp1.6"
PREFIX = "/ocpp/"
REFUSALS = {
    Refusal.UNKNOWN: (404, "Unknown charging station."),
    Refusal.DELETED: (404, "Unknown charging station."),
    Refusal.UNAUTHORIZED: (401, "Wrong or missing credentials."),
}
P = ParamSpec("P")
# Handshakes checked against the database at once (each holds a pooled connection meanwhile).
ADMISSIONS_AT_ONCE = 8
CLOSE_WITHIN = 2.0  # seconds a closing socket may take before it is dropped


class WebSocketTransport:
    """The two methods `ocpp` needs, on a Starlette WebSocket."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket

    async def recv(self) -> str:
        try:
            message = await self._websocket.receive()
        except (WebSocketDisconnect, RuntimeError) as err:
            raise TransportClosed(str(err)) from err
        if message["type"] == "websocket.disconnect":
            raise TransportClosed(f"closed by the station (code {message.get('code', 1000)})")
        if message.get("text") is not None:
            return str(message["text"])
        return BINARY_FRAME  # OCPP-J frames are text: the protocol refuses it

    async def send(self, message: str) -> None:
        try:
            await self._websocket.send_text(message)
        except (WebSocketDisconnect, RuntimeError, OSError) as err:
            raise TransportClosed(str(err)) from err


class Link:
    """A live connection as the bus sees it."""

    def __init__(
        self, station_id: int, protocol: CentralSystem16, websocket: WebSocket, metrics: Metrics
    ) -> None:
        self.station_id = station_id
        self._metrics = metrics
        self._protocol = protocol
        self._websocket = websocket
        self._task = asyncio.current_task()
        self.serving = False  # the connection's task is reading frames (cancelling ends it)
        self.replaced = False  # closed by the bus: a newer connection (or a deletion) won

    async def call(self, action: str, payload: Payload, answer_within: float) -> Payload:
        if self.replaced:
            raise StationOffline()
        start = time.perf_counter()
        try:
            answer = await self._protocol.request(action, payload, answer_within)
        except LaturiError as err:
            self._metrics.command_failures.labels(action, err.code).inc()
            raise
        self._metrics.command_seconds.labels(action).observe(time.perf_counter() - start)
        return answer

    async def close(self) -> None:
        """End the connection from outside its task, without waiting on its socket.

        The bus calls this while a newer connection is being admitted: the old socket may be
        half dead (the station's network blinked), and neither its errors nor its slowness
        may reach the new connection. The connection's own task closes the socket.
        """
        self.replaced = True
        if self.serving and self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
        elif self._task is asyncio.current_task():
            await self.shut()

    async def shut(self) -> None:
        """Close the socket if it is still open, briefly and whatever the peer does."""
        if (
            self._websocket.application_state != WebSocketState.CONNECTED
            or self._websocket.client_state != WebSocketState.CONNECTED
        ):
            return
        # A socket whose peer is gone may refuse the close frame or never drain it.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_WITHIN):
                await self._websocket.close(code=1000)


def basic_credentials(header: str | None) -> Credentials | None:
    """HTTP Basic credentials (security profile 1), when given and readable."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return Credentials(username, password) if sep else None


class OcppServer:
    """The central system's side of every station connection in this process."""

    def __init__(
        self, settings: Settings, database: Database, bus: StationBus, metrics: Metrics
    ) -> None:
        self.settings = settings
        self.database = database
        self.bus = bus
        self.metrics = metrics
        self.units = Units(database)
        self.meters = Batcher(
            self.units, sessions.meter_values, on_batch=metrics.meter_batch.observe
        )
        # A thousand stations' Heartbeats a second as a few transactions, not a thousand.
        self.heartbeats = Batcher(self.units, lifecycle.heartbeats)
        self.journal = MessageJournal(self.units, enabled=settings.ocpp_log_messages)
        self.freezer = Freezer()
        self.throttle = HandshakeThrottle()
        # A reconnect storm queues here rather than in the connection pool, where connected
        # stations' messages would wait behind thousands of handshakes for a connection.
        self.admitting = asyncio.Semaphore(ADMISSIONS_AT_ONCE)

    async def serve(self, websocket: WebSocket, path: str) -> None:
        """Handshake, then answer the station until it goes away.

        `path` is what follows /ocpp/: `{identifier}` or `{organisation slug}/{identifier}`.
        """
        # Some stations append a slash to the address they were given.
        tenant, _, identifier = path.rstrip("/").rpartition("/")
        offered = list(websocket.scope.get("subprotocols") or [])
        if offered and SUBPROTOCOL not in offered:
            # OCPP-J: a station offering only other versions is refused.
            await websocket.close(code=1002)
            return
        address = websocket.client.host if websocket.client else "unknown"
        station = await self._admit(websocket, tenant or None, identifier, address)
        if station is None:
            return
        await websocket.accept(subprotocol=SUBPROTOCOL if offered else None)
        await self._run(websocket, station, address)

    async def _admit(
        self, websocket: WebSocket, tenant: str | None, identifier: str, address: str
    ) -> StationKey | None:
        if self.throttle.blocked(identifier, address):
            await _deny(websocket, Refusal.UNAUTHORIZED)
            return None
        credentials = basic_credentials(websocket.headers.get("authorization"))
        async with self.admitting, self.database.session() as session:
            admission = await lifecycle.admit(session, identifier, address, credentials, tenant)
        if admission.refusal == Refusal.UNAUTHORIZED:
            self.throttle.failed(identifier, address)
        elif admission.refusal is None:
            self.throttle.succeeded(identifier, address)
        if admission.refusal is not None:
            log.info(
                "refused %r from %s: %s",
                identifier,
                address,
                admission.refusal,
                extra={"station": identifier, "address": address},
            )
            await _deny(websocket, admission.refusal)
        return admission.station

    async def _run(self, websocket: WebSocket, station: StationKey, address: str) -> None:
        protocol = CentralSystem16(
            station,
            WebSocketTransport(websocket),
            self._journal_for(station.id),
            self.units,
            self.settings,
            self.meters,
            self.heartbeats,
        )
        link = Link(station.id, protocol, websocket, self.metrics)
        self.freezer.open()
        self.metrics.stations_connected.inc()
        reason = "connection lost"
        since = utcnow()
        link.serving = True
        try:
            await self.bus.attach(link)
            await self.in_session(lifecycle.connected, station.id, address, since)
            await protocol.start()
        except TransportClosed as closed:
            reason = str(closed) or reason
        except asyncio.CancelledError:
            if not link.replaced:
                raise  # the server is stopping
            # The bus ended this connection for a newer one: a normal end, not an error.
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
            reason = "closed by the central system (a newer connection replaced it)"
        finally:
            link.serving = False
            self.metrics.stations_connected.dec()
            self.freezer.close()
            protocol.abort_pending()
            await link.shut()
            if await self.bus.detach(link):
                await asyncio.shield(
                    self.in_session(lifecycle.disconnected, station.id, reason, since)
                )

    def _journal_for(
        self, station_id: int
    ) -> Callable[[Direction, str, int | None, str | None, str | None], None]:
        def record(
            direction: Direction, raw: str, kind: int | None, uid: str | None, action: str | None
        ) -> None:
            self.metrics.ocpp_messages.labels(action or "unknown", direction.value).inc()
            self.journal.record(station_id, direction, raw, kind, uid, action)

        return record

    async def in_session(
        self,
        work: Callable[Concatenate[AsyncSession, P], Awaitable[object]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        """Record a connection fact; a database hiccup must not cost the connection."""
        try:
            async with self.units.session() as session:
                await work(session, *args, **kwargs)
        except Exception:
            log.exception("could not record %s", getattr(work, "__name__", work))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The background work of the OCPP edge, for the application's lifespan."""
        # The message-log purge is a system job of the scheduler (laturi.schedules).
        workers = [asyncio.create_task(self.freezer.run())]
        try:
            yield
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await self.journal.close()


async def _deny(websocket: WebSocket, refusal: Refusal) -> None:
    """Refuse the handshake with an HTTP answer where the server can, else a close."""
    status, text = REFUSALS[refusal]
    headers = {"WWW-Authenticate": 'Basic realm="OCPP"'} if status == 401 else None
    try:
        await websocket.send_denial_response(PlainTextResponse(text, status, headers=headers))
    except RuntimeError:
        await websocket.close(code=1008)


class OcppRoute:
    """Pure ASGI: hands /ocpp/[{slug}/]{identifier} WebSockets straight to the OCPP server.

    A connection lives for months; every layer of the web stack it passes through keeps a
    suspended frame for all that time. Routing here, ahead of the panel's middleware and
    FastAPI's router, keeps an idle connection near 30 KB.
    """

    def __init__(self, app: ASGIApp, server: OcppServer) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "websocket" and path.startswith(PREFIX):
            await self.server.serve(WebSocket(scope, receive, send), path[len(PREFIX) :])
            return
        await self.app(scope, receive, send)


def install(app: FastAPI, settings: Settings, database: Database, bus: StationBus) -> OcppServer:
    """Serve /ocpp/[{slug}/]{identifier} on the app; the server is kept in app.state.ocpp.

    Call it after the app's other middleware is added, so that it sits outside them.
    """
    server = OcppServer(settings, database, bus, app.state.metrics)
    app.add_middleware(OcppRoute, server=server)
    return server
