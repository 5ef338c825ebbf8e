"""Running tasks against real OCPP stations, with the scheduler's clock injected."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from ocpp.v16 import call, call_result
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import StationLimit
from laturi.schedules.feed import status_of
from tests.fixtures.station import Script, connected
from tests.fixtures.wait import read
from tests.fixtures.world import World
from tests.schedules.helpers import make_task, minute, results_of, run_at, runs_of

REJECTED = call_result.SetChargingProfile(status="Rejected")


class TestMaxCurrent:
    async def test_a_charger_gets_a_charge_point_max_profile_in_amperes(
        self, world: World, session: AsyncSession, app: FastAPI, ocpp_url: str, database: Database
    ) -> None:
        due = minute() + timedelta(hours=1)
        task = await make_task(
            session,
            world.alpha,
            due=due,
            name="Limit ST2 at night",
            task_type="station_current",
            key_id=world.stations[2].id,
            max_current="6",
        )
        script = Script()
        async with connected(ocpp_url, "ST2", script=script):
            await run_at(app, due + timedelta(seconds=1))
        ((action, sent),) = script.received
        assert action == "SetChargingProfile" and sent["connector_id"] == 0
        profile = sent["cs_charging_profiles"]
        assert profile["charging_profile_purpose"] == "ChargePointMaxProfile"
        schedule = profile["charging_schedule"]
        assert schedule["charging_rate_unit"] == "A"
        assert schedule["charging_schedule_period"] == [{"start_period": 0, "limit": 6.0}]
        (run,) = await runs_of(database, task.id)
        assert status_of(run) == "OK" and not run.late and run.due_at == due
        assert await results_of(database, run.id) == {"ST2": ("accepted", "Accepted")}
        limit = await read(database, lambda s: s.get(StationLimit, world.stations[2].id))
        assert limit is not None and limit.amperes == 6 and limit.task_name == "Limit ST2 at night"
        assert (await runs_of(database, task.id))[0].task_id == task.id
        async with database.sessions() as s:
            from laturi.models import ScheduledTask

            again = await s.get(ScheduledTask, task.id)
            assert again is not None and again.next_run_at == due + timedelta(days=1)

    async def test_a_group_with_a_rejecting_and_an_offline_station(
        self, world: World, session: AsyncSession, app: FastAPI, ocpp_url: str, database: Database
    ) -> None:
        due = minute() + timedelta(hours=1)
        task = await make_task(
            session,
            world.alpha,
            due=due,
            task_type="group_current",
            key_id=world.a.id,
            max_current="10",
        )
        rejecting = Script()
        rejecting.answers["SetChargingProfile"] = REJECTED
        scripts = {"ST1": Script(), "ST4": Script()}
        async with (
            connected(ocpp_url, "ST1", script=scripts["ST1"]),
            connected(ocpp_url, "ST2", script=rejecting),
            connected(ocpp_url, "ST4", script=scripts["ST4"]),
        ):
            await run_at(app, due)
        (run,) = await runs_of(database, task.id)
        assert status_of(run) == "1 task failed" or status_of(run) == "2 tasks failed"
        results = await results_of(database, run.id)
        assert results["ST1"] == ("accepted", "Accepted") and results["ST4"][0] == "accepted"
        assert results["ST2"] == ("rejected", "The station answered Rejected.")
        assert results["ST3"][0] == "offline"
        assert status_of(run) == "2 tasks failed" and run.targets == 4

    async def test_one_offline_one_rejecting_is_all_failed_then_retry_targets_both(
        self,
        world: World,
        session: AsyncSession,
        app: FastAPI,
        ocpp_url: str,
        database: Database,
        client: httpx.AsyncClient,
        alpha: dict[str, str],
    ) -> None:
        due = minute() + timedelta(hours=1)
        task = await make_task(
            session,
            world.alpha,
            due=due,
            name="Pine",
            task_type="group_current",
            key_id=world.b.id,
            max_current="10",
        )
        rejecting = Script()
        rejecting.answers["SetChargingProfile"] = REJECTED
        async with connected(ocpp_url, "ST2", script=rejecting):
            await run_at(app, due)
        (run,) = await runs_of(database, task.id)
        assert status_of(run) == "All tasks failed"

        retried = await client.post(f"/api/v1/schedules/runs/{run.id}/retry", headers=alpha)
        assert retried.status_code == 201, retried.text
        copy = retried.json()
        assert copy["name"] == "Retry: Pine" and copy["schedule"] == "once" and copy["active"]
        retry_due = datetime.fromisoformat(copy["next_run_at"])
        assert timedelta(minutes=1) <= retry_due - utcnow() <= timedelta(minutes=3)
        accepting = {"ST2": Script(), "ST3": Script()}
        async with (
            connected(ocpp_url, "ST2", script=accepting["ST2"]),
            connected(ocpp_url, "ST3", script=accepting["ST3"]),
        ):
            await run_at(app, retry_due + timedelta(seconds=1))
        (again,) = await runs_of(database, copy["id"])
        assert status_of(again) == "OK"
        assert set(await results_of(database, again.id)) == {"ST2", "ST3"}
        assert all(s.received for s in accepting.values())

    async def test_no_answer_in_time_is_timed_out(
        self, world: World, session: AsyncSession, app: FastAPI, ocpp_url: str, database: Database
    ) -> None:
        due = minute() + timedelta(hours=1)
        task = await make_task(
            session,
            world.alpha,
            due=due,
            task_type="station_current",
            key_id=world.stations[4].id,
            max_current="16",
        )
        async with connected(ocpp_url, "ST4", script=Script(delay=3.0)):
            await run_at(app, due)
        (run,) = await runs_of(database, task.id)
        assert (await results_of(database, run.id))["ST4"][0] == "timed_out"
        assert status_of(run) == "1 task failed"


class TestActivation:
    async def test_deactivation_and_activation_reach_authorize_and_the_local_list(
        self, world: World, session: AsyncSession, app: FastAPI, ocpp_url: str, database: Database
    ) -> None:
        from laturi.models import LocalList, LocalListEntry
        from tests.fixtures.factories import create_charging_user, create_token

        user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
        await create_token(session, user=user, id_tag="TAG1")
        session.add(LocalList(station_id=world.stations[2].id, version=1, known=True))
        session.add(
            LocalListEntry(station_id=world.stations[2].id, id_tag="TAG1", status="Accepted")
        )
        await session.commit()
        due = minute() + timedelta(hours=1)
        off = await make_task(
            session,
            world.alpha,
            due=due,
            name="Off",
            task_type="user_activation",
            key_id=user.id,
            make_active=False,
        )
        on = await make_task(
            session,
            world.alpha,
            due=due + timedelta(minutes=1),
            name="On",
            task_type="user_activation",
            key_id=user.id,
            make_active=True,
        )
        script = Script()
        async with connected(ocpp_url, "ST2", script=script) as station:
            before = await station.call(call.Authorize(id_tag="TAG1"), suppress=False)
            await run_at(app, due)
            during = await station.call(call.Authorize(id_tag="TAG1"), suppress=False)
            sent = [kw for action, kw in script.received if action == "SendLocalList"]
            await run_at(app, due + timedelta(minutes=1))
            after = await station.call(call.Authorize(id_tag="TAG1"), suppress=False)
        assert before.id_tag_info["status"] == "Accepted"
        assert during.id_tag_info["status"] == "Blocked"
        assert after.id_tag_info["status"] == "Accepted"
        assert sent and sent[0]["update_type"] == "Differential"
        assert sent[0]["local_authorization_list"] == [{"id_tag": "TAG1"}]
        (run_off,) = await runs_of(database, off.id)
        results = await results_of(database, run_off.id)
        assert results[f"{user.first_name} {user.last_name}"] == ("accepted", "Set inactive.")
        assert results["ST2"] == ("accepted", "Local list: Accepted.")
        assert status_of((await runs_of(database, on.id))[0]) == "OK"

    async def test_a_user_group_reaches_every_member(
        self, world: World, session: AsyncSession, app: FastAPI, database: Database
    ) -> None:
        from laturi.models import ChargingUser
        from tests.fixtures.factories import create_charging_user, create_user_group

        fans = await create_user_group(session, organization=world.org_a, name="Club fans")
        members = [
            await create_charging_user(
                session, organization=world.org_a, groups=[world.a], user_group=fans
            )
            for _ in range(3)
        ]
        await session.commit()
        due = minute() + timedelta(hours=1)
        task = await make_task(
            session,
            world.alpha,
            due=due,
            task_type="user_group_activation",
            key_id=fans.id,
            make_active=False,
            schedule="monthly",
            day_of_month=due.day,
        )
        await run_at(app, due)
        (run,) = await runs_of(database, task.id)
        assert status_of(run) == "OK" and run.targets == 3
        async with database.sessions() as s:
            for member in members:
                found = await s.get(ChargingUser, member.id)
                assert found is not None and found.active is False


class TestLimitInForce:
    async def test_a_station_that_reconnects_gets_the_limit_again(
        self, world: World, session: AsyncSession, app: FastAPI, ocpp_url: str, database: Database
    ) -> None:
        from laturi.models import Station
        from tests.fixtures.wait import eventually

        now = utcnow()
        due = minute(now)
        await make_task(
            session,
            world.alpha,
            due=due,
            name="Limit ST2",
            task_type="station_current",
            key_id=world.stations[2].id,
            max_current="6",
            schedule="once",
            run_at=due,
        )
        first = Script()
        async with connected(ocpp_url, "ST2", script=first):
            await run_at(app, now)
        assert [a for a, _ in first.received] == ["SetChargingProfile"]

        async def offline() -> bool:
            station = await read(database, lambda s: s.get(Station, world.stations[2].id))
            return station is not None and not station.connected

        await eventually(offline)
        second = Script()
        async with connected(ocpp_url, "ST2", script=second) as station:
            await station.boot()
            await run_at(app, now + timedelta(seconds=10))
        sent = [kw for a, kw in second.received if a == "SetChargingProfile"]
        assert len(sent) == 1
        assert (
            sent[0]["cs_charging_profiles"]["charging_schedule"]["charging_schedule_period"][0][
                "limit"
            ]
            == 6.0
        )


class TestFirmware:
    async def test_every_station_of_the_group_s_subtree_gets_update_firmware(
        self, world: World, session: AsyncSession, app: FastAPI, ocpp_url: str, database: Database
    ) -> None:
        due = minute() + timedelta(hours=1)
        retrieve = due + timedelta(hours=2)
        task = await make_task(
            session,
            world.alpha,
            due=due,
            task_type="firmware_update",
            key_id=world.b.id,
            firmware_location="ftp://fw.example/evb-2.bin",
            firmware_retrieve_at=retrieve,
            schedule="weekly",
            weekdays=[due.weekday()],
        )
        scripts = {"ST2": Script(), "ST3": Script(), "ST1": Script()}
        async with (
            connected(ocpp_url, "ST1", script=scripts["ST1"]),
            connected(ocpp_url, "ST2", script=scripts["ST2"]),
            connected(ocpp_url, "ST3", script=scripts["ST3"]),
        ):
            await run_at(app, due)
        for name in ("ST2", "ST3"):
            ((action, sent),) = scripts[name].received
            assert action == "UpdateFirmware" and sent["location"] == "ftp://fw.example/evb-2.bin"
            assert datetime.fromisoformat(sent["retrieve_date"]) == retrieve
        assert scripts["ST1"].received == []  # group A's own station is outside B's subtree
        (run,) = await runs_of(database, task.id)
        assert status_of(run) == "OK" and run.targets == 2
