"""A station's event feed, transactions and statistics through the REST API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.time import utcnow
from laturi.models import MeterValue
from laturi.models.station_event import EventKind
from tests.fixtures.factories import create_event, create_transaction
from tests.fixtures.world import World


def url(world: World, tail: str) -> str:
    return f"/api/v1/stations/{world.stations[2].id}/{tail}"


class TestEventFeed:
    async def test_one_day_in_the_operator_s_time_zone_with_filters(
        self, session: AsyncSession, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        station = world.stations[2]
        # Helsinki is UTC+3 in summer: 22:30 UTC on the 16th is already the 17th there.
        day = datetime(2018, 8, 16, 22, 30, tzinfo=UTC)
        await create_event(
            session, station=station, at=day, status="Charging", info="Status Update"
        )
        await create_event(
            session,
            station=station,
            at=day + timedelta(hours=2),
            connector_id=0,
            error_code="OtherError",
            info="FW update: car connected",
        )
        await create_event(session, station=station, at=day - timedelta(hours=3), status="Faulted")
        await create_event(
            session, station=station, at=day, kind=EventKind.BOOT, status=None, error_code=None
        )
        await session.commit()
        feed = await client.get(url(world, "events"), params={"day": "2018-08-17"}, headers=alpha)
        items = feed.json()["items"]
        assert [e["info"] for e in items] == ["FW update: car connected", None, "Status Update"]
        by_status = await client.get(
            url(world, "events"), params={"day": "2018-08-17", "status": "Charging"}, headers=alpha
        )
        assert [e["info"] for e in by_status.json()["items"]] == ["Status Update"]
        by_error = await client.get(
            url(world, "events"),
            params={"day": "2018-08-17", "error_code": "OtherError"},
            headers=alpha,
        )
        assert [e["connector_id"] for e in by_error.json()["items"]] == [0]
        searched = await client.get(
            url(world, "events"), params={"day": "2018-08-17", "q": "fw update"}, headers=alpha
        )
        assert searched.json()["total"] == 1
        previous = await client.get(
            url(world, "events"), params={"day": "2018-08-16"}, headers=alpha
        )
        assert [e["status"] for e in previous.json()["items"]] == ["Faulted"]

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("", ["b", "c", "a"]),
            ("time", ["a", "c", "b"]),
            ("point", ["c", "b", "a"]),  # connector 0 first, then newest first
            ("-status", ["a", "b", "c"]),
            ("-info", ["c", "b", "a"]),
        ],
    )
    async def test_sorted_by_any_column(
        self,
        session: AsyncSession,
        world: World,
        alpha: dict[str, str],
        client: httpx.AsyncClient,
        sort: str,
        expected: list[str],
    ) -> None:
        station, day = world.stations[2], datetime(2018, 8, 17, 6, 0, tzinfo=UTC)
        for minutes, connector, status, info in (
            (0, 2, "Preparing", "a"),
            (20, 1, "Charging", "b"),
            (10, 0, "Available", "c"),
        ):
            await create_event(
                session,
                station=station,
                at=day + timedelta(minutes=minutes),
                connector_id=connector,
                status=status,
                info=info,
            )
        await session.commit()
        params = {"day": "2018-08-17", "sort": sort}
        found = await client.get(url(world, "events"), params=params, headers=alpha)
        assert [e["info"] for e in found.json()["items"]] == expected


class TestTransactions:
    async def test_list_and_detail_with_meter_values(
        self, session: AsyncSession, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        station = world.stations[2]
        start = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
        done = await create_transaction(
            session,
            station=station,
            started_at=start,
            meter_start=1000,
            meter_stop=8510,
            stopped_at=start + timedelta(hours=1),
            id_tag="04A2B3C4",
        )
        await create_transaction(session, station=station, started_at=start + timedelta(days=1))
        session.add(
            MeterValue(
                station_id=station.id,
                connector_id=1,
                transaction_id=done.id,
                sampled_at=start + timedelta(minutes=30),
                measurand="Power.Active.Import",
                unit="kW",
                value=Decimal("11.20"),
            )
        )
        await session.commit()
        listed = (await client.get(url(world, "transactions"), headers=alpha)).json()
        assert listed["total"] == 2 and listed["items"][1]["energy_wh"] == 7510
        searched = await client.get(url(world, "transactions"), params={"q": "04a2"}, headers=alpha)
        assert [t["id"] for t in searched.json()["items"]] == [done.id]
        detail = (await client.get(url(world, f"transactions/{done.id}"), headers=alpha)).json()
        assert [(m["measurand"], m["value"]) for m in detail["meter_values"]] == [
            ("Power.Active.Import", "11.2")
        ]
        other = f"/api/v1/stations/{world.stations[3].id}/transactions/{done.id}"
        assert (await client.get(other, headers=alpha)).status_code == 404


class TestStatistics:
    async def test_last_24_hours_and_per_day(
        self, session: AsyncSession, world: World, alpha: dict[str, str], client: httpx.AsyncClient
    ) -> None:
        station = world.stations[2]
        now = utcnow()
        for hours, connector, used in ((2, 1, 7510), (5, 2, 2000), (50, 1, 1000)):
            start = now - timedelta(hours=hours)
            await create_transaction(
                session,
                station=station,
                started_at=start,
                meter_start=0,
                meter_stop=used,
                stopped_at=start + timedelta(minutes=30),
                connector_id=connector,
            )
        await session.commit()
        week = (await client.get(url(world, "statistics"), headers=alpha)).json()
        assert (week["charging_events_24h"], week["points_used_24h"]) == (2, 2)
        assert week["energy_wh_24h"] == 9510 and len(week["days"]) == 7
        assert sum(d["energy_wh"] for d in week["days"]) == 10510
        month = await client.get(url(world, "statistics"), params={"days": 30}, headers=alpha)
        assert len(month.json()["days"]) == 30
        odd = await client.get(url(world, "statistics"), params={"days": 9}, headers=alpha)
        assert odd.status_code == 422
