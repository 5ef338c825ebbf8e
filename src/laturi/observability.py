"""Structured JSON logs and Prometheus metrics."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from pythonjsonlogger.json import JsonFormatter
from starlette.requests import Request
from starlette.responses import Response

READABLE = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def configure_logging(level: str = "INFO", *, readable: bool | None = None) -> None:
    """One JSON object per line on stderr, for any log shipper; plain lines for a person
    at a terminal (`readable` None: when stderr is a terminal)."""
    handler = logging.StreamHandler()
    if readable is None:
        readable = sys.stderr.isatty()
    if readable:
        handler.setFormatter(logging.Formatter(READABLE, "%H:%M:%S"))
    else:
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class Metrics:
    """The app's own registry, so several apps in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "laturi_http_requests",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "laturi_http_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
        )
        # What an operator of a charging network watches.
        self.stations_connected = Gauge(
            "laturi_stations_connected",
            "Stations connected to this node",
            registry=self.registry,
        )
        self.ocpp_messages = Counter(
            "laturi_ocpp_messages",
            "OCPP frames by action and direction (answers carry their call's action)",
            ["action", "direction"],
            registry=self.registry,
        )
        self.command_seconds = Histogram(
            "laturi_ocpp_command_seconds",
            "Time from sending a command to a station until its answer",
            ["action"],
            registry=self.registry,
        )
        self.command_failures = Counter(
            "laturi_ocpp_command_failures",
            "Commands to stations that failed, by reason",
            ["action", "reason"],
            registry=self.registry,
        )
        self.meter_batch = Histogram(
            "laturi_ocpp_meter_values_batch",
            "MeterValues messages written to the database in one transaction",
            buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500),
            registry=self.registry,
        )
        self.bus_relays = Counter(
            "laturi_bus_relays",
            "Commands relayed to the node holding the station, by outcome",
            ["outcome"],
            registry=self.registry,
        )

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = _route_of(request)
        self.requests.labels(request.method, route, str(response.status_code)).inc()
        self.latency.labels(route).observe(time.perf_counter() - start)
        return response


def _route_of(request: Request) -> str:
    """The matched route's path template (routing records it in the scope), so ids stay out."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "unmatched"))
