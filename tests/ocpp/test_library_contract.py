"""What laturi/ocpp/protocol.py borrows from the `ocpp` package beyond its public API.

pyproject.toml pins the minor version these belong to; this test fails first when an
upgrade moves any of them, so the upgrade is a deliberate change, not a surprise in
production.
"""

from __future__ import annotations

import asyncio
import inspect
from importlib.metadata import version

from ocpp.v16 import ChargePoint


class NoTransport:
    async def recv(self) -> str:
        raise NotImplementedError

    async def send(self, message: str) -> None:
        raise NotImplementedError


def test_the_pinned_minor_version_is_installed() -> None:
    assert version("ocpp").startswith("2.1.")


async def test_the_private_parts_protocol_py_uses_are_there() -> None:
    point = ChargePoint("CP1", NoTransport())
    assert isinstance(point._call_lock, asyncio.Lock)
    assert isinstance(point._response_queue, asyncio.Queue)
    assert isinstance(point._connection, NoTransport)
    assert isinstance(point.route_map, dict)
    assert list(inspect.signature(point._handle_call).parameters) == ["msg"]
    assert list(inspect.signature(point._send).parameters) == ["message"]
