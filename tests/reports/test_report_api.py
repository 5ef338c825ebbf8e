"""The charging report over the API: the period rule at its edges, filters, CSV, the domain."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import ChargingUser
from tests.fixtures.factories import create_charging_user, create_token, create_user_group
from tests.fixtures.world import World, api_token
from tests.reports.sessions_data import add_session, utc

HELSINKI = {"from": "2026-02-01", "to": "2026-02-28"}
PATHS = ("/api/v1/reports/charging", "/api/v1/reports/charging.csv", "/api/v1/sessions")


async def _set_zone(session: AsyncSession, world: World, zone: str) -> None:
    world.alpha.time_zone = zone
    await session.commit()


async def _report(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, object]:
    response = await client.get("/api/v1/reports/charging", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


class TestPeriodEdges:
    async def test_session_across_midnight_counts_on_the_day_it_ended(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        station = world.stations[1]
        # Helsinki is UTC+2 in winter: 31.1. 23:30 -> 1.2. 00:20 local.
        await add_session(session, station, ended=utc(2026, 1, 31, 22, 20), wh=5000, hours=0.8)
        # Ends at the last local second of February; and one at March's first instant.
        await add_session(session, station, ended=utc(2026, 2, 28, 21, 59, 59), wh=700)
        await add_session(session, station, ended=utc(2026, 2, 28, 22, 0), wh=90000)
        await session.commit()
        body = await _report(client, alpha, **HELSINKI)
        assert (body["sessions"], body["energy_wh"]) == (2, 5700)
        days = {d["day"]: d["energy_wh"] for d in body["days"]}  # type: ignore[attr-defined]
        assert days["2026-02-01"] == 5000 and days["2026-02-28"] == 700
        january = await _report(client, alpha, **{"from": "2026-01-01", "to": "2026-01-31"})
        assert january["sessions"] == 0

    async def test_open_session_is_in_no_report(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        await add_session(session, world.stations[1], ended=None, wh=0, last_wh=4000)
        await session.commit()
        body = await _report(client, alpha, **{"from": "2025-01-01", "to": "2027-12-31"})
        assert body["sessions"] == 0

    @pytest.mark.parametrize(
        ("ended", "day"),
        [
            # Spring forward (29.3.2026): 00:30 local is still UTC+2.
            (utc(2026, 3, 28, 22, 30), "2026-03-29"),
            # 23:30 local on the 29th is UTC+3 already.
            (utc(2026, 3, 29, 20, 30), "2026-03-29"),
            (utc(2026, 3, 29, 21, 30), "2026-03-30"),
            # Fall back (25.10.2026): 00:30 local is UTC+3, 23:30 local is UTC+2.
            (utc(2026, 10, 24, 21, 30), "2026-10-25"),
            (utc(2026, 10, 25, 21, 30), "2026-10-25"),
            (utc(2026, 10, 25, 22, 30), "2026-10-26"),
        ],
    )
    async def test_days_follow_the_wall_clock_across_dst(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        alpha: dict[str, str],
        ended: object,
        day: str,
    ) -> None:
        await add_session(session, world.stations[1], ended=ended, wh=1234)  # type: ignore[arg-type]
        await session.commit()
        body = await _report(client, alpha, **{"from": "2026-03-01", "to": "2026-10-31"})
        days = {d["day"]: d["energy_wh"] for d in body["days"] if d["energy_wh"]}  # type: ignore[attr-defined]
        assert days == {day: 1234}

    async def test_other_time_zone_moves_the_period(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        # 1.2. 03:00 UTC is still 31.1. in New York.
        await add_session(session, world.stations[1], ended=utc(2026, 2, 1, 3, 0), wh=800)
        await session.commit()
        assert (await _report(client, alpha, **HELSINKI))["sessions"] == 1
        await _set_zone(session, world, "America/New_York")
        assert (await _report(client, alpha, **HELSINKI))["sessions"] == 0

    async def test_a_half_hour_zone_buckets_by_its_own_midnight(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        # India is UTC+5:30: 18:40 UTC on the 9th is 00:10 on the 10th.
        await add_session(session, world.stations[1], ended=utc(2026, 2, 9, 18, 40), wh=321)
        await session.commit()
        await _set_zone(session, world, "Asia/Kolkata")
        body = await _report(client, alpha, **HELSINKI)
        days = {d["day"]: d["energy_wh"] for d in body["days"] if d["energy_wh"]}  # type: ignore[attr-defined]
        assert days == {"2026-02-10": 321}

    async def test_missing_or_backwards_dates_are_refused_by_field(
        self, client: httpx.AsyncClient, alpha: dict[str, str]
    ) -> None:
        for params, field in (
            ({"to": "2026-02-01"}, "from"),
            ({"from": "2026-02-01"}, "to"),
            ({"from": "2026-02-02", "to": "2026-02-01"}, "to"),
            ({"from": "1.2.2026", "to": "2026-02-01"}, "from"),
        ):
            response = await client.get("/api/v1/reports/charging", params=params, headers=alpha)
            assert response.status_code == 422
            assert response.json()["field"] == field


async def _people(session: AsyncSession, world: World) -> tuple[ChargingUser, ChargingUser]:
    club = await create_user_group(session, organization=world.org_a, name="Club")
    ann = await create_charging_user(
        session, organization=world.org_a, first_name="Ann", last_name="Auer", user_group=club
    )
    bob = await create_charging_user(
        session, organization=world.org_a, first_name="Bob", last_name="Berg"
    )
    return ann, bob


class TestFilters:
    async def test_no_token_includes_free_charging_tokens_only_theirs(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        ann, bob = await _people(session, world)
        home = await create_token(session, user=ann, name="Home")
        work = await create_token(session, user=bob, name="Work")
        day = utc(2026, 2, 10, 12)
        await add_session(session, world.stations[1], ended=day, wh=100, user=ann, token=home)
        await add_session(session, world.stations[2], ended=day, wh=200, user=bob, token=work)
        await add_session(session, world.stations[3], ended=day, wh=400, free=True)
        await session.commit()
        assert (await _report(client, alpha, **HELSINKI))["energy_wh"] == 700
        only = await _report(client, alpha, **HELSINKI, token=[home.id])
        assert only["energy_wh"] == 100
        both = await _report(client, alpha, **HELSINKI, token=[home.id, work.id])
        assert both["energy_wh"] == 300

    async def test_user_group_uses_membership_now_and_deleted_users_keep_their_name(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        ann, bob = await _people(session, world)
        club = ann.user_group_id
        day = utc(2026, 2, 10, 12)
        await add_session(session, world.stations[1], ended=day, wh=100, user=ann)
        await add_session(session, world.stations[1], ended=day, wh=200, user=bob)
        await session.commit()
        body = await _report(client, alpha, **HELSINKI, user_group=[club])
        assert [r["charging_user_name"] for r in body["items"]] == ["Ann Auer"]  # type: ignore[attr-defined]
        bob.user_group_id = club  # joins the club: the report follows today's membership
        await session.commit()
        assert (await _report(client, alpha, **HELSINKI, user_group=[club]))["energy_wh"] == 300
        await session.delete(ann)
        await session.commit()
        body = await _report(client, alpha, **HELSINKI, sort="user")
        names = [r["charging_user_name"] for r in body["items"]]  # type: ignore[attr-defined]
        assert names == ["Ann Auer", "Bob Berg"]
        assert body["energy_wh"] == 300

    async def test_groups_cover_their_subtree_and_points_narrow(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        day = utc(2026, 2, 10, 12)
        for n, wh in ((1, 1), (2, 10), (3, 100), (4, 1000)):
            await add_session(session, world.stations[n], ended=day, wh=wh)
        await add_session(session, world.stations[2], ended=day, wh=20000, connector=2)
        await session.commit()
        assert (await _report(client, alpha, **HELSINKI, group=[world.a.id]))["energy_wh"] == 21111
        assert (await _report(client, alpha, **HELSINKI, group=[world.b.id]))["energy_wh"] == 20110
        point = f"{world.stations[2].id}:2"
        assert (await _report(client, alpha, **HELSINKI, point=[point]))["energy_wh"] == 20000


class TestCsv:
    async def _export(
        self, client: httpx.AsyncClient, headers: dict[str, str], decimals: str
    ) -> tuple[list[list[str]], str]:
        response = await client.get(
            "/api/v1/reports/charging.csv",
            params={**HELSINKI, "decimals": decimals},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        text = response.content.decode("utf-8-sig")
        separator = ";" if decimals == "comma" else ","
        return list(csv.reader(io.StringIO(text), delimiter=separator)), text

    async def test_both_separators_parse_back_to_the_screens_total(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        ann, _ = await _people(session, world)
        token = await create_token(session, user=ann, name="Home, garage")
        for n, wh in enumerate((1234, 5, 99999, 70001)):
            ended = utc(2026, 2, 1 + n, 12)
            await add_session(session, world.stations[1], ended=ended, wh=wh, user=ann, token=token)
        await session.commit()
        screen = await _report(client, alpha, **HELSINKI)
        for decimals in ("comma", "point"):
            rows, _ = await self._export(client, alpha, decimals)
            header, body = rows[0], rows[1:]
            assert header[6] == "Charging volume (kWh)"
            assert header[7] == "Start date & time (Europe/Helsinki)"
            assert len(body) == 4 and body[0][1] == "Home, garage"
            total = sum(Decimal(r[6].replace(",", ".")) for r in body)
            assert total * 1000 == screen["energy_wh"]
            if decimals == "comma":
                assert body[0][6] == "1,234"
            else:
                assert body[0][6] == "1.234"
        # Local times: 12:00 UTC is 14:00 in Helsinki in winter.
        assert body[0][8] == "2026-02-01 14:00:00"

    async def test_cells_a_spreadsheet_would_run_are_neutralised(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        evil = await create_charging_user(
            session, organization=world.org_a, first_name="=HYPERLINK(1)", last_name="x"
        )
        token = await create_token(session, user=evil, name="@SUM(A1)", id_tag="-1+2")
        await add_session(
            session, world.stations[1], ended=utc(2026, 2, 3), wh=10, user=evil, token=token
        )
        await session.commit()
        rows, _ = await self._export(client, alpha, "point")
        assert rows[1][:3] == ["'=HYPERLINK(1) x", "'@SUM(A1)", "'-1+2"]


class TestDomain:
    async def test_beta_sees_only_his_groups_and_omega_nothing_of_acme(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        day = utc(2026, 2, 10, 12)
        for n, wh in ((1, 1), (2, 10), (3, 100), (4, 1000), (5, 10000)):
            await add_session(session, world.stations[n], ended=day, wh=wh)
        await session.commit()
        beta = await api_token(session, world.beta)
        omega = await api_token(session, world.omega)
        assert (await _report(client, alpha, **HELSINKI))["energy_wh"] == 1111
        assert (await _report(client, beta, **HELSINKI))["energy_wh"] == 110
        assert (await _report(client, omega, **HELSINKI))["energy_wh"] == 10000
        response = await client.get("/api/v1/reports/charging.csv", params=HELSINKI, headers=beta)
        assert len(response.content.decode("utf-8-sig").splitlines()) == 3

    async def test_ids_of_other_domains_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        outsider = await create_charging_user(session, organization=world.org_b)
        token = await create_token(session, user=outsider)
        club = await create_user_group(session, organization=world.org_b)
        beta = await api_token(session, world.beta)
        for param, value, field in (
            ("group", world.c.id, "group_ids"),
            ("group", world.x.id, "group_ids"),
            ("station", world.stations[4].id, "station_ids"),
            ("point", f"{world.stations[5].id}:1", "points"),
            ("user", outsider.id, "charging_user_ids"),
            ("token", token.id, "token_ids"),
            ("user_group", club.id, "user_group_ids"),
            ("group", "abc", "group_ids"),
        ):
            for path in (
                "/api/v1/reports/charging",
                "/api/v1/reports/charging.csv",
                "/api/v1/sessions",
            ):
                response = await client.get(path, params={**HELSINKI, param: value}, headers=beta)
                assert response.status_code == 422, (path, param)
                assert response.json()["field"] == field
