"""End to end in real Chromium: add a user with two tokens, find them by token id, move them
to another user group."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import UserGroup
from tests.fixtures.browser import LiveServer, log_in_page
from tests.fixtures.factories import PASSWORD, create_user_group
from tests.fixtures.world import build_world

pytestmark = pytest.mark.browser


async def test_add_a_user_with_two_tokens_search_and_move_groups(
    page: Page, live_server: LiveServer, session: AsyncSession
) -> None:
    world = await build_world(session)
    await create_user_group(session, organization=world.org_a, name="Guests")
    await create_user_group(session, organization=world.org_a, name="Subcontractors")
    await session.commit()
    base = live_server.url
    await log_in_page(page, base, "alpha", PASSWORD)

    await page.get_by_role("link", name="Charging users", exact=True).click()
    await page.get_by_role("link", name="Add new charging user +").click()
    await page.get_by_label("First name").fill("Scrooge")
    await page.get_by_label("Last name").fill("McDuck")
    await page.get_by_label("E-mail address").fill("scrooge@duckburg.com")
    await page.get_by_label("User charging group").select_option(label="Guests")
    await page.get_by_label("Charging groups").select_option(label="· B")
    await page.get_by_label("Token (RFID)").fill("12345678")
    await page.get_by_label("Token name").fill("Scrooge's home charger")
    await page.get_by_role("button", name="Add new token +").click()
    await expect(page.locator("#token-count")).to_have_text("2")
    await page.get_by_label("Token (RFID)").nth(1).fill("04A1B2C3")
    await page.get_by_label("Token name").nth(1).fill("Office")
    await page.get_by_label("Token valid to").nth(1).fill("2030-12-31")
    await expect(page.get_by_label("Token valid infinitely").nth(1)).not_to_be_checked()
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("status")).to_have_text("Charging user Scrooge McDuck added.")

    await page.get_by_role("searchbox", name="Search for charging users").fill("04a1")
    rows = page.locator("#users-table tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Scrooge McDuck")
    await expect(rows.first).to_contain_text("Guests")
    await expect(rows.first.locator("td").nth(3)).to_have_text("2")
    await page.get_by_role("searchbox", name="Search for charging users").fill("nobody")
    await expect(rows.first).to_contain_text("No charging users match.")

    await page.get_by_role("link", name="Charging user groups").click()
    await page.get_by_role("link", name="Edit Subcontractors").click()
    await page.get_by_label("Charging users").select_option(
        label="Scrooge McDuck (scrooge@duckburg.com)"
    )
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("status")).to_have_text("Changes saved.")
    await expect(page.locator("#members")).to_contain_text("Scrooge McDuck")

    await page.goto(f"{base}/user-groups?sort=name")
    counts = page.locator("#user-groups-table tbody tr td:nth-child(2)")
    await expect(counts).to_have_text(["0", "1"])  # Guests, Subcontractors: moved, not copied

    await page.goto(f"{base}/charging-users")
    await rows.first.get_by_role("link", name="Edit Scrooge McDuck").click()
    await expect(page.get_by_label("User charging group")).to_have_value(
        str(await _group_id(session, "Subcontractors"))
    )
    await expect(page.get_by_label("E-mail address")).to_have_attribute("readonly", "")
    await expect(page.get_by_label("Token valid to").nth(1)).to_have_value("2030-12-31")


async def _group_id(session: AsyncSession, name: str) -> int:
    found = await session.scalar(select(UserGroup.id).where(UserGroup.name == name))
    assert found is not None
    return found
