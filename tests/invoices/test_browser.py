"""In real Chromium: settings saved, invoices added for a user group with a member lacking an
e-mail (the confirmation), previews shown, two sent, one marked paid, one unpaid after the
confirmation dialog. Screenshots of every invoice page at desktop and phone width."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Dialog, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.config import Settings
from laturi.db import Database
from tests.fixtures.browser import ARTIFACTS, LiveServer, log_in_page
from tests.fixtures.factories import PASSWORD
from tests.invoices.conftest import Billing

pytestmark = pytest.mark.browser


@pytest.fixture
def server(database: Database, session: AsyncSession, outbox: Path) -> Iterator[LiveServer]:
    """The app with its invoice worker running (PDFs in a thread: no process pool per test)."""
    settings = Settings(database_url=database.url, outbox_dir=outbox, invoice_pdf_processes=0)
    with LiveServer(settings) as live:
        app = live.server.config.app
        assert isinstance(app, FastAPI)
        app.state.invoice_worker.poll = 0.2
        yield live


async def test_invoice_a_group_preview_send_pay_and_unpay(
    page: Page, server: LiveServer, billing: Billing
) -> None:
    base = server.url
    await log_in_page(page, base, "alpha", PASSWORD)
    await page.get_by_role("link", name="Invoices", exact=True).click()
    await page.get_by_role("link", name="Invoices settings").click()
    await page.get_by_label("TELEPHONE").fill("+358 50 765 4321")
    await page.get_by_label("RECIPIENT IBAN").fill("FI21 1234 5600 0007 86")
    await page.get_by_role("button", name="Save changes").first.click()
    await expect(page.locator('[data-field="recipient_iban"]')).to_contain_text("not a valid IBAN")
    await page.get_by_label("RECIPIENT IBAN").fill("FI21 1234 5600 0007 85")
    await page.get_by_role("button", name="Save changes").first.click()
    await expect(page.get_by_role("status")).to_have_text("Invoice settings saved.")

    await page.get_by_role("link", name="Add invoice +").click()
    await page.get_by_label("FROM:").fill("2018-11-01")
    await page.get_by_label("TO:").fill("2019-02-28")
    await page.get_by_label("Charging user groups").select_option(label="Ducks")
    await page.get_by_role("button", name="Invoice previews").click()
    await expect(page.locator("#confirm-others")).to_contain_text("Gyro Gearloose")
    await page.get_by_role("button", name="Invoice the others").click()
    await page.wait_for_url(f"{base}/invoices/previews?run=*")
    rows = page.locator("#previews-table tbody tr")
    await expect(rows).to_have_count(2)
    await expect(page.locator("#previews-table")).to_contain_text("26.85 €")
    await page.get_by_label("Select all").check()
    await page.get_by_role("button", name="Send invoices").click()
    await expect(page.get_by_role("status")).to_have_text("2 invoices sent.")

    donald = page.locator("#invoices-table tr", has_text="Donald Duck")
    await donald.get_by_role("button", name="Mark paid").click()
    await expect(page.get_by_role("status")).to_have_text("Invoice 108986 marked paid.")
    await expect(donald).to_contain_text("Paid")

    asked: list[str] = []

    async def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await (dialog.accept() if len(asked) > 1 else dialog.dismiss())

    page.on("dialog", answer)
    await donald.get_by_role("button", name="Mark unpaid").click()
    await expect(donald.locator("td").nth(1)).to_have_text("✔")  # dismissed: still paid
    await donald.get_by_role("button", name="Mark unpaid").click()
    await expect(page.get_by_role("status")).to_have_text("Invoice 108986 marked unpaid.")
    assert asked == ["Mark invoice 108986 of Donald Duck unpaid?"] * 2
    await expect(donald).to_contain_text("Sent")  # due in 14 days: sent, not overdue
    await _screenshots(page, base)


async def _screenshots(page: Page, base: str) -> None:
    """For a person to look at: each invoice page at 1280 and 390 px."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        await page.set_viewport_size({"width": width, "height": height})
        for name, path in (
            ("list", "/invoices"),
            ("settings", "/invoices/settings"),
            ("add", "/invoices/new"),
            ("previews", "/invoices/previews"),
        ):  # not a run's page: a finished small run sends the browser on to its previews
            await page.goto(f"{base}{path}")
            await page.screenshot(path=ARTIFACTS / f"invoices-{name}-{width}.png", full_page=True)
