"""Stored configuration keys: what a station last reported, shown without asking it again.

A real station (the `ocpp` package's ChargePoint, tests/fixtures/station.py) answers
GetConfiguration and ChangeConfiguration; the panel and the REST API read what was stored.
"""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from ocpp.v16 import call_result
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.stations.commands import configuration
from laturi.stations.commands.configuration_repository import keys_of
from tests.fixtures.html import by_id, table_rows
from tests.fixtures.server import ocpp_url
from tests.fixtures.station import Script, connected
from tests.fixtures.wait import eventually
from tests.fixtures.world import World, api_token, csrf, log_in

__all__ = ["ocpp_url"]

HTMX = {"HX-Request": "true"}
# The fake station's configuration by default (tests/fixtures/station.py).
DEFAULT_ROWS = ["HeartbeatInterval Change", "SupportedFeatureProfiles read-only"]
LOCAL_TIME = re.compile(r" \d\d\.\d\d\.\d{4} \d\d:\d\d")


def advanced(world: World) -> str:
    return f"/stations/{world.stations[2].id}/edit/advanced"


def rows(page: str) -> list[str]:
    """The settings table's rows without their read-at times."""
    return [LOCAL_TIME.sub("", row) for row in table_rows(page, "config-table")]


def value_field(page: str, key: str) -> str:
    """The value input of a key's row."""
    found = re.search(rf'<input[^>]*aria-label="Value of {key}"[^>]*>', page)
    assert found, f"no value field for {key}"
    return found.group(0)


async def refresh(client: httpx.AsyncClient, world: World) -> httpx.Response:
    return await client.post(advanced(world), data={"csrf_token": csrf(client)}, headers=HTMX)


async def change(client: httpx.AsyncClient, world: World, key: str, value: str) -> httpx.Response:
    form = {"key": key, "value": value, "csrf_token": csrf(client)}
    return await client.post(f"{advanced(world)}/change", data=form, headers=HTMX)


async def offline(app: FastAPI, world: World) -> None:
    async def gone() -> bool:
        return not app.state.bus.is_online(world.stations[2].id)

    await eventually(gone)


class TestStoredOnRefresh:
    async def test_the_keys_stay_readable_while_the_station_is_offline(
        self, client: httpx.AsyncClient, world: World, ocpp_url: str, app: FastAPI
    ) -> None:
        await log_in(client, "alpha")
        async with connected(ocpp_url, "ST2"):
            fresh = (await refresh(client, world)).text
            assert rows(fresh) == DEFAULT_ROWS
            assert 'id="config-offline"' not in fresh
        await offline(app, world)
        page = (await client.get(advanced(world))).text
        assert rows(page) == ["HeartbeatInterval", "SupportedFeatureProfiles read-only"]
        assert by_id(page, "config-offline").startswith("This charging station is offline")
        # Read-only while offline: nothing to change, nothing to refresh; still greyed, searchable.
        assert value_field(page, "HeartbeatInterval").endswith("disabled>")
        assert 'aria-label="Change HeartbeatInterval"' not in page
        assert 'id="refresh-configuration" disabled' in page
        assert 'data-key="SupportedFeatureProfiles" class="table-light text-muted"' in page
        assert 'id="config-search"' in page
        # When it was read, in the operator's time zone.
        (read_at,) = set(LOCAL_TIME.findall(" ".join(table_rows(page, "config-table"))))
        assert read_at.strip() in by_id(page, "config-read-at")
        assert "(Europe/Helsinki)" in by_id(page, "config-read-at")

    async def test_a_new_read_replaces_the_keys_the_station_no_longer_reports(
        self, client: httpx.AsyncClient, world: World, ocpp_url: str
    ) -> None:
        await log_in(client, "alpha")
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            await refresh(client, world)
            script.answers["GetConfiguration"] = call_result.GetConfiguration(
                configuration_key=[
                    {"key": "HeartbeatInterval", "readonly": True, "value": "900"},
                    {"key": "MeterValueSampleInterval", "readonly": False, "value": "60"},
                ]
            )
            page = (await refresh(client, world)).text
        assert rows(page) == ["HeartbeatInterval read-only", "MeterValueSampleInterval Change"]
        field = value_field(page, "HeartbeatInterval")
        assert 'value="900"' in field and field.endswith("disabled>")

    async def test_refresh_from_the_command_menu_is_stored_too(
        self, client: httpx.AsyncClient, world: World, ocpp_url: str
    ) -> None:
        await log_in(client, "beta")  # a basic operator may refresh; the tab is the admins'
        url = f"/stations/{world.stations[2].id}/commands/refresh-configuration"
        async with connected(ocpp_url, "ST2"):
            await client.post(url, data={"csrf_token": csrf(client)}, headers=HTMX)
        await log_in(client, "alpha")
        assert rows((await client.get(advanced(world))).text) == [
            "HeartbeatInterval",
            "SupportedFeatureProfiles read-only",
        ]

    async def test_a_failed_refresh_keeps_what_was_stored(
        self, client: httpx.AsyncClient, world: World, ocpp_url: str, app: FastAPI
    ) -> None:
        await log_in(client, "alpha")
        async with connected(ocpp_url, "ST2"):
            await refresh(client, world)
        await offline(app, world)
        page = (await refresh(client, world)).text
        assert by_id(page, "config-error") == "Charging station is not connected. Nothing was sent."
        assert len(rows(page)) == 2


class TestStoredOnChange:
    @pytest.mark.parametrize(
        ("status", "stored"), [("Accepted", "60"), ("RebootRequired", "60"), ("Rejected", "300")]
    )
    async def test_an_accepted_value_is_stored(
        self,
        client: httpx.AsyncClient,
        world: World,
        ocpp_url: str,
        app: FastAPI,
        status: str,
        stored: str,
    ) -> None:
        await log_in(client, "alpha")
        script = Script()
        script.answers["ChangeConfiguration"] = call_result.ChangeConfiguration(status=status)
        async with connected(ocpp_url, "ST2", script=script):
            await refresh(client, world)
            await change(client, world, "HeartbeatInterval", "60")
        await offline(app, world)
        page = (await client.get(advanced(world))).text
        assert f'value="{stored}"' in value_field(page, "HeartbeatInterval")

    async def test_reboot_required_is_shown_until_the_station_boots(
        self, client: httpx.AsyncClient, world: World, ocpp_url: str
    ) -> None:
        await log_in(client, "alpha")
        script = Script()
        script.answers["ChangeConfiguration"] = call_result.ChangeConfiguration(
            status="RebootRequired"
        )
        async with connected(ocpp_url, "ST2", script=script) as station:
            await station.boot()
            await refresh(client, world)
            row = (await change(client, world, "HeartbeatInterval", "60")).text
            assert "Reboot required" in row
            page = (await client.get(advanced(world))).text
            assert "Reboot required" in page
            await station.boot()
            assert "Reboot required" not in (await client.get(advanced(world))).text


class TestApi:
    async def test_get_configuration_through_the_api_is_stored_and_read_back(
        self, session: AsyncSession, client: httpx.AsyncClient, world: World, ocpp_url: str
    ) -> None:
        alpha = await api_token(session, world.alpha)
        base = f"/api/v1/stations/{world.stations[2].id}"
        empty = (await client.get(f"{base}/configuration", headers=alpha)).json()
        assert empty == {"online": False, "read_at": None, "keys": []}
        async with connected(ocpp_url, "ST2"):
            sent = await client.post(f"{base}/commands/GetConfiguration", json={}, headers=alpha)
            assert sent.status_code == 200
            found = (await client.get(f"{base}/configuration", headers=alpha)).json()
        assert found["online"] is True and found["read_at"] is not None
        assert [
            (k["key"], k["value"], k["readonly"], k["reboot_required"]) for k in found["keys"]
        ] == [
            ("HeartbeatInterval", "300", False, False),
            ("SupportedFeatureProfiles", "Core", True, False),
        ]

    async def test_asking_for_some_keys_updates_those_and_forgets_unknown_ones(
        self, session: AsyncSession, client: httpx.AsyncClient, world: World, ocpp_url: str
    ) -> None:
        alpha = await api_token(session, world.alpha)
        base = f"/api/v1/stations/{world.stations[2].id}"
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            await client.post(f"{base}/commands/GetConfiguration", json={}, headers=alpha)
            script.answers["GetConfiguration"] = call_result.GetConfiguration(
                configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "30"}],
                unknown_key=["SupportedFeatureProfiles"],
            )
            params = {"key": ["HeartbeatInterval", "SupportedFeatureProfiles"]}
            await client.post(f"{base}/commands/GetConfiguration", json=params, headers=alpha)
        found = (await client.get(f"{base}/configuration", headers=alpha)).json()
        assert [(k["key"], k["value"]) for k in found["keys"]] == [("HeartbeatInterval", "30")]

    async def test_another_domain_s_station_does_not_exist(
        self, session: AsyncSession, client: httpx.AsyncClient, world: World
    ) -> None:
        gamma = await api_token(session, world.gamma)
        response = await client.get(
            f"/api/v1/stations/{world.stations[2].id}/configuration", headers=gamma
        )
        assert response.status_code == 404


class TestMisbehavingStation:
    async def test_keys_breaking_the_schema_are_skipped_and_duplicates_stored_once(
        self, session: AsyncSession, world: World
    ) -> None:
        station_id = world.stations[2].id
        answer = {
            "configurationKey": [
                {"key": "A", "value": "1"},
                {"key": "A", "value": "2"},
                {"key": "K" * 51, "value": "too long a key"},
                {"value": "no key"},
                "not an object",
                {"key": "B", "value": "x" * 600, "readonly": True},
            ]
        }
        await configuration.remember_read(session, station_id, {}, answer)
        await session.commit()
        stored = [(k.key, k.value, k.readonly) for k in await keys_of(session, station_id)]
        assert stored == [("A", "2", False), ("B", "x" * 500, True)]
