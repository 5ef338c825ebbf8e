"""The panel's Schedule tasks pages through the HTTP client: forms, ticks, copy, feed, retry."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi import demo
from laturi.kit.time import utcnow
from laturi.models import ScheduledTask, TaskRun
from laturi.schedules.feed import status_of
from tests.fixtures.world import World, csrf, log_in
from tests.schedules.helpers import make_task, minute, run_at


def form(world: World, client: httpx.AsyncClient, **changes: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf(client),
        "name": "Limit charging current at night",
        "task_type": "station_current",
        "key_id": str(world.stations[2].id),
        "max_current": "6",
        "make_active": "1",
        "schedule": "daily",
        "hour": "1",
        "minute": "0",
        "day_of_month": "1",
        "run_at": "",
        "firmware_location": "",
        "firmware_retrieve_at": "",
    }
    return data | changes


class TestTaskForms:
    async def test_the_form_shows_utc_now_and_the_local_time(
        self, world: World, client: httpx.AsyncClient
    ) -> None:
        await log_in(client, "alpha")
        page = (await client.get("/schedules/new")).text
        assert re.search(r"UTC now is \d\d:\d\d", page)
        assert "your time (Europe/Helsinki" in page
        assert "ST2" in page and "ST5" not in page
        assert "Days 29-31 run on the month&#39;s last day" in page

    async def test_schedule_copy_edit_and_tick_both_active(
        self, world: World, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await log_in(client, "alpha")
        saved = await client.post("/schedules/new", data=form(world, client))
        assert saved.status_code == 303
        first = (await session.scalars(select(ScheduledTask))).one()
        copied = await client.post(f"/schedules/{first.id}/copy", data={"csrf_token": csrf(client)})
        assert copied.status_code == 303
        edit_url = copied.headers["location"]
        page = (await client.get(edit_url)).text
        assert 'value="Copy of Limit charging current at night"' in page
        version = re.search(r'name="version" value="(\d+)"', page)
        assert version is not None
        changed = form(
            world, client, name="Full current", max_current="32", hour="6", version=version[1]
        )
        assert (
            await client.post(edit_url.removesuffix("/edit") + "/edit", data=changed)
        ).status_code == 303
        for task_id in (first.id, int(edit_url.split("/")[2])):
            ticked = await client.post(
                "/schedules/active",
                data={"task_ids": str(task_id), "active": "1"},
                headers={"HX-Request": "true", "X-CSRF-Token": csrf(client)},
            )
            assert ticked.status_code == 200 and f'id="active-{task_id}"' in ticked.text
        session.expire_all()
        tasks = (await session.scalars(select(ScheduledTask).order_by(ScheduledTask.id))).all()
        assert [(t.name, t.active, t.hour, str(t.max_current)) for t in tasks] == [
            ("Limit charging current at night", True, 1, "6.0"),
            ("Full current", True, 6, "32.0"),
        ]
        listed = (await client.get("/schedules")).text
        assert listed.count("checked") >= 2 and "Full current" in listed

    async def test_a_wrong_field_is_shown_beside_it_and_nothing_is_saved(
        self, world: World, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await log_in(client, "alpha")
        response = await client.post(
            "/schedules/new", data=form(world, client, hour="25", name="Kept")
        )
        assert response.status_code == 422
        assert 'data-field="hour"' in response.text and "between 0 and 23" in response.text
        assert 'value="Kept"' in response.text
        assert (await session.scalars(select(ScheduledTask))).all() == []

    async def test_delete(
        self, world: World, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await log_in(client, "alpha")
        await client.post("/schedules/new", data=form(world, client))
        task = (await session.scalars(select(ScheduledTask))).one()
        assert "confirm(" in (await client.get("/schedules")).text
        gone = await client.post(f"/schedules/{task.id}/delete", data={"csrf_token": csrf(client)})
        assert gone.status_code == 303
        session.expire_all()
        assert (await session.scalars(select(ScheduledTask))).all() == []


class TestFeed:
    async def test_a_failed_run_shows_its_status_and_retry_makes_a_one_shot(
        self, world: World, client: httpx.AsyncClient, session: AsyncSession, app: FastAPI
    ) -> None:
        due = minute() - timedelta(minutes=5)
        task = await make_task(
            session,
            world.alpha,
            due=due,
            name="Pine limit",
            task_type="group_current",
            key_id=world.b.id,
            max_current="10",
        )
        task_id = task.id
        await run_at(app, due + timedelta(seconds=1))  # no station is connected
        await log_in(client, "alpha")
        page = (await client.get(f"/schedules/feed?date={due.date().isoformat()}")).text
        assert "Pine limit" in page and "All tasks failed" in page and "Retry" in page
        assert due.strftime("%d.%m.%Y %H:%M") in page
        assert (
            "Pine limit"
            not in (
                await client.get(f"/schedules/feed?date={due.date().isoformat()}&status=ok")
            ).text
        )
        assert (
            "Pine limit"
            not in (await client.get(f"/schedules/feed?date={due.date().isoformat()}&q=zzz")).text
        )
        run = (await session.scalars(select(TaskRun))).one()
        detail = (await client.get(f"/schedules/runs/{run.id}")).text
        assert "ST2" in detail and "ST3" in detail and "Offline" in detail
        retried = await client.post(
            f"/schedules/runs/{run.id}/retry", data={"csrf_token": csrf(client)}
        )
        assert retried.status_code == 303
        session.expire_all()
        copy = (
            await session.scalars(select(ScheduledTask).where(ScheduledTask.id != task_id))
        ).one()
        assert copy.name == "Retry: Pine limit" and copy.schedule == "once" and copy.active
        assert copy.next_run_at is not None and copy.next_run_at - utcnow() <= timedelta(minutes=3)

    async def test_previous_and_next_day(self, world: World, client: httpx.AsyncClient) -> None:
        await log_in(client, "alpha")
        page = (await client.get("/schedules/feed?date=2027-03-01")).text
        assert "date=2027-02-28" in page and "date=2027-03-02" in page
        assert "No task executions on this day." in page


async def test_the_demo_has_the_manual_s_pairs_and_a_failed_run(session: AsyncSession) -> None:
    await demo.load(session)
    tasks = (await session.scalars(select(ScheduledTask))).all()
    assert len(tasks) == 6 and sum(t.active for t in tasks) == 4
    statuses = sorted(status_of(r) for r in (await session.scalars(select(TaskRun))).all())
    assert statuses == ["1 task failed", "1 task failed", "OK"]


class TestBeyondTheManual:
    async def test_the_station_page_shows_the_limit_in_force_and_its_task(
        self, world: World, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        from laturi.models import StationLimit

        task = await make_task(
            session,
            world.alpha,
            due=minute() + timedelta(hours=1),
            name="Night limit",
            task_type="station_current",
            key_id=world.stations[2].id,
            max_current="6",
        )
        session.add(
            StationLimit(
                station_id=world.stations[2].id,
                amperes=6,
                task_id=task.id,
                task_name=task.name,
                set_at=utcnow(),
                applied_at=utcnow(),
            )
        )
        await session.commit()
        await log_in(client, "alpha")
        assert (
            "/schedules/station-limit/"
            in (await client.get(f"/stations/{world.stations[2].id}")).text
        )
        line = (await client.get(f"/schedules/station-limit/{world.stations[2].id}")).text
        assert "6 A" in line and "Night limit" in line
        other = (await client.get(f"/schedules/station-limit/{world.stations[3].id}")).text
        assert "No max current limit" in other

    @pytest.mark.parametrize(("who", "status"), [("beta", 403), ("gamma", 404), ("omega", 404)])
    async def test_the_limit_line_keeps_to_the_domain(
        self, world: World, client: httpx.AsyncClient, who: str, status: int
    ) -> None:
        await log_in(client, who)
        response = await client.get(f"/schedules/station-limit/{world.stations[2].id}")
        assert response.status_code == status

    async def test_a_charging_user_s_page_shows_the_changes_ahead(
        self, world: World, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        from tests.fixtures.factories import create_charging_user, create_user_group

        fans = await create_user_group(session, organization=world.org_a, name="Fans")
        user = await create_charging_user(
            session, organization=world.org_a, groups=[world.a], user_group=fans
        )
        await session.commit()
        due = minute() + timedelta(hours=1)
        await make_task(
            session,
            world.alpha,
            due=due,
            name="Weekend off",
            task_type="user_activation",
            key_id=user.id,
            make_active=False,
        )
        await make_task(
            session,
            world.alpha,
            due=due + timedelta(minutes=1),
            name="Fans back",
            task_type="user_group_activation",
            key_id=fans.id,
            make_active=True,
        )
        await log_in(client, "alpha")
        assert (
            f"/schedules/user-changes/{user.id}"
            in (await client.get(f"/charging-users/{user.id}/edit")).text
        )
        page = (await client.get(f"/schedules/user-changes/{user.id}")).text
        assert page.index("Weekend off") < page.index("Fans back")
        assert due.strftime("%d.%m.%Y %H:%M") in page
        await log_in(client, "beta")
        assert (await client.get(f"/schedules/user-changes/{user.id}")).status_code == 403
