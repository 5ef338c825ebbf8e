"""The sessions list, a session's detail and closing a zombie session, over the API."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import MeterValue, StationEvent
from laturi.models.station_event import EventKind
from tests.fixtures.factories import create_charging_user, create_token
from tests.fixtures.world import World, api_token
from tests.reports.sessions_data import add_session, utc


class TestList:
    async def test_open_sessions_first_with_live_energy_then_newest(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        old = await add_session(session, world.stations[1], ended=utc(2026, 1, 1), wh=10)
        new = await add_session(session, world.stations[2], ended=utc(2026, 2, 1), wh=20)
        live = await add_session(session, world.stations[3], ended=None, wh=0, last_wh=3500)
        await session.commit()
        response = await client.get("/api/v1/sessions", headers=alpha)
        items = response.json()["items"]
        assert [i["id"] for i in items] == [live.id, new.id, old.id]
        assert items[0]["energy_wh"] == 2500 and items[0]["stopped_at"] is None
        by_energy = await client.get("/api/v1/sessions?sort=-energy", headers=alpha)
        assert [i["id"] for i in by_energy.json()["items"]] == [live.id, new.id, old.id]
        closed = await client.get("/api/v1/sessions?state=closed&sort=end", headers=alpha)
        assert [i["id"] for i in closed.json()["items"]] == [old.id, new.id]

    async def test_pages_run_from_open_sessions_into_ended_ones(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        ended = [
            (await add_session(session, world.stations[1], ended=utc(2026, 1, d), wh=d)).id
            for d in range(1, 6)
        ]
        opened = [
            (await add_session(session, world.stations[2], ended=None, wh=0, hours=h)).id
            for h in (3, 2, 1)
        ]
        await session.commit()
        seen = []
        for page in range(1, 5):
            found = await client.get(f"/api/v1/sessions?size=2&page={page}", headers=alpha)
            assert found.json()["total"] == 8
            seen += [i["id"] for i in found.json()["items"]]
        assert seen == opened[::-1] + ended[::-1]

    async def test_search_and_station_filter(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        ann = await create_charging_user(
            session, organization=world.org_a, first_name="Ann", last_name="Zed"
        )
        token = await create_token(session, user=ann, id_tag="CAFE01", name="Car")
        mine = await add_session(
            session, world.stations[1], ended=utc(2026, 1, 1), wh=1, user=ann, token=token
        )
        await add_session(session, world.stations[2], ended=utc(2026, 1, 1), wh=1)
        await session.commit()
        for q in ("zed", "cafe", "car"):
            found = await client.get("/api/v1/sessions", params={"q": q}, headers=alpha)
            assert [i["id"] for i in found.json()["items"]] == [mine.id], q
        station = await client.get(
            "/api/v1/sessions", params={"station": world.stations[2].id}, headers=alpha
        )
        assert station.json()["total"] == 1

    async def test_each_operator_lists_his_domain_only(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        ids = {}
        for n in range(1, 6):
            ids[n] = (await add_session(session, world.stations[n], ended=utc(2026, 1, 1), wh=1)).id
        await session.commit()
        expected = {"alpha": {1, 2, 3, 4}, "beta": {2, 3}, "gamma": {4}, "omega": {5}}
        for name, stations in expected.items():
            headers = await api_token(session, world.operator(name))
            found = await client.get("/api/v1/sessions", headers=headers)
            assert {i["id"] for i in found.json()["items"]} == {ids[n] for n in stations}
            for n in range(1, 6):
                detail = await client.get(f"/api/v1/sessions/{ids[n]}", headers=headers)
                assert detail.status_code == (200 if n in stations else 404), (name, n)


class TestDetail:
    async def test_meter_values_and_messages_for_admins_only(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        tx = await add_session(session, world.stations[2], ended=utc(2026, 1, 1, 12), wh=900)
        session.add(
            MeterValue(
                station_id=tx.station_id,
                connector_id=1,
                transaction_id=tx.id,
                sampled_at=utc(2026, 1, 1, 11, 30),
                measurand="Power.Active.Import",
                unit="W",
                value=7200,
            )
        )
        await session.commit()
        found = (await client.get(f"/api/v1/sessions/{tx.id}", headers=alpha)).json()
        assert [m["measurand"] for m in found["meter_values"]] == ["Power.Active.Import"]
        values = await client.get(f"/api/v1/sessions/{tx.id}/meter-values", headers=alpha)
        assert values.json()[0]["value"] == "7200"
        beta = await api_token(session, world.beta)
        as_basic = (await client.get(f"/api/v1/sessions/{tx.id}", headers=beta)).json()
        assert as_basic["energy_wh"] == 900 and as_basic["messages"] == []


class TestClosingAZombie:
    async def test_closed_at_last_reading_marked_with_who_and_when(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        tx = await add_session(session, world.stations[2], ended=None, wh=0, last_wh=4200)
        await session.commit()
        beta = await api_token(session, world.beta)
        response = await client.post(f"/api/v1/sessions/{tx.id}/close", headers=beta)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["closed_by_username"] == "beta"
        assert body["energy_wh"] == 3200 and body["stop_reason"] == "Other"
        assert body["stopped_at"] is not None
        detail = (await client.get(f"/api/v1/sessions/{tx.id}", headers=beta)).json()
        assert detail["meter_stop"] == 4200 and detail["closed_by_operator_at"] is not None
        events = (await session.scalars(select(StationEvent))).all()
        assert [e.kind for e in events] == [EventKind.OPERATOR_CLOSE]
        again = await client.post(f"/api/v1/sessions/{tx.id}/close", headers=beta)
        assert again.status_code == 409
        assert again.json()["message"] == "The charging session has already ended."

    async def test_without_readings_it_closes_at_its_start_reading(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, alpha: dict[str, str]
    ) -> None:
        tx = await add_session(session, world.stations[1], ended=None, wh=0)
        await session.commit()
        body = (await client.post(f"/api/v1/sessions/{tx.id}/close", headers=alpha)).json()
        assert body["energy_wh"] == 0 and body["closed_by_username"] == "alpha"

    async def test_outside_the_domain_it_does_not_exist(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        tx = await add_session(session, world.stations[4], ended=None, wh=0, last_wh=2000)
        await session.commit()
        for name in ("beta", "omega"):
            headers = await api_token(session, world.operator(name))
            response = await client.post(f"/api/v1/sessions/{tx.id}/close", headers=headers)
            assert response.status_code == 404
        await session.refresh(tx)
        assert tx.stopped_at is None
