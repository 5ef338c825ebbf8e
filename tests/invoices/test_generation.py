"""Invoices made from real sessions: the manual's example, billed once, references, restarts."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pypdf
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.config import Settings
from laturi.db import Database
from laturi.invoices import repository
from laturi.invoices.generation import Renderer
from laturi.invoices.references import is_valid
from laturi.invoices.tasks import InvoiceWorker
from laturi.models import BilledSession, Invoice, InvoiceRun, InvoiceSettings
from tests.fixtures.factories import create_charging_user
from tests.fixtures.world import api_token
from tests.invoices.conftest import Billing, charge, manual_run, noon, save_manual_settings

D = Decimal


async def start(client: httpx.AsyncClient, headers: dict[str, str], **body: object) -> int:
    response = await client.post("/api/v1/invoice-runs", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


async def invoices(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[Any]:
    response = await client.get("/api/v1/invoices", params={"size": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


class TestTheManualsExample:
    async def test_from_real_sessions_to_the_cent(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        billing: Billing,
        worker: InvoiceWorker,
    ) -> None:
        headers = await api_token(session, billing.world.alpha)
        run_id = await start(client, headers, **manual_run([billing.donald.id]))
        assert await worker.run_pending() == 1
        run = (await client.get(f"/api/v1/invoice-runs/{run_id}", headers=headers)).json()
        assert (run["status"], run["done"], run["total"], run["percent"]) == ("done", 1, 1, 100)
        [invoice] = await invoices(client, headers, status="preview")
        assert invoice["name"] == "Donald Duck" and invoice["email"] == "donald@duckburg.com"
        assert D(invoice["kwh"]) == D("99.03") and invoice["months"] == 4
        assert D(invoice["energy_total"]) == D("14.85") and D(invoice["energy_vat"]) == D("2.87")
        assert D(invoice["monthly_total"]) == D("12.00") and D(invoice["monthly_vat"]) == D("2.32")
        assert D(invoice["net"]) == D("21.66") and D(invoice["vat"]) == D("5.19")
        assert D(invoice["amount"]) == D("26.85")
        assert D(invoice["net"]) + D(invoice["vat"]) == D(invoice["amount"])
        assert invoice["reference"] == "108986"
        assert invoice["invoice_date"] == "2019-03-28" and invoice["due_date"] == "2019-04-11"
        assert invoice["payment_terms"] == 14 and D(invoice["penalty_interest"]) == D(8)
        assert invoice["sessions"] == 3  # the session of 2.3.2019 lies outside the period

    async def test_the_pdf_prints_every_numbered_field(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        billing: Billing,
        worker: InvoiceWorker,
    ) -> None:
        headers = await api_token(session, billing.world.alpha)
        await start(client, headers, **manual_run([billing.donald.id]))
        await worker.run_pending()
        [invoice] = await invoices(client, headers)
        response = await client.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=headers)
        assert response.headers["content-type"] == "application/pdf"
        lines = pdf_text(response.content).splitlines()
        expected = [
            "Donald Duck",  # 1
            "donald@duckburg.com",  # 1
            "Total including VAT 26.85 €",  # 2
            "Invoice date 28.3.2019",  # 3
            "Invoice period 1.11.2018 - 28.2.2019",  # 4
            "Due date 11.4.2019",  # 5
            "Payment terms 14 days",  # 6
            "Penalty interest 8 %",  # 7
            "Amount Unit price Total VAT % VAT €",
            "Usage (kWh) 99.03 0.15 14.85 24 % 2.87",  # 8-12
            "No. of months 4 3.00 12.00 24 % 2.32",  # 8-12
            "Total (VAT 0 %) € 21.66",  # 13
            "VAT € 5.19",  # 13
            "To be paid € 26.85",  # 13
            "Company Ensto charging solutions Oy",
            "Address Ensio Miettisenkatu 2, 06600 Porvoo",
            "Business ID 0130655-4",
            "Telephone +358501234567",
            "E-mail operator@acme.com",
            "WWW www.ensto.com",
            "Recipient bank account FI21 1234 5600 0007 85   NDEAFIHH",
            "Reference No 1 08986",
            "Euro 26.85",
            "Virtual barcode 421123456000007850000268500000000000000000108986190411",
        ]
        for text in expected:
            assert text in lines, (text, lines)


class TestReferenceNumbers:
    async def test_consecutive_valid_and_never_given_twice_after_a_discard(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        billing: Billing,
        worker: InvoiceWorker,
    ) -> None:
        headers = await api_token(session, billing.world.alpha)
        users = [billing.donald.id, billing.daisy.id]
        await start(client, headers, **manual_run(users))
        await worker.run_pending()
        first = await invoices(client, headers, sort="reference")
        assert [i["reference"] for i in first] == ["108986", "108999"]
        discarded = await client.post(
            "/api/v1/invoices/discard", json={"ids": [first[1]["id"]]}, headers=headers
        )
        assert discarded.json() == {"discarded": 1}
        await start(client, headers, **manual_run([billing.daisy.id]))
        await worker.run_pending()
        again = await invoices(client, headers, sort="reference")
        assert [i["reference"] for i in again] == ["108986", "109008"]
        assert all(is_valid(i["reference"]) for i in again)

    async def test_concurrent_runs_share_one_series_without_gaps_or_twins(
        self,
        session: AsyncSession,
        database: Database,
        billing: Billing,
        settings: Settings,
        renderer: Renderer,
    ) -> None:
        for n in range(6):
            await create_charging_user(
                session,
                organization=billing.world.org_a,
                first_name=f"U{n}",
                email=f"u{n}@duckburg.com",
                groups=[billing.world.b],
            )
        await session.commit()
        headers = await api_token(session, billing.world.alpha)
        transport = httpx.ASGITransport(app=_app(settings, database))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            users = (await client.get("/api/v1/charging-users?size=100", headers=headers)).json()
            ids = [u["id"] for u in users["items"] if u["email"]]
            for part in (ids[0::2], ids[1::2]):
                await start(client, headers, **manual_run(part))
        workers = [
            InvoiceWorker(database, settings=settings, renderer=renderer, chunk=1, node=f"n{i}")
            for i in range(3)
        ]
        await asyncio.gather(*(w.run_pending() for w in workers))
        refs = (await session.scalars(select(Invoice.reference))).all()
        bases = sorted(int(r[:-1]) for r in refs)
        assert bases == list(range(10898, 10898 + len(ids)))
        assert all(is_valid(r) for r in refs)

    async def test_taking_numbers_in_two_transactions_at_once(
        self, database: Database, billing: Billing
    ) -> None:
        org = billing.world.org_a.id

        async def take() -> list[int]:
            taken = []
            for _ in range(5):
                async with database.session() as s:
                    first = await repository.take_references(s, org, 3)
                    taken += [first, first + 1, first + 2]
            return taken

        got = await asyncio.gather(take(), take(), take())
        every = [n for part in got for n in part]
        assert sorted(every) == list(range(10898, 10898 + 45))

    async def test_ref_nr_start_cannot_reach_back_into_given_numbers(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        billing: Billing,
        worker: InvoiceWorker,
    ) -> None:
        headers = await api_token(session, billing.world.alpha)
        await start(client, headers, **manual_run([billing.donald.id]))
        await worker.run_pending()
        body = _settings_body(ref_nr_start="10000")
        response = await client.put("/api/v1/invoice-settings", json=body, headers=headers)
        assert response.status_code == 422
        assert response.json()["field"] == "ref_nr_start"
        assert "REF NR START" in response.json()["message"]
        body = _settings_body(ref_nr_start="20000")
        response = await client.put("/api/v1/invoice-settings", json=body, headers=headers)
        assert response.status_code == 200 and response.json()["ref_nr_next"] == 20000


class TestBilledOnce:
    async def test_overlapping_periods_do_not_bill_a_sent_session_again(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        billing: Billing,
        worker: InvoiceWorker,
    ) -> None:
        headers = await api_token(session, billing.world.alpha)
        await start(client, headers, **manual_run([billing.donald.id]))
        await worker.run_pending()
        # 1.1.-31.3.2019 overlaps: the sessions of 9.1. and 27.2. are billed already.
        await start(
            client,
            headers,
            **manual_run([billing.donald.id], first="2019-01-01", last="2019-03-31"),
        )
        await worker.run_pending()
        second = next(i for i in await invoices(client, headers) if i["first"] == "2019-01-01")
        assert second["sessions"] == 1 and second["already_billed"] == 2
        assert D(second["kwh"]) == D("5.000")
        count = await session.scalar(select(func.count()).select_from(BilledSession))
        assert count == 4

    async def test_the_preview_says_so(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        billing: Billing,
        worker: InvoiceWorker,
    ) -> None:
        headers = await api_token(session, billing.world.alpha)
        await start(client, headers, **manual_run([billing.donald.id]))
        await start(client, headers, **manual_run([billing.donald.id]))
        await worker.run_pending()
        rows = await invoices(client, headers)
        assert sorted(i["already_billed"] for i in rows) == [0, 3]

    async def test_a_discarded_preview_frees_its_sessions(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        billing: Billing,
        worker: InvoiceWorker,
    ) -> None:
        headers = await api_token(session, billing.world.alpha)
        await start(client, headers, **manual_run([billing.donald.id]))
        await worker.run_pending()
        [first] = await invoices(client, headers)
        await client.post("/api/v1/invoices/discard", json={"ids": [first["id"]]}, headers=headers)
        await start(client, headers, **manual_run([billing.donald.id]))
        await worker.run_pending()
        [again] = await invoices(client, headers)
        assert again["sessions"] == 3 and D(again["amount"]) == D("26.85")

    async def test_two_runs_at_once_for_one_user_bill_each_session_once(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        database: Database,
        billing: Billing,
        settings: Settings,
        renderer: Renderer,
    ) -> None:
        headers = await api_token(session, billing.world.alpha)
        for _ in range(2):
            await start(client, headers, **manual_run([billing.donald.id]))
        workers = [
            InvoiceWorker(database, settings=settings, renderer=renderer, node=f"n{i}")
            for i in range(2)
        ]
        await asyncio.gather(*(w.run_pending() for w in workers))
        rows = await invoices(client, headers)
        assert sorted((i["sessions"], i["already_billed"]) for i in rows) == [(0, 3), (3, 0)]
        runs = [
            (await client.get(f"/api/v1/invoice-runs/{i['run_id']}", headers=headers)).json()
            for i in rows
        ]
        assert [r["status"] for r in runs] == ["done", "done"]


class TestSnapshot:
    async def test_later_settings_changes_leave_invoices_alone(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        billing: Billing,
        worker: InvoiceWorker,
    ) -> None:
        headers = await api_token(session, billing.world.alpha)
        await start(client, headers, **manual_run([billing.donald.id]))
        await save_manual_settings(
            session,
            billing.world,
            payment_terms="30",
            vat="25.5",
            penalty_interest="10",
            recipient_name="Someone Else Oy",
        )
        await worker.run_pending()
        [invoice] = await invoices(client, headers)
        assert invoice["payment_terms"] == 14 and invoice["due_date"] == "2019-04-11"
        assert D(invoice["vat_percent"]) == D(24) and D(invoice["penalty_interest"]) == D(8)
        pdf = await client.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=headers)
        assert "Ensto charging solutions Oy" in pdf_text(pdf.content)


class TestOverdue:
    async def test_sent_and_not_paid_by_the_due_date(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        billing: Billing,
        worker: InvoiceWorker,
    ) -> None:
        headers = await api_token(session, billing.world.alpha)
        today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
        await start(client, headers, **manual_run([billing.donald.id, billing.daisy.id]))
        await start(
            client,
            headers,
            **manual_run(
                [billing.daisy.id],
                first="2019-03-01",
                last="2019-03-31",
                invoice_date=today.isoformat(),
            ),
        )
        await worker.run_pending()
        await session.execute(update(Invoice).values(status="sent"))
        await session.commit()
        rows = {(i["name"], i["first"]): i for i in await invoices(client, headers)}
        assert rows[("Donald Duck", "2018-11-01")]["status"] == "overdue"
        assert rows[("Daisy Duck", "2019-03-01")]["status"] == "sent"  # due in 14 days
        overdue = await invoices(client, headers, status="overdue")
        assert {i["name"] for i in overdue} == {"Donald Duck", "Daisy Duck"}
        paid = await client.post(f"/api/v1/invoices/{overdue[0]['id']}/paid", headers=headers)
        assert paid.json()["status"] == "paid" and paid.json()["paid"] is True
        unpaid = await client.post(
            f"/api/v1/invoices/{overdue[0]['id']}/unpaid", json={}, headers=headers
        )
        assert unpaid.status_code == 409 and unpaid.json()["field"] == "confirm"
        unpaid = await client.post(
            f"/api/v1/invoices/{overdue[0]['id']}/unpaid", json={"confirm": True}, headers=headers
        )
        assert unpaid.json()["status"] == "overdue"
        searched = await invoices(client, headers, q="overdue", sort="-amount")
        assert len(searched) == 2 and D(searched[0]["amount"]) >= D(searched[1]["amount"])


class TestRestart:
    async def test_a_run_stopped_midway_is_resumed_by_another_node_once(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        database: Database,
        billing: Billing,
        settings: Settings,
        renderer: Renderer,
    ) -> None:
        for n in range(5):
            user = await create_charging_user(
                session,
                organization=billing.world.org_a,
                first_name=f"R{n}",
                email=f"r{n}@duckburg.com",
                groups=[billing.world.b],
            )
            await charge(
                session,
                user=user,
                station=billing.world.stations[2],
                stopped=noon(2019, 1, 10 + n),
                wh=1000 * (n + 1),
            )
        await session.commit()
        headers = await api_token(session, billing.world.alpha)
        everyone = (await client.get("/api/v1/charging-users?size=100", headers=headers)).json()
        ids = [u["id"] for u in everyone["items"] if u["email"]]
        run_id = await start(client, headers, **manual_run(ids))
        dying = InvoiceWorker(database, settings=settings, renderer=renderer, chunk=2, node="A")
        assert await dying._claim_one() == run_id
        assert await dying._next_chunk(run_id)  # one chunk made, then the node "dies"
        run = (await client.get(f"/api/v1/invoice-runs/{run_id}", headers=headers)).json()
        assert (run["status"], run["done"]) == ("running", 2)
        fresh = InvoiceWorker(database, settings=settings, renderer=renderer, chunk=2, node="B")
        assert await fresh.run_pending() == 0  # A's heartbeat is fresh: B leaves it alone
        stale = timedelta(seconds=-1)  # as if A's last beat were long ago
        late = InvoiceWorker(
            database, settings=settings, renderer=renderer, chunk=2, node="B", stale_after=stale
        )
        assert await late.run_pending() == 1
        run = (await client.get(f"/api/v1/invoice-runs/{run_id}", headers=headers)).json()
        assert (run["status"], run["done"], run["total"]) == ("done", len(ids), len(ids))
        made = (await session.scalars(select(Invoice.charging_user_id))).all()
        assert sorted(u or 0 for u in made) == sorted(ids)  # each user once
        assert await dying._next_chunk(run_id) is False  # the old node finds the run taken

    async def test_a_run_that_keeps_stopping_is_marked_failed(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        database: Database,
        billing: Billing,
        settings: Settings,
        renderer: Renderer,
    ) -> None:
        headers = await api_token(session, billing.world.alpha)
        run_id = await start(client, headers, **manual_run([billing.donald.id]))
        await session.execute(update(InvoiceRun).values(attempts=3))
        await session.commit()
        worker = InvoiceWorker(database, settings=settings, renderer=renderer)
        await worker.run_pending()
        run = (await client.get(f"/api/v1/invoice-runs/{run_id}", headers=headers)).json()
        assert run["status"] == "failed" and "Stopped 3 times" in run["error"]

    async def test_a_failing_chunk_marks_the_run_failed_and_keeps_nothing_half_made(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        database: Database,
        billing: Billing,
        settings: Settings,
    ) -> None:
        async def broken(docs: list[object]) -> list[bytes]:
            raise RuntimeError("disk full")

        headers = await api_token(session, billing.world.alpha)
        run_id = await start(client, headers, **manual_run([billing.donald.id]))
        worker = InvoiceWorker(database, settings=settings, renderer=broken)  # type: ignore[arg-type]
        await worker.run_pending()
        run = (await client.get(f"/api/v1/invoice-runs/{run_id}", headers=headers)).json()
        assert run["status"] == "failed" and run["error"] == "Unexpected failure: RuntimeError."
        assert await session.scalar(select(func.count()).select_from(Invoice)) == 0
        counter = await session.get(InvoiceSettings, billing.world.org_a.id)
        assert counter is not None and counter.ref_nr_next == 10898  # rolled back with it


def _settings_body(**changes: str) -> dict[str, str]:
    from tests.invoices.conftest import MANUAL

    body = {**MANUAL, **changes}
    body["logo_url"] = body.pop("logo")
    return body


def _app(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    from laturi.app import create_app

    return create_app(settings, database)


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
