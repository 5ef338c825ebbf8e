"""The permission and domain matrix of every station endpoint.

alpha: admin, domain = all of organisation A; beta: basic, group B (stations 2, 3);
gamma: admin, group C (station 4); omega: admin of organisation B. The target is station 2,
unless a row names station 4 or 5, or organisation A's orphan station.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import Station
from laturi.stations.commands.service import NEEDS, Command
from tests.fixtures.factories import create_charging_point, create_station, create_transaction
from tests.fixtures.world import World, api_token, build_world

OPERATORS = ("alpha", "beta", "gamma", "omega")
FIRMWARE = {"location": "ftp://fw.example/f.bin", "retrieveDate": "2026-03-01T10:00:00Z"}

# name, method, path, body, expected status for alpha, beta, gamma, omega
MATRIX: list[tuple[str, str, str, Any, tuple[int, int, int, int]]] = [
    ("list", "GET", "/stations", None, (200, 200, 200, 200)),
    ("get", "GET", "/stations/{s2}", None, (200, 200, 404, 404)),
    ("get in group C", "GET", "/stations/{s4}", None, (200, 404, 200, 404)),
    ("get in organisation B", "GET", "/stations/{s5}", None, (404, 404, 404, 200)),
    ("get orphan", "GET", "/stations/{orphan}", None, (200, 404, 404, 404)),
    ("edit orphan", "PATCH", "/stations/{orphan}", {"name": "Mine"}, (200, 403, 404, 404)),
    ("delete orphan", "DELETE", "/stations/{orphan}", None, (200, 403, 404, 404)),
    ("edit in group C", "PATCH", "/stations/{s4}", {"name": "Renamed"}, (200, 403, 200, 404)),
    ("delete in organisation B", "DELETE", "/stations/{s5}", None, (404, 403, 404, 200)),
    ("add", "POST", "/stations", {"identifier": "NEW-1", "group_id": "{b}"}, (201, 403, 422, 422)),
    ("edit", "PATCH", "/stations/{s2}", {"name": "Renamed"}, (200, 403, 404, 404)),
    ("delete", "DELETE", "/stations/{s2}", None, (200, 403, 404, 404)),
    ("points", "GET", "/stations/{s2}/charging-points", None, (200, 200, 404, 404)),
    (
        "sockets",
        "PUT",
        "/stations/{s2}/charging-points/1/sockets",
        {"sockets": [{"type": "CCS"}]},
        (200, 403, 404, 404),
    ),
    ("events", "GET", "/stations/{s2}/events", None, (200, 200, 404, 404)),
    ("events sorted", "GET", "/stations/{s2}/events?sort=-status", None, (200, 200, 404, 404)),
    ("events in group C", "GET", "/stations/{s4}/events", None, (200, 404, 200, 404)),
    ("transactions", "GET", "/stations/{s2}/transactions", None, (200, 200, 404, 404)),
    (
        "transactions searched",
        "GET",
        "/stations/{s2}/transactions?q=TAG",
        None,
        (200, 200, 404, 404),
    ),
    ("transaction", "GET", "/stations/{s2}/transactions/{tx}", None, (200, 200, 404, 404)),
    ("statistics", "GET", "/stations/{s2}/statistics", None, (200, 200, 404, 404)),
    ("stored configuration", "GET", "/stations/{s2}/configuration", None, (200, 200, 404, 404)),
    ("configuration in B", "GET", "/stations/{s5}/configuration", None, (404, 404, 404, 200)),
    ("message log", "GET", "/stations/{s2}/messages", None, (200, 403, 404, 404)),
    ("message log in group C", "GET", "/stations/{s4}/messages", None, (200, 403, 200, 404)),
    ("command", "POST", "/stations/{s2}/commands/Reset", {"type": "Soft"}, (409, 409, 404, 404)),
    (
        "firmware update",
        "POST",
        "/stations/{s2}/commands/UpdateFirmware",
        FIRMWARE,
        (409, 403, 404, 404),
    ),
    (
        "configuration change",
        "POST",
        "/stations/{s2}/commands/ChangeConfiguration",
        {"key": "HeartbeatInterval", "value": "60"},
        (409, 403, 404, 404),
    ),
    ("unknown stations", "GET", "/stations/unknown", None, (200, 403, 200, 200)),
]


@pytest.fixture
async def world(session: AsyncSession) -> World:
    world = await build_world(session)
    await create_charging_point(session, station=world.stations[2])
    await session.commit()
    return world


@pytest.fixture
async def orphan(session: AsyncSession, world: World) -> Station:
    """Organisation A's station in no group: seen by whole-organisation operators only."""
    made = await create_station(session, group=None, organization=world.org_a, identifier="LOST-1")
    await session.commit()
    return made


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        filled = value.format(**names)
        return int(filled) if filled.isdigit() and value.startswith("{") else filled
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


@pytest.mark.parametrize("operator", OPERATORS)
@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), MATRIX)
async def test_matrix(
    session: AsyncSession,
    world: World,
    orphan: Station,
    client: httpx.AsyncClient,
    operator: str,
    name: str,
    method: str,
    path: str,
    body: Any,
    expected: tuple[int, int, int, int],
) -> None:
    tx = await create_transaction(
        session, station=world.stations[2], started_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    headers = await api_token(session, world.operator(operator))
    names = {
        **{f"s{n}": str(s.id) for n, s in world.stations.items()},
        "orphan": str(orphan.id),
        "b": str(world.b.id),
        "tx": str(tx.id),
    }
    response = await client.request(
        method,
        "/api/v1" + _fill(path, names),
        json=_fill(body, names),
        headers=headers,
    )
    want = expected[OPERATORS.index(operator)]
    assert response.status_code == want, f"{name} as {operator}: {response.text}"
    if want == 403:
        assert response.json()["message"] == "Access denied."


@pytest.mark.parametrize(
    ("operator", "identifiers"),
    [
        ("alpha", ["LOST-1", "ST1", "ST2", "ST3", "ST4"]),
        ("beta", ["ST2", "ST3"]),
        ("gamma", ["ST4"]),
        ("omega", ["ST5"]),
    ],
)
async def test_each_operator_lists_the_stations_of_their_domain(
    session: AsyncSession,
    world: World,
    orphan: Station,
    client: httpx.AsyncClient,
    operator: str,
    identifiers: list[str],
) -> None:
    headers = await api_token(session, world.operator(operator))
    listed = (await client.get("/api/v1/stations", headers=headers)).json()["items"]
    assert [s["identifier"] for s in listed] == identifiers


@pytest.mark.parametrize("operator", OPERATORS)
@pytest.mark.parametrize("command", list(Command))
async def test_every_command(
    session: AsyncSession,
    world: World,
    client: httpx.AsyncClient,
    operator: str,
    command: Command,
) -> None:
    """Every command (new ones too): the station's own operators reach it (offline here),
    basic ones are refused what the manual keeps from them, others never learn it exists.
    """
    headers = await api_token(session, world.operator(operator))
    url = f"/api/v1/stations/{world.stations[2].id}/commands/{command.value}"
    response = await client.post(url, json={}, headers=headers)
    sent = 403 if command in NEEDS else 409
    expected = {"alpha": 409, "beta": sent, "gamma": 404, "omega": 404}[operator]
    assert response.status_code == expected, f"{command} as {operator}: {response.text}"
