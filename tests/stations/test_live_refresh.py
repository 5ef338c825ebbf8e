"""Pages that refresh themselves: the station list's live status and today's event feed.

Each polls its table body (HTMX, HX-Target the body's id) for the same filter, search, sort
and page, so the rows come back without the filter form the operator may be typing in.
"""

from __future__ import annotations

import html
import re

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.kit.time import utcnow
from tests.fixtures.factories import create_event
from tests.fixtures.html import table_rows
from tests.fixtures.server import ocpp_url
from tests.fixtures.station import connected
from tests.fixtures.wait import eventually
from tests.fixtures.world import World, log_in

__all__ = ["ocpp_url"]


def polling(page: str, body_id: str) -> tuple[str, str] | None:
    """The URL and trigger a table body polls with, if it polls."""
    tag = re.search(rf'<tbody id="{body_id}"([^>]*)>', page)
    assert tag, f"no table body #{body_id}"
    url = re.search(r'hx-get="([^"]+)"', tag.group(1))
    trigger = re.search(r'hx-trigger="([^"]+)"', tag.group(1))
    return (html.unescape(url.group(1)), trigger.group(1)) if url and trigger else None


async def rows_of(client: httpx.AsyncClient, url: str, body_id: str) -> str:
    headers = {"HX-Request": "true", "HX-Target": body_id}
    response = await client.get(url, headers=headers)
    assert response.status_code == 200
    return response.text


def table(fragment: str) -> list[str]:
    return table_rows(f'<table id="t"><thead></thead><tbody>{fragment}</tbody></table>', "t")


class TestStationList:
    async def test_the_rows_poll_for_the_same_group_search_sort_and_page(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        page = (
            await client.get(f"/stations?group={world.b.id}&q=st&sort=-identifier&size=1&page=2")
        ).text
        found = polling(page, "station-rows")
        assert found is not None
        url, trigger = found
        assert trigger == "every 10s"
        for part in (f"group={world.b.id}", "q=st", "sort=-identifier", "size=1", "page=2"):
            assert part in url
        fragment = await rows_of(client, url, "station-rows")
        # Only the rows: the search box, filters and pager stay as the operator left them.
        assert "<table" not in fragment and "<input" not in fragment and "<form" not in fragment
        assert re.findall(r'data-identifier="([^"]+)"', fragment) == ["ST2"]

    async def test_choosing_a_group_or_searching_keeps_the_sort(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get("/stations?sort=-identifier")).text
        assert '<input type="hidden" name="sort" value="-identifier" form="station-filter"' in page
        assert 'id="station-filter"' in page

    async def test_the_polled_rows_follow_the_station_online_and_offline(
        self, client: httpx.AsyncClient, world: World, ocpp_url: str, app: FastAPI
    ) -> None:
        await log_in(client, "beta")
        url = "/stations?q=ST2"
        async with connected(ocpp_url, "ST2") as station:
            await station.boot()
            await station.status(1, "Charging")
            (row,) = table(await rows_of(client, url, "station-rows"))
            assert row.endswith("Online #1 Charging View")

        async def offline() -> bool:
            return not app.state.bus.is_online(world.stations[2].id)

        await eventually(offline)
        (row,) = table(await rows_of(client, url, "station-rows"))
        assert row.endswith("Offline View")


class TestTodaysEventFeed:
    async def test_today_polls_for_new_events_keeping_filters_and_sort(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        station = world.stations[2]
        await create_event(session, station=station, at=utcnow(), info="First", status="Charging")
        await session.commit()
        await log_in(client, "alpha")
        feed = f"/stations/{station.id}/events"
        found = polling(
            (await client.get(f"{feed}?status=Charging&sort=time&q=s")).text, "event-rows"
        )
        assert found is not None
        url, trigger = found
        assert trigger == "every 10s"
        for part in ("status=Charging", "sort=time", "q=s", "day="):
            assert part in url
        await create_event(session, station=station, at=utcnow(), info="Second", status="Charging")
        await create_event(session, station=station, at=utcnow(), info="Third", status="Faulted")
        await session.commit()
        fragment = await rows_of(client, url, "event-rows")
        assert "<table" not in fragment and "<form" not in fragment
        assert [r.split(" Charging point")[0] for r in table(fragment)] == ["First", "Second"]

    async def test_a_past_day_does_not_poll(self, client: httpx.AsyncClient, world: World) -> None:
        await log_in(client, "alpha")
        page = (await client.get(f"/stations/{world.stations[2].id}/events?day=2026-01-15")).text
        assert polling(page, "event-rows") is None
