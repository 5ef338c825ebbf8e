"""Prometheus figures an operator of a charging network watches, from real OCPP traffic."""

from __future__ import annotations

import httpx
from ocpp.exceptions import GenericError

from tests.fixtures.metrics import figure
from tests.fixtures.station import Script, connected
from tests.fixtures.world import World


async def test_connections_messages_and_commands_are_counted(
    world: World, alpha: dict[str, str], client: httpx.AsyncClient, ocpp_url: str
) -> None:
    script = Script()
    script.answers["ClearCache"] = GenericError(description="busy")
    url = f"/api/v1/stations/{world.stations[2].id}/commands"
    async with connected(ocpp_url, "ST2", script=script) as station:
        await station.boot()
        during = (await client.get("/metrics")).text
        accepted = await client.post(f"{url}/GetConfiguration", json={}, headers=alpha)
        failed = await client.post(f"{url}/ClearCache", headers=alpha)
    assert (accepted.status_code, failed.status_code) == (200, 502)
    after = (await client.get("/metrics")).text

    assert figure(during, "laturi_stations_connected ") == 1
    assert figure(after, "laturi_stations_connected ") == 0
    boots = 'laturi_ocpp_messages_total{action="BootNotification",direction="in"}'
    assert figure(after, boots) == 1
    answered = 'laturi_ocpp_command_seconds_count{action="GetConfiguration"}'
    assert figure(after, answered) == 1
    refused = 'laturi_ocpp_command_failures_total{action="ClearCache",reason="command_failed"}'
    assert figure(after, refused) == 1
