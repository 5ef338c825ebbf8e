"""In real Chromium: the manual's first example, then the event feed and a retry.

Limit charger X to 6 A at 01:00, copy the task, set it back at 06:00, tick both active. The
pages are also photographed at desktop and phone width into test-artifacts/.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.bus.local import LocalBus
from laturi.config import Settings
from laturi.db import Database
from laturi.models import ScheduledTask
from laturi.schedules.runner import Scheduler
from tests.fixtures.browser import ARTIFACTS, LiveServer, log_in_page
from tests.fixtures.factories import PASSWORD
from tests.fixtures.world import build_world
from tests.schedules.helpers import minute, run_at

pytestmark = pytest.mark.browser


async def shoot(page: Page, name: str) -> None:
    """Desktop (1280) and phone (390) width photographs of the page as it is."""
    for width, height, label in ((1280, 900, "desktop"), (390, 844, "phone")):
        await page.set_viewport_size({"width": width, "height": height})
        await page.screenshot(path=ARTIFACTS / f"schedules-{name}-{label}.png", full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 900})


async def test_limit_a_charger_at_night_then_the_feed_and_a_retry(
    page: Page, live_server: LiveServer, session: AsyncSession, database: Database
) -> None:
    world = await build_world(session)
    base = live_server.url
    await page.set_viewport_size({"width": 1280, "height": 900})
    await log_in_page(page, base, "alpha", PASSWORD)

    await page.get_by_role("link", name="Schedule tasks").click()
    await page.get_by_role("link", name="Add new task +").click()
    await expect(page.locator("#utc-now")).to_contain_text("UTC now is")
    await page.get_by_label("Task name").fill("Limit charger ST2 at night")
    await page.get_by_label("Task type").select_option(label="Max current allowed per charger")
    await page.get_by_label("Search for the key").fill("ST2")
    await expect(page.locator("#key_id option")).to_have_count(2)
    await page.locator("#key_id").select_option(label="ST2")
    await page.get_by_label("Max current (A)").fill("6")
    await page.locator("#schedule").select_option(label="Daily")
    await page.locator("#hour").fill("1")
    await page.locator("#minute").fill("0")
    await shoot(page, "form")
    await page.get_by_role("button", name="Schedule task").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Task Limit charger ST2 at night scheduled."
    )

    await page.get_by_role("button", name="Copy Limit charger ST2 at night").click()
    await expect(page.get_by_label("Task name")).to_have_value("Copy of Limit charger ST2 at night")
    await page.get_by_label("Task name").fill("Full current for ST2 in the morning")
    await page.get_by_label("Max current (A)").fill("32")
    await page.locator("#hour").fill("6")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("status")).to_have_text("Changes saved.")

    for name in ("Limit charger ST2 at night", "Full current for ST2 in the morning"):
        switch = page.get_by_label(f"Active: {name}")
        await switch.check()
        await expect(page.get_by_label(f"Active: {name}")).to_be_checked()
    await expect(page.locator("#tasks-table")).to_contain_text("01:00")
    await expect(page.locator("#tasks-table")).to_contain_text("06:00")
    await shoot(page, "list")
    tasks = (await session.scalars(select(ScheduledTask).order_by(ScheduledTask.id))).all()
    assert [(t.hour, str(t.max_current), t.active) for t in tasks] == [
        (1, "6.0", True),
        (6, "32.0", True),
    ]

    # The night run happens with ST2 not connected: it fails, and the feed says so.
    night = tasks[0]
    assert night.next_run_at is not None
    due = night.next_run_at
    settings = Settings(database_url=database.url, scheduler_enabled=False, ocpp_command_timeout=1)
    await run_at(Scheduler(settings, database, LocalBus()), due + timedelta(seconds=1))
    await page.goto(f"{base}/schedules/feed?date={due.date().isoformat()}")
    row = page.locator("#feed-table tbody tr").first
    await expect(row).to_contain_text("Limit charger ST2 at night")
    await expect(row).to_contain_text("1 task failed")
    await shoot(page, "feed")
    await row.get_by_role("link", name="Limit charger ST2 at night").click()
    await expect(page.locator("#targets-table")).to_contain_text("Offline")
    await shoot(page, "run")
    await page.get_by_role("button", name="Retry").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "Retry: Limit charger ST2 at night runs at"
    )
    await page.goto(f"{base}/schedules")
    await expect(page.locator("#tasks-table")).to_contain_text("Retry: Limit charger ST2 at night")
    assert minute() <= due + timedelta(days=1)
    assert world.stations[2].identifier == "ST2"
