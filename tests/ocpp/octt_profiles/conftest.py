"""What every OCTT profile case needs: the operators' world, an API token, a station's URLs.

Commands go the way an operator sends them, through the REST API; the station is the
`ocpp` package's ChargePoint (tests/fixtures/station.py) connected to the served app.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.world import World


class Operator:
    """Station 2 of the world, seen through the REST API by alpha."""

    def __init__(self, client: httpx.AsyncClient, world: World, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers
        self.station_id = world.stations[2].id
        self.base = f"/api/v1/stations/{self.station_id}"

    async def send(self, command: str, params: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post(
            f"{self.base}/commands/{command}", json=params or {}, headers=self.headers
        )

    async def command(self, command: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a command the station answers; the API's body (accepted, answer, message)."""
        response = await self.send(command, params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Today's event feed, oldest first, of one kind when given."""
        response = await self.client.get(f"{self.base}/events", headers=self.headers)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = list(reversed(response.json()["items"]))
        return [e for e in items if kind is None or e["kind"] == kind]

    async def station(self) -> dict[str, Any]:
        response = await self.client.get(self.base, headers=self.headers)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found


@pytest.fixture
def operator(client: httpx.AsyncClient, world: World, alpha: dict[str, str]) -> Operator:
    return Operator(client, world, alpha)
