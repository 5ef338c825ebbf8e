"""SEND INVOICES through a real SMTP server (aiosmtpd on loopback): the PDF arrives attached."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.app import create_app
from laturi.config import Settings
from laturi.db import Database
from laturi.invoices.tasks import InvoiceWorker
from laturi.models import Invoice
from tests.fixtures.smtp import Inbox, SmtpServer, free_port
from tests.fixtures.world import api_token
from tests.invoices.conftest import Billing, manual_run

BOUNCING = "@bounce.invalid"


class PickyInbox(Inbox):
    """Refuses recipients at one domain, as a real server refuses an unknown mailbox."""

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.endswith(BOUNCING):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def picky_smtp() -> Any:
    inbox = PickyInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    server = SmtpServer(controller, inbox)
    yield server
    server.stop()


@pytest.fixture
def smtp_app(
    settings: Settings, database: Database, session: AsyncSession, picky_smtp: SmtpServer
) -> FastAPI:
    return create_app(settings.model_copy(update={"smtp_url": picky_smtp.url}), database)


async def test_each_selected_user_receives_the_pdf_and_a_refused_address_stays_in_preview(
    smtp_app: FastAPI,
    session: AsyncSession,
    billing: Billing,
    worker: InvoiceWorker,
    picky_smtp: SmtpServer,
) -> None:
    billing.daisy.email = "daisy" + BOUNCING
    await session.commit()
    headers = await api_token(session, billing.world.alpha)
    transport = httpx.ASGITransport(app=smtp_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        body = manual_run([billing.donald.id, billing.daisy.id])
        assert (
            await client.post("/api/v1/invoice-runs", json=body, headers=headers)
        ).status_code == 202
        await worker.run_pending()
        listed = (await client.get("/api/v1/invoices", headers=headers)).json()["items"]
        ids = [i["id"] for i in listed]
        response = await client.post("/api/v1/invoices/send", json={"ids": ids}, headers=headers)
        assert response.status_code == 200, response.text
        result = response.json()
        by_name = {i["name"]: i for i in listed}
        assert result["sent"] == [by_name["Donald Duck"]["id"]]
        [failure] = result["failed"]
        assert failure["id"] == by_name["Daisy Duck"]["id"]
        assert "Problem with email address." in failure["reason"] and "550" in failure["reason"]
        after = {
            i["name"]: i
            for i in (await client.get("/api/v1/invoices", headers=headers)).json()["items"]
        }
        assert after["Donald Duck"]["status"] == "overdue"  # sent, due 11.4.2019
        assert after["Daisy Duck"]["status"] == "preview"
        assert after["Daisy Duck"]["send_error"] == failure["reason"]
        again = await client.post(
            "/api/v1/invoices/send", json={"ids": [by_name["Donald Duck"]["id"]]}, headers=headers
        )
        assert again.status_code == 409  # an invoice is sent once
    [mail] = picky_smtp.inbox.to("donald@duckburg.com")
    assert mail["Subject"] == "Vehicle charging invoice 108986"
    assert mail["Reply-To"] == "operator@acme.com"
    html = mail.get_body(("html",))
    assert html is not None and "<b>EV charging</b>" in html.get_content()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "invoice-108986.pdf"
    stored = await session.get(Invoice, by_name["Donald Duck"]["id"], options=[_pdf()])
    assert stored is not None and attachment.get_content() == stored.pdf


def _pdf() -> Any:
    from sqlalchemy.orm import undefer

    return undefer(Invoice.pdf)


async def test_many_previews_mail_the_operator_a_link(
    database: Database,
    settings: Settings,
    session: AsyncSession,
    billing: Billing,
    picky_smtp: SmtpServer,
    client: httpx.AsyncClient,
) -> None:
    from laturi.invoices import tasks
    from laturi.mail import Mailer
    from laturi.web.templating import make_templates

    config = settings.model_copy(update={"smtp_url": picky_smtp.url})
    mailer = Mailer(config, make_templates().env)
    headers = await api_token(session, billing.world.alpha)
    body = manual_run([billing.donald.id, billing.daisy.id])
    assert (
        await client.post("/api/v1/invoice-runs", json=body, headers=headers)
    ).status_code == 202
    worker = tasks.InvoiceWorker(database, settings=config, mailer=mailer, few=1)
    await worker.run_pending()  # two invoices count as many here
    [mail] = picky_smtp.inbox.to(billing.world.alpha.email)
    assert mail["Subject"] == "Invoice previews are ready"
    assert picky_smtp.inbox.last_link(billing.world.alpha.email).startswith(
        "/invoices/previews?run="
    )


async def test_sent_in_batches_each_committed(
    client: httpx.AsyncClient,
    session: AsyncSession,
    billing: Billing,
    worker: InvoiceWorker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from laturi.invoices import api

    monkeypatch.setattr(api, "SEND_BATCH", 1)
    headers = await api_token(session, billing.world.alpha)
    body = manual_run([billing.donald.id, billing.daisy.id])
    assert (
        await client.post("/api/v1/invoice-runs", json=body, headers=headers)
    ).status_code == 202
    await worker.run_pending()
    ids = [i["id"] for i in (await client.get("/api/v1/invoices", headers=headers)).json()["items"]]
    response = await client.post("/api/v1/invoices/send", json={"ids": ids}, headers=headers)
    assert response.json() == {"sent": sorted(ids), "failed": []}
    bad = await client.post("/api/v1/invoices/send", json={"ids": [*ids, 999999]}, headers=headers)
    assert bad.status_code == 404  # checked before anything is sent
