"""Who may do what with invoices: every page and endpoint, for alpha, beta, gamma and omega.

alpha: admin of organisation A (whole tree); beta: basic (Access denied. everywhere);
gamma: admin of group C only (sees the invoices made within C, bills the users he sees, reads
but does not change the organisation's settings); omega: admin of organisation B.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.service import actor_for
from laturi.invoices import service
from laturi.invoices.settings import SettingsInput, save_settings
from laturi.invoices.tasks import InvoiceWorker
from laturi.models import Invoice
from tests.fixtures.world import api_token, csrf, log_in
from tests.invoices.conftest import MANUAL, Billing, NoFetch, manual_run

ALL = ("alpha", "beta", "gamma", "omega")


@dataclass
class Made:
    billing: Billing
    a: int  # alpha's invoice of Donald (sent)
    c: int  # gamma's invoice of Daisy (paid)
    x: int  # omega's invoice of Otto (preview)
    run_a: int


async def _run(
    session: AsyncSession, operator: Any, users: list[int], worker: InvoiceWorker
) -> int:
    actor = await actor_for(session, operator)
    body = manual_run(users)
    data = service.RunInput(
        first=date.fromisoformat(body["first"]),
        last=date.fromisoformat(body["last"]),
        user_ids=users,
    )
    run = await service.start_run(session, actor, data)
    await session.commit()
    await worker.run_pending()
    return run.id


@pytest.fixture
async def made(session: AsyncSession, billing: Billing, worker: InvoiceWorker) -> Made:
    w = billing.world
    omega = await actor_for(session, w.omega)
    await save_settings(session, omega, SettingsInput({**MANUAL, "ref_nr_start": "500"}), NoFetch())
    await session.commit()
    run_a = await _run(session, w.alpha, [billing.donald.id], worker)
    await _run(session, w.gamma, [billing.daisy.id], worker)
    await _run(session, w.omega, [billing.other.id], worker)
    ids = {}
    for invoice in (await session.scalars(select(Invoice))).all():
        ids[invoice.name] = invoice.id
    a, c, x = ids["Donald Duck"], ids["Daisy Duck"], ids[billing.other.full_name]
    await session.execute(update(Invoice).where(Invoice.id == a).values(status="sent"))
    await session.execute(update(Invoice).where(Invoice.id == c).values(status="paid"))
    await session.commit()
    return Made(billing, a, c, x, run_a)


def expect(alpha: int, beta: int, gamma: int, omega: int) -> dict[str, int]:
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "omega": omega}


Url = Callable[[Made], str]
Body = Callable[[Made], dict[str, Any]] | None
SETTINGS = {**{k: v for k, v in MANUAL.items() if k != "logo"}, "logo_url": ""}

API: list[tuple[str, Url, Body, dict[str, int]]] = [
    ("GET", lambda m: "/api/v1/invoice-settings", None, expect(200, 403, 200, 200)),
    ("PUT", lambda m: "/api/v1/invoice-settings", lambda m: SETTINGS, expect(200, 403, 403, 200)),
    ("GET", lambda m: "/api/v1/invoices/defaults", None, expect(200, 403, 200, 200)),
    ("GET", lambda m: "/api/v1/invoices", None, expect(200, 403, 200, 200)),
    ("GET", lambda m: f"/api/v1/invoices/{m.a}", None, expect(200, 403, 404, 404)),
    ("GET", lambda m: f"/api/v1/invoices/{m.c}", None, expect(200, 403, 200, 404)),
    ("GET", lambda m: f"/api/v1/invoices/{m.x}", None, expect(404, 403, 404, 200)),
    ("GET", lambda m: f"/api/v1/invoices/{m.a}/pdf", None, expect(200, 403, 404, 404)),
    ("GET", lambda m: f"/api/v1/invoices/{m.c}/pdf", None, expect(200, 403, 200, 404)),
    ("POST", lambda m: f"/api/v1/invoices/{m.a}/paid", None, expect(200, 403, 404, 404)),
    (
        "POST",
        lambda m: f"/api/v1/invoices/{m.c}/unpaid",
        lambda m: {"confirm": True},
        expect(200, 403, 200, 404),
    ),
    (
        "POST",
        lambda m: "/api/v1/invoices/discard",
        lambda m: {"ids": [m.x]},
        expect(404, 403, 404, 200),
    ),
    (
        "POST",
        lambda m: "/api/v1/invoices/send",
        lambda m: {"ids": [m.x]},
        expect(404, 403, 404, 200),
    ),
    (
        "POST",
        lambda m: "/api/v1/invoice-runs",
        lambda m: manual_run([m.billing.donald.id]),
        expect(202, 403, 422, 422),
    ),
    (
        "POST",
        lambda m: "/api/v1/invoice-runs",
        lambda m: manual_run([m.billing.daisy.id]),
        expect(202, 403, 202, 422),
    ),
    ("GET", lambda m: f"/api/v1/invoice-runs/{m.run_a}", None, expect(200, 403, 404, 404)),
]


class TestApiMatrix:
    @pytest.mark.parametrize("who", ALL)
    @pytest.mark.parametrize(("method", "url", "body", "expected"), API)
    async def test_endpoint(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        made: Made,
        who: str,
        method: str,
        url: Url,
        body: Body,
        expected: dict[str, int],
    ) -> None:
        headers = await api_token(session, made.billing.world.operator(who))
        json = body(made) if body else None
        response = await client.request(method, url(made), headers=headers, json=json)
        assert response.status_code == expected[who], response.text
        if response.status_code == 403 and who == "beta":
            assert response.json()["message"] == "Access denied."
        if response.status_code == 404:
            assert response.json()["message"] == "Invoice not found." or "runs" in url(made)

    @pytest.mark.parametrize(
        ("who", "names"),
        [
            ("alpha", {"Donald Duck", "Daisy Duck"}),
            ("gamma", {"Daisy Duck"}),
            ("omega", {"Otto"}),
        ],
    )
    async def test_each_lists_only_his_domains_invoices(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        made: Made,
        who: str,
        names: set[str],
    ) -> None:
        headers = await api_token(session, made.billing.world.operator(who))
        items = (await client.get("/api/v1/invoices", headers=headers)).json()["items"]
        assert {i["name"].split(" User")[0] for i in items} == names

    async def test_gamma_bills_only_sessions_at_his_stations(
        self, client: httpx.AsyncClient, session: AsyncSession, made: Made, worker: InvoiceWorker
    ) -> None:
        from tests.invoices.conftest import charge, noon

        w = made.billing.world
        # Daisy also charged at station 2 (group B, outside gamma's domain).
        await charge(
            session,
            user=made.billing.daisy,
            station=w.stations[2],
            stopped=noon(2019, 1, 2),
            wh=7_000,
        )
        await session.commit()
        headers = await api_token(session, w.gamma)
        body = manual_run([made.billing.daisy.id], first="2019-01-01", last="2019-01-31")
        assert (
            await client.post("/api/v1/invoice-runs", json=body, headers=headers)
        ).status_code == 202
        await worker.run_pending()
        items = (
            await client.get("/api/v1/invoices", params={"status": "preview"}, headers=headers)
        ).json()
        [january] = [i for i in items["items"] if i["first"] == "2019-01-01"]
        assert january["sessions"] == 0 and float(january["kwh"]) == 0

    async def test_without_a_token_nothing_answers(
        self, client: httpx.AsyncClient, made: Made
    ) -> None:
        for url in (
            "/api/v1/invoices",
            "/api/v1/invoice-settings",
            f"/api/v1/invoices/{made.a}/pdf",
        ):
            assert (await client.get(url)).status_code == 401


PAGES: list[tuple[Url, dict[str, int]]] = [
    (lambda m: "/invoices", expect(200, 403, 200, 200)),
    (lambda m: "/invoices/settings", expect(200, 403, 200, 200)),
    (lambda m: "/invoices/new", expect(200, 403, 200, 200)),
    (lambda m: "/invoices/previews", expect(200, 403, 200, 200)),
    (lambda m: f"/invoices/{m.a}/pdf", expect(200, 403, 404, 404)),
    (lambda m: f"/invoices/{m.c}/pdf", expect(200, 403, 200, 404)),
    (lambda m: f"/invoices/runs/{m.run_a}", expect(200, 403, 404, 404)),
]

POSTS: list[tuple[Url, dict[str, str], dict[str, int]]] = [
    (lambda m: f"/invoices/{m.a}/paid", {}, expect(303, 403, 404, 404)),
    (lambda m: f"/invoices/{m.c}/unpaid", {"confirmed": "1"}, expect(303, 403, 303, 404)),
    (lambda m: "/invoices/previews/discard", {"ids": "X"}, expect(404, 403, 404, 303)),
    (lambda m: "/invoices/settings", {"recipient_name": "Changed"}, expect(422, 403, 403, 422)),
]


class TestPanelMatrix:
    @pytest.mark.parametrize("who", ALL)
    @pytest.mark.parametrize(("url", "expected"), PAGES)
    async def test_page(
        self, client: httpx.AsyncClient, made: Made, who: str, url: Url, expected: dict[str, int]
    ) -> None:
        await log_in(client, who)
        response = await client.get(url(made))
        assert response.status_code == expected[who], response.text[:300]
        if who == "beta":
            assert "Access denied." in response.text

    @pytest.mark.parametrize("who", ALL)
    @pytest.mark.parametrize(("url", "form", "expected"), POSTS)
    async def test_post(
        self,
        client: httpx.AsyncClient,
        made: Made,
        who: str,
        url: Url,
        form: dict[str, str],
        expected: dict[str, int],
    ) -> None:
        await log_in(client, who)
        data = {k: (str(made.x) if v == "X" else v) for k, v in form.items()}
        response = await client.post(url(made), data={**data, "csrf_token": csrf(client)})
        assert response.status_code == expected[who], response.text[:300]

    @pytest.mark.parametrize(("who", "shown"), [("alpha", True), ("beta", False), ("gamma", True)])
    async def test_the_menu_shows_invoices_to_admins(
        self, client: httpx.AsyncClient, made: Made, who: str, shown: bool
    ) -> None:
        await log_in(client, who)
        assert ('href="/invoices"' in (await client.get("/")).text) is shown
