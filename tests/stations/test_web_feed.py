"""The station view's read-only tabs: event feed, statistics and the OCPP message log."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.time import utcnow
from laturi.models import OcppMessage
from laturi.models.station_event import Direction, EventKind
from tests.fixtures.factories import create_event, create_transaction
from tests.fixtures.html import by_id, table_rows
from tests.fixtures.world import World, log_in

# Operators read times in Europe/Helsinki (UTC+2 in January).
DAY = "2026-01-15"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
async def feed(session: AsyncSession, world: World) -> str:
    """A day of events at station 2; returns the feed's URL."""
    station = world.stations[2]
    events = [
        # (UTC time, connector, status, error, info, kind)
        ("2026-01-14T21:59:00", 1, "Available", "NoError", None, EventKind.STATUS),  # 14th
        ("2026-01-14T23:30:00", 1, "Preparing", "NoError", None, EventKind.STATUS),
        ("2026-01-15T07:10:00", 1, "Charging", "NoError", "Energy is flowing", EventKind.STATUS),
        (
            "2026-01-15T07:49:00",
            0,
            "Available",
            "OtherError",
            "FW update: car connected",
            EventKind.STATUS,
        ),
        ("2026-01-15T10:55:00", None, None, None, "Acme EVB, firmware A999", EventKind.BOOT),
        ("2026-01-15T22:00:00", 1, "Available", "NoError", None, EventKind.STATUS),  # 16th
    ]
    for when, connector, status, error, info, kind in events:
        await create_event(
            session,
            station=station,
            at=at(when),
            connector_id=connector,
            status=status,
            error_code=error,
            info=info,
            kind=kind,
        )
    await session.commit()
    return f"/stations/{station.id}/events"


class TestEventFeed:
    async def test_one_day_in_the_operator_s_time_zone_newest_first(
        self, client: httpx.AsyncClient, feed: str
    ) -> None:
        await log_in(client, "beta")
        page = (await client.get(f"{feed}?day={DAY}")).text
        assert table_rows(page, "events-table") == [
            "Boot: Acme EVB, firmware A999 Charging point #0 15.01.2026 12:55",
            "FW update: car connected Charging point #0 Available Other error 15.01.2026 09:49",
            "Energy is flowing Charging point #1 Charging No error 15.01.2026 09:10",
            "Status update Charging point #1 Preparing No error 15.01.2026 01:30",
        ]
        assert f'href="{feed}?day=2026-01-14' in page and f'href="{feed}?day=2026-01-16' in page

    async def test_without_a_day_it_is_today_and_there_is_no_next_day(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, feed: str
    ) -> None:
        await create_event(session, station=world.stations[2], at=utcnow(), info="Just now")
        await session.commit()
        await log_in(client, "alpha")
        page = (await client.get(feed)).text
        assert [r.split(" Charging point")[0] for r in table_rows(page, "events-table")] == [
            "Just now"
        ]
        assert 'id="next-day"' not in page and 'id="previous-day"' in page

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("status=Charging", ["Energy is flowing"]),
            ("error=OtherError", ["FW update: car connected"]),
            ("q=FLOWING", ["Energy is flowing"]),
            ("status=Faulted", []),
        ],
    )
    async def test_filters_by_status_error_type_and_text(
        self, client: httpx.AsyncClient, feed: str, query: str, expected: list[str]
    ) -> None:
        await log_in(client, "alpha")
        response = await client.get(f"{feed}?day={DAY}&{query}", headers={"HX-Request": "true"})
        assert "<html" not in response.text  # the fragment only
        rows = table_rows(response.text, "events-table")
        infos = [r.split(" Charging point")[0] for r in rows if "No events" not in r]
        assert infos == expected

    async def test_paging_keeps_the_day_and_the_filters(
        self, client: httpx.AsyncClient, feed: str
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get(f"{feed}?day={DAY}&status=Charging&size=8")).text
        assert f"day={DAY}" in page and "status=Charging" in page
        assert "1 in all" in page


def infos(page: str) -> list[str]:
    rows = table_rows(page, "events-table")
    return [r.split(" Charging point")[0] for r in rows if "No events" not in r]


class TestEventSorting:
    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            (
                "",  # newest first
                [
                    "Boot: Acme EVB, firmware A999",
                    "FW update: car connected",
                    "Energy is flowing",
                    "Status update",
                ],
            ),
            (
                "time",
                [
                    "Status update",
                    "Energy is flowing",
                    "FW update: car connected",
                    "Boot: Acme EVB, firmware A999",
                ],
            ),
            (
                "-point",  # then newest first; the boot has no connector: #0
                [
                    "Energy is flowing",
                    "Status update",
                    "Boot: Acme EVB, firmware A999",
                    "FW update: car connected",
                ],
            ),
            (
                "status",  # a boot has no status: first
                [
                    "Boot: Acme EVB, firmware A999",
                    "FW update: car connected",
                    "Energy is flowing",
                    "Status update",
                ],
            ),
            (
                "-error",
                [
                    "FW update: car connected",
                    "Energy is flowing",
                    "Status update",
                    "Boot: Acme EVB, firmware A999",
                ],
            ),
            (
                "info",
                [
                    "Status update",
                    "Boot: Acme EVB, firmware A999",
                    "Energy is flowing",
                    "FW update: car connected",
                ],
            ),
        ],
    )
    async def test_by_each_column_either_way(
        self, client: httpx.AsyncClient, feed: str, sort: str, expected: list[str]
    ) -> None:
        await log_in(client, "alpha")
        response = await client.get(f"{feed}?day={DAY}&sort={sort}", headers={"HX-Request": "true"})
        assert infos(response.text) == expected

    @staticmethod
    def header(page: str, label: str) -> tuple[str, str]:
        """A sort header's link (unescaped) and its text."""
        found = re.search(rf'<a href="([^"]+)"[^>]*>({label}[^<]*)</a>', page)
        assert found, f"no sort header {label}"
        return html.unescape(found.group(1)), html.unescape(found.group(2))

    async def test_a_header_sorts_by_its_column_then_the_other_way(
        self, client: httpx.AsyncClient, feed: str
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get(f"{feed}?day={DAY}&status=Charging")).text
        # Newest first is the default, and the time header says so.
        assert self.header(page, "Date &amp; time")[1] == "Date & time ▼"
        link, label = self.header(page, "Charging point")
        assert label == "Charging point"
        assert link.startswith(f"{feed}?q=&day={DAY}&status=Charging&error=&sort=point&")
        sorted_page = (await client.get(link)).text
        link, label = self.header(sorted_page, "Charging point")
        assert label == "Charging point ▲" and "&sort=-point&" in link

    async def test_the_sort_is_kept_across_days_filters_search_and_pages(
        self, client: httpx.AsyncClient, feed: str
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get(f"{feed}?day={DAY}&sort=-point&q=e&size=8")).text
        previous = re.search(r'id="previous-day" href="([^"]+)"', page)
        assert previous and "sort=-point" in previous.group(1) and "q=e" in previous.group(1)
        # The filter form (date, status, error, search) sends the sort along with itself.
        assert '<input type="hidden" name="sort" value="-point" form="event-filter"' in page
        assert '<form class="row g-2 mb-3 align-items-end" id="event-filter"' in page
        assert (
            'name="sort" value="-point"'
            in page.split('aria-label="Pages"')[0].rsplit("<form", 1)[1]
        )


class TestStatistics:
    @pytest.fixture
    async def sessions(self, session: AsyncSession, world: World) -> str:
        station, now = world.stations[2], utcnow()
        for hours, connector, energy in ((2, 1, 7510), (72, 2, 10_000), (240, 1, 5_000)):
            started = now - timedelta(hours=hours)
            await create_transaction(
                session,
                station=station,
                started_at=started,
                stopped_at=started + timedelta(hours=1),
                meter_start=1_000,
                meter_stop=1_000 + energy,
                connector_id=connector,
            )
        await session.commit()
        return f"/stations/{station.id}"

    @staticmethod
    def chart(page: str) -> dict[str, list[int | str]]:
        found = re.search(r'<script type="application/json" id="usage-data">(.*?)</script>', page)
        assert found
        data: dict[str, list[int | str]] = json.loads(found.group(1))
        return data

    async def test_the_view_header_shows_the_last_24_hours(
        self, client: httpx.AsyncClient, sessions: str
    ) -> None:
        await log_in(client, "beta")
        page = (await client.get(sessions)).text
        assert by_id(page, "events-24h") == "1"
        assert by_id(page, "points-24h") == "1"
        assert by_id(page, "kwh-24h") == "7.51"
        assert by_id(page, "station-group") == "B"

    @pytest.mark.parametrize(("days", "events", "wh"), [(7, 2, 17_510), (30, 3, 22_510)])
    async def test_charging_events_and_kwh_per_day_over_7_or_30_days(
        self, client: httpx.AsyncClient, sessions: str, days: int, events: int, wh: int
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get(f"{sessions}/statistics?days={days}")).text
        data = self.chart(page)
        assert len(data["labels"]) == days == len(data["events"]) == len(data["kwh"])
        assert sum(int(n) for n in data["events"]) == events
        assert sum(int(n) for n in data["kwh"]) == wh
        assert "/static/vendor/chart.umd.min.js" in page
        assert len(table_rows(page, "usage-table")) == days


class TestMessageLog:
    @pytest.fixture
    async def frames(self, session: AsyncSession, world: World) -> str:
        station = world.stations[2]
        frames = [
            (
                Direction.IN,
                2,
                "BootNotification",
                '[2,"1","BootNotification",{"x":"Fake-1"}]',
                "2026-01-15T08:00:01",
            ),
            (
                Direction.OUT,
                3,
                "BootNotification",
                '[3,"1",{"status":"Accepted"}]',
                "2026-01-15T08:00:02",
            ),
            (Direction.IN, 2, "Heartbeat", '[2,"2","Heartbeat",{}]', "2026-01-16T08:00:00"),
        ]
        for direction, kind, action, payload, when in frames:
            session.add(
                OcppMessage(
                    station_id=station.id,
                    direction=direction,
                    message_type=kind,
                    unique_id="1",
                    action=action,
                    payload=payload,
                    at=at(when),
                )
            )
        await session.commit()
        return f"/stations/{station.id}/messages"

    async def test_an_admin_reads_a_day_of_raw_frames_each_way(
        self, client: httpx.AsyncClient, frames: str
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get(f"{frames}?day={DAY}")).text
        assert table_rows(page, "messages-table") == [
            "15.01.2026 10:00:02 → to station BootNotification result"
            ' [3,"1",{"status":"Accepted"}]',
            "15.01.2026 10:00:01 ← from station BootNotification"
            ' [2,"1","BootNotification",{"x":"Fake-1"}]',
        ]

    @pytest.mark.parametrize(
        ("query", "count"), [("q=fake-1", 1), ("direction=out", 1), ("q=heartbeat", 0)]
    )
    async def test_search_and_direction(
        self, client: httpx.AsyncClient, frames: str, query: str, count: int
    ) -> None:
        await log_in(client, "alpha")
        response = await client.get(f"{frames}?day={DAY}&{query}", headers={"HX-Request": "true"})
        rows = [r for r in table_rows(response.text, "messages-table") if "No messages" not in r]
        assert len(rows) == count

    async def test_the_tab_is_for_admins_only(self, client: httpx.AsyncClient, frames: str) -> None:
        await log_in(client, "beta")
        assert "OCPP message log" not in (await client.get(frames.rsplit("/", 1)[0])).text
        assert (await client.get(frames)).status_code == 403
