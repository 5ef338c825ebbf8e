"""The station panel's client-side behaviour in real Chromium: the event feed's sorting kept
across filters, search and days, and the station list refreshing its live status by itself
while the operator's search and sort stay as they were.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.browser import LiveServer, log_in_page
from tests.fixtures.factories import PASSWORD, create_event
from tests.fixtures.station import connected
from tests.fixtures.world import build_world

pytestmark = pytest.mark.browser

# The list polls every 10 s; a little more for the round trip.
POLL = 15_000


async def infos(page: Page) -> list[str]:
    cells = page.locator("#events-table tbody tr td:first-child")
    return [text.strip() for text in await cells.all_inner_texts()]


async def test_the_feed_sorts_by_a_header_and_keeps_it_across_filters_search_and_days(
    page: Page, live_server: LiveServer, session: AsyncSession
) -> None:
    world = await build_world(session)
    station = world.stations[2]
    for hour, connector, status, info in (
        (6, 1, "Available", "Morning"),
        (7, 1, "Charging", "Energy is flowing"),
        (8, 0, "Available", "FW update: car connected"),
        (9, 2, "Available", "Plugged out"),
    ):
        when = datetime(2026, 1, 15, hour, tzinfo=UTC)
        await create_event(
            session, station=station, at=when, connector_id=connector, status=status, info=info
        )
    await session.commit()
    await log_in_page(page, live_server.url, "alpha", PASSWORD)
    await page.goto(f"{live_server.url}/stations/{station.id}/events?day=2026-01-15")
    assert await infos(page) == [
        "Plugged out",
        "FW update: car connected",
        "Energy is flowing",
        "Morning",
    ]

    header = page.locator("#events-table thead a", has_text="Charging point")
    await header.click()
    await expect(header).to_have_text("Charging point ▲")
    assert (await infos(page))[0] == "FW update: car connected"
    await header.click()
    await expect(header).to_have_text("Charging point ▼")
    assert await infos(page) == [
        "Plugged out",
        "Energy is flowing",
        "Morning",
        "FW update: car connected",
    ]

    await page.get_by_label("Select OCPP status").select_option("Available")
    await expect(page.locator("#events-table tbody tr")).to_have_count(3)
    assert await infos(page) == ["Plugged out", "Morning", "FW update: car connected"]
    await page.get_by_placeholder("Search for specific event").fill("p")
    await expect(page.locator("#events-table tbody tr")).to_have_count(2)
    assert await infos(page) == ["Plugged out", "FW update: car connected"]
    assert "sort=-point" in page.url and "status=Available" in page.url

    await page.locator("#previous-day").click()
    await page.wait_for_url("**day=2026-01-14**")
    assert "sort=-point" in page.url and "status=Available" in page.url and "q=p" in page.url
    await expect(header).to_have_text("Charging point ▼")


async def test_the_station_list_refreshes_its_live_status_without_disturbing_the_operator(
    page: Page, live_server: LiveServer, session: AsyncSession
) -> None:
    await build_world(session)
    await log_in_page(page, live_server.url, "alpha", PASSWORD)
    await page.goto(f"{live_server.url}/stations")
    header = page.locator("#stations-table thead a", has_text="Identifier")
    await header.click()
    await expect(header).to_have_text("Identifier ▲")
    await header.click()
    await expect(header).to_have_text("Identifier ▼")
    search = page.get_by_placeholder("Search for charging stations")
    await search.fill("ST")
    await page.wait_for_url("**q=ST**")
    rows = page.locator("#stations-table tbody tr")
    await expect(rows).to_have_count(4)
    row = page.locator('tr[data-identifier="ST2"] .live-status')
    await expect(row).to_have_text("Offline")
    # Marks this very page: a reload would lose it.
    await page.evaluate("window.notReloaded = true")

    async with connected(live_server.url.replace("http://", "ws://"), "ST2") as station:
        await station.boot()
        await station.status(1, "Charging")
        # The operator is typing when the refresh comes.
        await search.focus()
        await search.press("End")
        await expect(row).to_contain_text("Online", timeout=POLL)
        await expect(row).to_contain_text("#1 Charging")

    assert await page.evaluate("window.notReloaded === true")
    assert await search.input_value() == "ST"
    assert await page.evaluate("document.activeElement.name") == "q"
    await expect(header).to_have_text("Identifier ▼")
    identifiers = [await r.get_attribute("data-identifier") for r in await rows.all()]
    assert identifiers == ["ST4", "ST3", "ST2", "ST1"]
    # After it goes away, the next refresh says so.
    await expect(row).to_have_text("Offline", timeout=POLL)


async def test_advanced_settings_search_applies_to_refreshed_keys_and_they_outlive_the_station(
    page: Page, live_server: LiveServer, session: AsyncSession
) -> None:
    world = await build_world(session)
    await log_in_page(page, live_server.url, "alpha", PASSWORD)
    url = f"{live_server.url}/stations/{world.stations[2].id}/edit/advanced"
    heartbeat = page.locator('#config-table tr[data-key="HeartbeatInterval"]')
    profiles = page.locator('#config-table tr[data-key="SupportedFeatureProfiles"]')
    async with connected(live_server.url.replace("http://", "ws://"), "ST2"):
        await page.goto(url)
        await expect(page.locator("#config-empty")).to_be_visible()
        await page.get_by_placeholder("Search for advanced settings").fill("heart")
        await page.get_by_role("button", name="Refresh configuration").click()
        await expect(heartbeat).to_be_visible()
        await expect(profiles).to_be_hidden()  # the search typed before the refresh applies
        await page.get_by_label("Value of HeartbeatInterval").fill("60")
        await page.get_by_role("button", name="Change HeartbeatInterval").click()
        await expect(heartbeat.locator(".config-answer")).to_have_text("Accepted")

    for _ in range(50):  # until the server has seen the station go
        await page.reload()
        if await page.locator("#config-offline").count():
            break
        await page.wait_for_timeout(100)
    await expect(page.locator("#config-offline")).to_be_visible()
    await expect(page.get_by_label("Value of HeartbeatInterval")).to_have_value("60")
    await expect(page.get_by_label("Value of HeartbeatInterval")).to_be_disabled()
    await expect(page.get_by_role("button", name="Refresh configuration")).to_be_disabled()
    await expect(profiles).to_have_class("table-light text-muted")
