"""End to end in real Chromium: log in, create a group, move it, delete it."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.browser import LiveServer, log_in_page
from tests.fixtures.factories import PASSWORD
from tests.fixtures.world import build_world

pytestmark = pytest.mark.browser


async def test_create_move_and_delete_a_group(
    page: Page, live_server: LiveServer, session: AsyncSession
) -> None:
    await build_world(session)
    base = live_server.url
    await log_in_page(page, base, "alpha", PASSWORD)

    await page.get_by_role("link", name="Charging groups").click()
    await page.get_by_role("link", name="Add new charging group +").click()
    await page.get_by_label("Name").fill("Parking deck")
    await page.get_by_label("Parent group").select_option(label="· B")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("status")).to_have_text("Charging group Parking deck added.")
    await expect(page.locator("dl")).to_contain_text("B")

    await page.get_by_role("link", name="Edit charging group").click()
    await page.get_by_label("Parent group").select_option(label="· C")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("status")).to_have_text("Changes saved.")
    await expect(page.locator("dl dd").first).to_have_text("C")

    await page.goto(f"{base}/groups")
    await page.get_by_role("searchbox", name="Search for charging groups").fill("deck")
    rows = page.locator("#groups-table tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("C")

    await rows.first.get_by_role("link", name="Edit Parking deck").click()
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Delete this group").click()
    await expect(page.get_by_role("status")).to_have_text("Charging group deleted.")
    await expect(page.locator("#groups-table")).not_to_contain_text("Parking deck")
