"""End to end in real Chromium: add a station, a simulated station connects, reset it from the
command menu, read its event feed.

The station is `laturi.ocpp.simulator` (the `ocpp` package's ChargePoint as a client), run
with `run_station` as `laturi simulate` runs it: it boots, reports its statuses, and on a
reset reboots and connects again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.ocpp.simulate import run_station
from laturi.ocpp.simulator import SimConfig
from tests.fixtures.browser import LiveServer, log_in_page
from tests.fixtures.factories import PASSWORD
from tests.fixtures.world import build_world

pytestmark = pytest.mark.browser

IDENTIFIER = "EVI00000013"


@contextlib.asynccontextmanager
async def simulated_station(server: LiveServer) -> AsyncIterator[None]:
    """The simulator playing the device, connected (and reconnecting) to the live server."""
    url = server.url.replace("http://", "ws://")
    config = SimConfig(url=url, identifiers=[IDENTIFIER], charge=False)
    task = asyncio.create_task(run_station(IDENTIFIER, config))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def reload_until_online(page: Page, within: float = 10.0) -> None:
    """Reload the station view until it shows the station online with its charging point.

    The view refreshes its charging points itself every 5 s; reloading is quicker.
    """
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        await page.reload()
        state = await page.locator("#station-state").inner_text()
        if "Online" in state and await page.locator(".charging-point").count():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the simulated station did not come online")


async def test_add_a_station_it_connects_reset_it_and_read_its_events(
    page: Page, live_server: LiveServer, session: AsyncSession
) -> None:
    await build_world(session)
    base = live_server.url
    await log_in_page(page, base, "alpha", PASSWORD)

    await page.get_by_role("link", name="Charging stations").click()
    await page.get_by_role("link", name="Add new charging station +").first.click()
    await page.get_by_label("Charging station name").fill("Pine Mall entry")
    await page.get_by_label("Identifier").fill(IDENTIFIER)
    await page.get_by_label("Parent group").select_option(label="· B")
    await page.get_by_role("button", name="Save changes").first.click()
    await expect(page.get_by_role("status")).to_have_text("Charging station Pine Mall entry added.")
    await expect(page.locator("#offline-note")).to_be_visible()

    async with simulated_station(live_server):
        await reload_until_online(page)
        point = page.locator(".charging-point", has_text="Charging point #1")
        await expect(point).to_contain_text("Available")
        await expect(page.locator("#offline-note")).to_have_count(0)

        await page.get_by_role("button", name="⚙ Advanced").click()
        await page.get_by_role("button", name="Soft reset").click()
        await expect(page.locator("#command-outcome")).to_contain_text("Soft reset: Accepted")

        await page.get_by_role("link", name="Event feed").click()
        events = page.locator("#events-table tbody")
        await expect(events).to_contain_text("Command: Reset: Accepted")
        await expect(events).to_contain_text("Boot: Laturi Simulator, firmware SIM-1.0")
        await expect(events).to_contain_text("Charging point #1")

        await page.get_by_label("Select OCPP status").select_option("Available")
        rows = events.locator("tr")
        await expect(rows.first).to_contain_text("Available")
        for text in await rows.all_inner_texts():
            assert "Available" in text and "Command" not in text
