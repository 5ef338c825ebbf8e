"""Remote commands from the panel with a real station answering over OCPP 1.6J.

The station is the `ocpp` package's ChargePoint (tests/fixtures/station.py) connected to the
app served by uvicorn; the panel is driven through httpx as a browser would, with HTMX.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from ocpp.exceptions import GenericError
from ocpp.v16 import call_result
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.factories import create_charging_point, create_charging_user, create_token
from tests.fixtures.html import by_id, table_rows, text
from tests.fixtures.server import ocpp_url
from tests.fixtures.station import Script, connected
from tests.fixtures.world import World, build_world, csrf, log_in

__all__ = ["ocpp_url"]

HTMX = {"HX-Request": "true"}


@pytest.fixture
async def world(session: AsyncSession) -> World:
    world = await build_world(session)
    await create_charging_point(session, station=world.stations[2], connector_id=1)
    await session.commit()
    return world


async def command(
    client: httpx.AsyncClient, world: World, name: str, **form: str
) -> httpx.Response:
    url = f"/stations/{world.stations[2].id}/commands/{name}"
    return await client.post(url, data={**form, "csrf_token": csrf(client)}, headers=HTMX)


# menu entry, form, what the station must receive (snake_case), the answer shown
MENU: list[tuple[str, dict[str, str], tuple[str, dict[str, Any]], str]] = [
    ("clear-cache", {}, ("ClearCache", {}), "Clear cache: Accepted"),
    ("soft-reset", {}, ("Reset", {"type": "Soft"}), "Soft reset: Accepted"),
    ("hard-reset", {}, ("Reset", {"type": "Hard"}), "Hard reset: Accepted"),
    (
        "set-available",
        {},
        ("ChangeAvailability", {"connector_id": 0, "type": "Operative"}),
        "Set available: Accepted",
    ),
    (
        "set-unavailable",
        {},
        ("ChangeAvailability", {"connector_id": 0, "type": "Inoperative"}),
        "Set unavailable: Accepted",
    ),
    (
        "firmware-update",
        {"location": "ftp://fw.example/evb.bin", "retrieve_at": "2026-03-01T12:00"},
        (
            "UpdateFirmware",
            {"location": "ftp://fw.example/evb.bin", "retrieve_date": "2026-03-01T10:00:00Z"},
        ),
        "Firmware update: Accepted",
    ),
    (
        "get-diagnostics",
        {"location": "ftp://diag.example/up/"},
        ("GetDiagnostics", {"location": "ftp://diag.example/up/"}),
        "Get diagnostics: Accepted, file diag.zip",
    ),
    (
        "release-cable",
        {"connector_id": "1"},
        ("UnlockConnector", {"connector_id": 1}),
        "Release cable: Unlocked",
    ),
    (
        "start-charging",
        {"connector_id": "1", "id_tag": "04A2B3C4"},
        ("RemoteStartTransaction", {"connector_id": 1, "id_tag": "04A2B3C4"}),
        "Start charging: Accepted",
    ),
]


class TestCommandMenu:
    @pytest.mark.parametrize(("name", "form", "received", "shown"), MENU)
    async def test_the_station_gets_the_command_and_its_answer_is_shown(
        self,
        client: httpx.AsyncClient,
        world: World,
        ocpp_url: str,
        name: str,
        form: dict[str, str],
        received: tuple[str, dict[str, Any]],
        shown: str,
        session: AsyncSession,
    ) -> None:
        if "id_tag" in form:  # a remote start: the tag must be one that may charge there
            user = await create_charging_user(session, organization=world.org_a, groups=[world.b])
            await create_token(session, user=user, id_tag=form["id_tag"])
            await session.commit()
        await log_in(client, "alpha")
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            response = await command(client, world, name, **form)
        assert response.status_code == 200
        assert by_id(response.text, "command-outcome").startswith(shown)
        ((action, kwargs),) = script.received
        assert (action, received[1].items() <= kwargs.items()) == (received[0], True)

    async def test_a_rejection_reads_remote_command_execution_failed(
        self, client: httpx.AsyncClient, world: World, ocpp_url: str
    ) -> None:
        await log_in(client, "beta")
        script = Script()
        script.answers["Reset"] = call_result.Reset(status="Rejected")
        async with connected(ocpp_url, "ST2", script=script):
            response = await command(client, world, "soft-reset")
        assert by_id(response.text, "command-outcome") == (
            "Remote command execution failed. The charging station answered Rejected."
        )
        assert 'class="alert alert-danger"' in response.text

    async def test_an_error_answer_is_a_failure_with_its_detail(
        self, client: httpx.AsyncClient, world: World, ocpp_url: str
    ) -> None:
        await log_in(client, "alpha")
        script = Script()
        script.answers["ClearCache"] = GenericError(description="cache is busy")
        async with connected(ocpp_url, "ST2", script=script):
            response = await command(client, world, "clear-cache")
        shown = by_id(response.text, "command-outcome")
        assert shown.startswith("Remote command execution failed.") and "cache is busy" in shown

    async def test_an_offline_station_says_so_and_nothing_is_sent(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        view = (await client.get(f"/stations/{world.stations[2].id}")).text
        assert "This charging station is offline" in by_id(view, "offline-note")
        response = await command(client, world, "soft-reset")
        assert by_id(response.text, "command-outcome") == (
            "Charging station is not connected. Nothing was sent."
        )

    async def test_without_htmx_the_whole_view_comes_back_with_the_answer(
        self, client: httpx.AsyncClient, world: World, ocpp_url: str
    ) -> None:
        await log_in(client, "alpha")
        url = f"/stations/{world.stations[2].id}/commands/refresh-configuration"
        async with connected(ocpp_url, "ST2"):
            response = await client.post(url, data={"csrf_token": csrf(client)})
        assert "<html" in response.text and 'id="station-figures"' in response.text
        outcome = by_id(response.text, "command-outcome")
        assert outcome.startswith("Refresh configuration: 2 configuration keys read.")
        assert "SupportedFeatureProfiles read-only Core" in outcome

    @pytest.mark.parametrize(
        ("form", "message"),
        [
            ({"location": " "}, "Location URL is required."),
            ({"location": "ftp://x/", "retrieve_at": "tomorrow"}, "Invalid retrieve time."),
        ],
    )
    async def test_missing_firmware_details_are_asked_for_before_sending(
        self, client: httpx.AsyncClient, world: World, form: dict[str, str], message: str
    ) -> None:
        await log_in(client, "alpha")
        response = await command(client, world, "firmware-update", **form)
        assert by_id(response.text, "command-outcome") == message


class TestChargingPoints:
    async def test_live_status_in_the_list_and_stop_charging_an_open_session(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        ocpp_url: str,
    ) -> None:
        world.stations[2].free_charging = True
        await session.commit()
        await log_in(client, "beta")
        script = Script()
        async with connected(ocpp_url, "ST2", script=script) as station:
            await station.boot()
            await station.status(1, "Charging")
            started = await station.start_tx(1, "04A2B3C4", 1000)
            listing = (await client.get("/stations")).text
            row = next(r for r in table_rows(listing, "stations-table") if "ST2" in r)
            assert "Fake-1" not in row and "1.0.0 Online #1 Charging" in row
            points = (await client.get(f"/stations/{world.stations[2].id}", headers=HTMX)).text
            assert "Stop charging" in points and "Start charging" not in points
            assert "with token 04A2B3C4" in text(points)
            response = await command(client, world, "stop-charging", connector_id="1")
        assert by_id(response.text, "command-outcome").startswith("Stop charging: Accepted")
        assert script.received == [
            ("RemoteStopTransaction", {"transaction_id": started.transaction_id})
        ]


class TestAdvancedSettings:
    async def test_refresh_lists_the_keys_with_read_only_ones_greyed(
        self, client: httpx.AsyncClient, world: World, ocpp_url: str
    ) -> None:
        await log_in(client, "alpha")
        url = f"/stations/{world.stations[2].id}/edit/advanced"
        assert "Press Refresh configuration" in (await client.get(url)).text.replace("<em>", "")
        async with connected(ocpp_url, "ST2"):
            response = await client.post(url, data={"csrf_token": csrf(client)}, headers=HTMX)
        page = response.text
        assert "<html" not in page
        assert 'data-key="HeartbeatInterval">' in page
        assert 'data-key="SupportedFeatureProfiles" class="table-light text-muted"' in page
        assert 'aria-label="Value of SupportedFeatureProfiles" disabled' in page
        assert 'aria-label="Change SupportedFeatureProfiles"' not in page

    @pytest.mark.parametrize(
        ("status", "error"),
        [
            ("Accepted", None),
            ("RebootRequired", None),
            ("Rejected", "Charging point configuration error."),
            ("NotSupported", "Charging point configuration error."),
        ],
    )
    async def test_a_change_shows_the_station_s_answer(
        self,
        client: httpx.AsyncClient,
        world: World,
        ocpp_url: str,
        status: str,
        error: str | None,
    ) -> None:
        await log_in(client, "alpha")
        script = Script()
        script.answers["ChangeConfiguration"] = call_result.ChangeConfiguration(status=status)
        url = f"/stations/{world.stations[2].id}/edit/advanced/change"
        form = {"key": "HeartbeatInterval", "value": "60", "csrf_token": csrf(client)}
        async with connected(ocpp_url, "ST2", script=script):
            response = await client.post(url, data=form, headers=HTMX)
        assert script.received == [
            ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"})
        ]
        (row,) = table_rows(f'<table id="t"><tbody>{response.text}</tbody></table>', "t")
        assert row.startswith("HeartbeatInterval Change")
        assert " ".join(filter(None, [status, error])) in row
        # An accepted value is stored and says when; one waiting for a reboot says so.
        stored = re.search(rf"Change \d\d\.\d\d\.\d{{4}} \d\d:\d\d {status}", row)
        assert bool(stored) == (error is None)
        assert ("Reboot required" in row) == (status == "RebootRequired")

    async def test_an_offline_station_cannot_be_refreshed(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        url = f"/stations/{world.stations[2].id}/edit/advanced"
        page = (await client.post(url, data={"csrf_token": csrf(client)})).text
        assert by_id(page, "config-error") == "Charging station is not connected. Nothing was sent."
