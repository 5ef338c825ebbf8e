"""The panel's invoice pages through HTTP: settings, the add form, progress, previews, send."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.invoices.months import default_period
from laturi.invoices.tasks import InvoiceWorker
from tests.fixtures.world import csrf, log_in
from tests.invoices.conftest import MANUAL, Billing


async def test_settings_errors_are_shown_beside_the_field_and_nothing_is_saved(
    client: httpx.AsyncClient, billing: Billing
) -> None:
    await log_in(client, "alpha")
    page = await client.get("/invoices/settings")
    assert 'value="Ensto charging solutions Oy"' in page.text
    form = {**MANUAL, "recipient_iban": "FI00 0000", "recipient_name": "Other Oy"}
    response = await client.post("/invoices/settings", data={**form, "csrf_token": csrf(client)})
    assert response.status_code == 422
    assert 'data-field="recipient_iban">RECIPIENT IBAN: not a valid IBAN' in response.text
    assert 'value="Other Oy"' in response.text  # the form keeps what was typed
    again = await client.get("/invoices/settings")
    assert 'value="Ensto charging solutions Oy"' in again.text
    saved = await client.post("/invoices/settings", data={**MANUAL, "csrf_token": csrf(client)})
    assert saved.status_code == 303
    assert "Invoice settings saved." in (await client.get("/invoices")).text


async def test_the_add_form_defaults_and_lists_only_users_with_an_email(
    client: httpx.AsyncClient, billing: Billing
) -> None:
    await log_in(client, "alpha")
    page = (await client.get("/invoices/new")).text
    first, last = default_period(datetime.now(ZoneInfo("Europe/Helsinki")).date(), 31, 3)
    assert f'value="{first.isoformat()}"' in page and f'value="{last.isoformat()}"' in page
    assert 'value="0.1500"' in page and 'value="3.00"' in page
    assert "donald@duckburg.com" in page and "Gyro Gearloose" not in page


async def test_a_group_with_a_member_without_email_asks_then_previews_and_sends(
    client: httpx.AsyncClient,
    session: AsyncSession,
    billing: Billing,
    worker: InvoiceWorker,
    outbox: Path,
) -> None:
    await log_in(client, "alpha")
    form = {
        "first": "2018-11-01",
        "last": "2019-02-28",
        "kwh_price": "0,15",
        "monthly_price": "3",
        "user_group_ids": str(billing.ducks.id),
        "csrf_token": csrf(client),
    }
    asked = await client.post("/invoices/new", data=form)
    assert asked.status_code == 200
    assert (
        "1 member of the chosen charging user groups has no e-mail address (Gyro Gearloose)"
        in asked.text
    )
    assert "Invoice the others" in asked.text
    started = await client.post("/invoices/new", data={**form, "invoice_others": "1"})
    assert started.status_code == 303 and started.headers["location"].startswith("/invoices/runs/")
    run_url = started.headers["location"]
    waiting = await client.get(run_url)
    assert (
        'data-run-status="queued"' in waiting.text
        and 'hx-trigger="load delay:500ms, every 1s"' in waiting.text
    )
    await worker.run_pending()
    polled = await client.get(run_url, headers={"HX-Request": "true"})
    assert polled.headers["HX-Redirect"].startswith("/invoices/previews?run=")
    previews = (await client.get("/invoices/previews")).text
    assert "Donald Duck" in previews and "Daisy Duck" in previews and "Gyro" not in previews
    assert "26.85 €" in previews
    searched = await client.get("/invoices/previews?q=daisy", headers={"HX-Request": "true"})
    assert "Daisy Duck" in searched.text and "Donald Duck" not in searched.text
    ids = [
        line.split('value="')[1].split('"')[0]
        for line in previews.splitlines()
        if 'name="ids"' in line
    ]
    sent = await client.post(
        "/invoices/previews/send", data={"ids": ids[0], "csrf_token": csrf(client)}
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/invoices"
    listed = (await client.get("/invoices")).text
    assert "1 invoice sent." in listed and "Invoices previews (1)" in listed
    mails = await asyncio.to_thread(lambda: list(outbox.glob("*.eml")))
    assert len(mails) == 1  # no SMTP configured: the outbox


async def test_mark_unpaid_without_the_confirmation_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, billing: Billing, worker: InvoiceWorker
) -> None:
    from sqlalchemy import select, update

    from laturi.models import Invoice
    from tests.fixtures.world import api_token
    from tests.invoices.conftest import manual_run

    headers = await api_token(session, billing.world.alpha)
    await client.post("/api/v1/invoice-runs", json=manual_run([billing.donald.id]), headers=headers)
    await worker.run_pending()
    await session.execute(update(Invoice).values(status="paid"))
    await session.commit()
    invoice_id = (await session.scalars(select(Invoice.id))).one()
    await log_in(client, "alpha")
    listed = (await client.get("/invoices")).text
    assert "return window.confirm(&#34;Mark invoice 108986 of Donald Duck unpaid?&#34;)" in listed
    refused = await client.post(f"/invoices/{invoice_id}/unpaid", data={"csrf_token": csrf(client)})
    assert refused.status_code == 409
    done = await client.post(
        f"/invoices/{invoice_id}/unpaid", data={"confirmed": "1", "csrf_token": csrf(client)}
    )
    assert done.status_code == 303
    assert "Overdue" in (await client.get("/invoices")).text


async def test_the_previews_say_which_sessions_were_billed_before(
    client: httpx.AsyncClient, session: AsyncSession, billing: Billing, worker: InvoiceWorker
) -> None:
    from tests.fixtures.world import api_token
    from tests.invoices.conftest import manual_run

    headers = await api_token(session, billing.world.alpha)
    for _ in range(2):
        body = manual_run([billing.donald.id])
        await client.post("/api/v1/invoice-runs", json=body, headers=headers)
    await worker.run_pending()
    await log_in(client, "alpha")
    previews = (await client.get("/invoices/previews")).text
    assert previews.count("3 sessions of this period already on an earlier invoice") == 1
