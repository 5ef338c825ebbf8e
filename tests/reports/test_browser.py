"""In real Chromium: the dashboard with a simulated station charging, its donut's filter and
the remembered group choice; a report with a user-group filter and its CSV downloaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.ocpp.simulate import run_station
from laturi.ocpp.simulator import SimConfig
from laturi.reports.panel.web import last_month
from tests.fixtures.browser import LiveServer, log_in_page
from tests.fixtures.factories import (
    PASSWORD,
    create_charging_user,
    create_token,
    create_user_group,
)
from tests.fixtures.world import build_world
from tests.reports.sessions_data import add_session

pytestmark = pytest.mark.browser


@contextlib.asynccontextmanager
async def charging_station(server: LiveServer, identifier: str) -> AsyncIterator[None]:
    """A simulated station that starts charging at once and keeps at it for a minute or more."""
    config = SimConfig(
        url=server.url.replace("http://", "ws://"),
        identifiers=[identifier],
        idle_seconds=(1.0, 2.0),
        session_seconds=(600.0, 900.0),
        meter_interval=30.0,
        speed=10.0,
        seed=1,
    )
    task = asyncio.create_task(run_station(identifier, config))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_dashboard_live_icons_donut_filter_and_remembered_groups(
    page: Page, live_server: LiveServer, session: AsyncSession
) -> None:
    world = await build_world(session)
    world.stations[2].free_charging = True  # any tag charges: the simulator's too
    await session.commit()
    base = live_server.url
    async with charging_station(live_server, "ST2"):
        await log_in_page(page, base, "alpha", PASSWORD)
        group_view = page.locator("#group-view")
        await expect(group_view.get_by_role("link", name="B", exact=True)).to_be_visible()
        # The page refreshes itself (every 5 s): the station's point turns to Charging.
        charging = group_view.locator('.point-icon[data-state="Charging"]')
        await expect(charging).to_have_count(1, timeout=30_000)
        await expect(page.locator(".station-row")).to_have_count(4)
        await expect(page.locator("#count-charging")).to_have_text("1")

        await page.locator('#state-filters [data-state="Charging"]').click()
        await expect(page.locator("#filtered-by")).to_have_text("Charging")
        await expect(page.locator(".station-row")).to_have_count(1)
        row = page.locator(".station-row")
        await expect(row).to_have_attribute("data-station", str(world.stations[2].id))

        await page.locator("#gear").click()
        await page.get_by_label("A", exact=True).uncheck()
        await page.get_by_label("C", exact=True).check()
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("status")).to_have_text("Group selection saved.")
        await expect(page.locator(".group-box")).to_have_count(1)
        await expect(page.locator(".station-row")).to_have_count(1)

        await page.get_by_role("button", name="Log out").click()
        await log_in_page(page, base, "alpha", PASSWORD)
        boxes = page.locator("#group-view .group-box")
        await expect(boxes).to_have_count(1)
        await expect(boxes.first).to_have_attribute("data-group", str(world.c.id))
        await expect(page.locator(".station-row")).to_have_attribute(
            "data-station", str(world.stations[4].id)
        )


async def test_report_last_month_by_user_group_and_comma_csv(
    page: Page, live_server: LiveServer, session: AsyncSession
) -> None:
    world = await build_world(session)
    club = await create_user_group(session, organization=world.org_a, name="Club fans")
    ann = await create_charging_user(
        session, organization=world.org_a, first_name="Ann", last_name="Auer", user_group=club
    )
    bob = await create_charging_user(
        session, organization=world.org_a, first_name="Bob", last_name="Berg"
    )
    home = await create_token(session, user=ann, name="Home")
    first, last = last_month(datetime.now(ZoneInfo("Europe/Helsinki")).date())
    middle = datetime.combine(first + timedelta(days=10), time(12), UTC)
    await add_session(session, world.stations[1], ended=middle, wh=12345, user=ann, token=home)
    await add_session(session, world.stations[2], ended=middle, wh=2001, user=ann, token=home)
    await add_session(session, world.stations[3], ended=middle, wh=99999, user=bob)
    await session.commit()

    await log_in_page(page, live_server.url, "alpha", PASSWORD)
    await page.get_by_role("link", name="Reports").click()
    await expect(page.get_by_label("FROM", exact=True)).to_have_value(first.isoformat())
    await expect(page.get_by_label("TO", exact=True)).to_have_value(last.isoformat())
    await page.get_by_label("Select charging user groups").select_option(label="Club fans")
    await page.get_by_role("button", name="SHOW DATA").click()
    await expect(page.locator("#report-total")).to_contain_text("14.35 kWh")
    await expect(page.locator("#report-table tbody tr")).to_have_count(2)

    await page.get_by_label("Use comma").check()
    async with page.expect_download() as info:
        await page.get_by_role("button", name="EXPORT CSV").click()
    download = await info.value
    assert download.suggested_filename == f"charging-report-{first}-{last}.csv"
    text = (await download.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Charging user" and rows[0][7].endswith("(Europe/Helsinki)")
    assert {r[0] for r in rows[1:]} == {"Ann Auer"}
    assert sum(Decimal(r[6].replace(",", ".")) for r in rows[1:]) == Decimal("14.346")
