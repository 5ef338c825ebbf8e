"""Panel pages of sessions and reports: the domain matrix, filters, closing, the CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.dependencies import SESSION_COOKIE
from laturi.auth.secrets import digest, new_token
from laturi.kit.time import utcnow
from laturi.models import OperatorSession, Transaction
from laturi.web.csrf import CSRF_COOKIE
from tests.fixtures.world import World
from tests.reports.sessions_data import add_session, utc

WHO = ("alpha", "beta", "gamma", "omega")
FEB = "from=2026-02-01&to=2026-02-28"


@pytest.fixture
async def txs(session: AsyncSession, world: World) -> dict[int, Transaction]:
    """A session at each station, ended 10.2.2026, of n*100 Wh; and one open at station 2."""
    found = {}
    for n, station in world.stations.items():
        found[n] = await add_session(session, station, ended=utc(2026, 2, 10, 12), wh=n * 100)
    found[0] = await add_session(session, world.stations[2], ended=None, wh=0, last_wh=1700)
    await session.commit()
    return found


@pytest.fixture
async def tokens(client: httpx.AsyncClient, session: AsyncSession, world: World) -> dict[str, str]:
    """A panel session per operator, made without the log-in form (argon2 is slow)."""
    found = {}
    for who in WHO:
        token = found[who] = new_token()
        expires = utcnow() + timedelta(hours=1)
        session.add(
            OperatorSession(
                operator_id=world.operator(who).id, token_hash=digest(token), expires_at=expires
            )
        )
    await session.commit()
    client.cookies.set(CSRF_COOKIE, new_token())
    return found


PAGES = [
    ("/sessions", (200, 200, 200, 200)),
    ("/sessions?state=open&q=free&sort=-energy", (200, 200, 200, 200)),
    ("/sessions/{t2}", (200, 200, 404, 404)),
    ("/sessions/{t4}", (200, 404, 200, 404)),
    ("/sessions/{t5}", (404, 404, 404, 200)),
    ("/stations/{s2}/sessions", (200, 200, 404, 404)),
    ("/stations/{s5}/sessions", (404, 404, 404, 200)),
    ("/sessions?group={c}", (200, 422, 200, 422)),
    ("/sessions?station={s2}", (200, 200, 422, 422)),
    ("/reports", (200, 200, 200, 200)),
    ("/reports?" + FEB, (200, 200, 200, 200)),
    ("/reports?" + FEB + "&group={b}", (200, 200, 422, 422)),
    ("/reports?" + FEB + "&station={s4}", (200, 422, 200, 422)),
    ("/reports/export.csv?" + FEB, (200, 200, 200, 200)),
    ("/reports/export.csv?" + FEB + "&point={s5}:1", (422, 422, 422, 200)),
]


def fill(template: str, world: World, txs: dict[int, Transaction]) -> str:
    ids = {f"s{n}": s.id for n, s in world.stations.items()}
    ids |= {f"t{n}": t.id for n, t in txs.items()}
    return template.format(**ids, b=world.b.id, c=world.c.id)


class TestMatrix:
    @pytest.mark.parametrize(("path", "expected"), PAGES)
    async def test_page(
        self,
        client: httpx.AsyncClient,
        world: World,
        txs: dict[int, Transaction],
        tokens: dict[str, str],
        path: str,
        expected: tuple[int, ...],
    ) -> None:
        for who, status in zip(WHO, expected, strict=True):
            client.cookies.set(SESSION_COOKIE, tokens[who])
            response = await client.get(fill(path, world, txs))
            assert response.status_code == status, (who, path, response.text[:300])

    async def test_each_sees_only_his_sessions_and_totals(
        self,
        client: httpx.AsyncClient,
        world: World,
        txs: dict[int, Transaction],
        tokens: dict[str, str],
    ) -> None:
        identifiers = {n: s.identifier for n, s in world.stations.items()}
        sees = {"alpha": {1, 2, 3, 4}, "beta": {2, 3}, "gamma": {4}, "omega": {5}}
        totals = {"alpha": "1.00 kWh", "beta": "0.50 kWh", "gamma": "0.40 kWh", "omega": "0.50"}
        for who, mine in sees.items():
            client.cookies.set(SESSION_COOKIE, tokens[who])
            listing = (await client.get("/sessions")).text
            report = (await client.get("/reports?" + FEB)).text
            for n, identifier in identifiers.items():
                assert (identifier in listing) == (n in mine), (who, n)
                assert (identifier in report) == (n in mine), (who, n)
            assert totals[who] in report


class TestListFilters:
    async def test_the_station_choice_narrows_and_offers_only_the_domain(
        self,
        client: httpx.AsyncClient,
        world: World,
        txs: dict[int, Transaction],
        tokens: dict[str, str],
    ) -> None:
        client.cookies.set(SESSION_COOKIE, tokens["beta"])
        page = (await client.get(f"/sessions?station={world.stations[3].id}")).text
        assert f'data-session="{txs[3].id}"' in page
        assert f'data-session="{txs[2].id}"' not in page
        offered = page.split('id="f-station"')[1].split("</select>")[0]
        assert world.stations[2].identifier in offered
        assert world.stations[4].identifier not in offered


class TestClosing:
    async def test_the_form_closes_it_once_and_then_says_it_ended(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        txs: dict[int, Transaction],
        tokens: dict[str, str],
    ) -> None:
        client.cookies.set(SESSION_COOKIE, tokens["beta"])
        page = await client.get(f"/sessions/{txs[0].id}")
        assert "End this session" in page.text
        form = {"csrf_token": client.cookies[CSRF_COOKIE]}
        done = await client.post(f"/sessions/{txs[0].id}/close", data=form)
        assert done.status_code == 303
        shown = await client.get(done.headers["location"])
        assert "ended at 1700 Wh" in shown.text and "Closed by beta" in shown.text
        again = await client.post(f"/sessions/{txs[0].id}/close", data=form)
        assert again.status_code == 409
        assert "The charging session has already ended." in again.text

    async def test_without_csrf_nothing_closes(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        txs: dict[int, Transaction],
        tokens: dict[str, str],
    ) -> None:
        client.cookies.set(SESSION_COOKIE, tokens["alpha"])
        response = await client.post(f"/sessions/{txs[0].id}/close", data={})
        assert response.status_code == 403
        await session.refresh(txs[0])
        assert txs[0].stopped_at is None


class TestReportPage:
    async def test_a_wrong_filter_is_named_beside_its_field(
        self, client: httpx.AsyncClient, world: World, tokens: dict[str, str]
    ) -> None:
        client.cookies.set(SESSION_COOKIE, tokens["beta"])
        response = await client.get(f"/reports/export.csv?{FEB}&group={world.c.id}")
        assert response.status_code == 422
        assert 'data-field="group_ids"' in response.text
        assert "Charging group does not exist in your domain." in response.text

    async def test_export_from_the_panel_with_point_decimals(
        self,
        client: httpx.AsyncClient,
        txs: dict[int, Transaction],
        tokens: dict[str, str],
    ) -> None:
        client.cookies.set(SESSION_COOKIE, tokens["beta"])
        response = await client.get(f"/reports/export.csv?{FEB}&decimals=point")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert sorted(r[6] for r in rows[1:]) == ["0.200", "0.300"]
