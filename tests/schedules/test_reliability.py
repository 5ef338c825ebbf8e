"""Missed and late runs, exactly once across nodes and restarts, a dead node's run, system jobs."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.app import create_app
from laturi.config import Settings
from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import ChargingUser, OcppMessage, RunTarget, ScheduledTask, SystemJob, TaskRun
from laturi.schedules.feed import status_of
from laturi.schedules.runner import NODE_LOST, Scheduler
from laturi.schedules.system_jobs import SystemJobs
from tests.fixtures.factories import create_charging_user
from tests.fixtures.station import Script, connected
from tests.fixtures.world import World
from tests.schedules.helpers import make_task, minute, results_of, run_at, runs_of


async def _user_task(
    session: AsyncSession, world: World, due_in: timedelta, **kw: object
) -> tuple[ScheduledTask, ChargingUser]:
    user = await create_charging_user(session, organization=world.org_a, groups=[world.a])
    await session.commit()
    due = minute() + due_in
    fields = {"task_type": "user_activation", "key_id": user.id, "make_active": False} | kw
    return await make_task(session, world.alpha, due=due, **fields), user


async def _active(database: Database, user_id: int) -> bool:
    async with database.sessions() as s:
        user = await s.get(ChargingUser, user_id)
        assert user is not None
        return user.active


class TestMissedAndLate:
    async def test_within_the_grace_it_runs_late_once(
        self, world: World, session: AsyncSession, app: FastAPI, database: Database
    ) -> None:
        task, user = await _user_task(session, world, timedelta(hours=1))
        assert task.next_run_at is not None
        await run_at(app, task.next_run_at + timedelta(minutes=30))
        (run,) = await runs_of(database, task.id)
        assert run.late and status_of(run) == "OK" and not await _active(database, user.id)
        # A node restarting at the same moment does not run it again.
        restarted = Scheduler(app.state.settings, database, app.state.bus)
        assert await run_at(restarted, task.next_run_at + timedelta(minutes=31)) == []
        assert len(await runs_of(database, task.id)) == 1

    async def test_past_the_grace_it_is_recorded_missed_and_not_run(
        self, world: World, session: AsyncSession, app: FastAPI, database: Database
    ) -> None:
        task, user = await _user_task(session, world, timedelta(hours=1))
        assert task.next_run_at is not None
        # No node up for three days and two hours: three runs were due, none ran.
        await run_at(app, task.next_run_at + timedelta(days=2, hours=2))
        runs = await runs_of(database, task.id)
        assert [r.state for r in runs] == ["missed"] * 3
        assert [status_of(r) for r in runs] == ["Missed"] * 3
        assert await _active(database, user.id)
        async with database.sessions() as s:
            again = await s.get(ScheduledTask, task.id)
            assert again is not None and again.next_run_at == task.next_run_at + timedelta(days=3)

    async def test_the_grace_is_configurable(
        self, world: World, session: AsyncSession, settings: Settings, database: Database
    ) -> None:
        task, _ = await _user_task(session, world, timedelta(hours=1))
        assert task.next_run_at is not None
        strict = settings.model_copy(update={"scheduler_grace_minutes": 5})
        app = create_app(strict, database)
        await run_at(app, task.next_run_at + timedelta(minutes=6))
        assert [r.state for r in await runs_of(database, task.id)] == ["missed"]


class TestExactlyOnce:
    async def test_two_nodes_and_a_hundred_tasks_due_in_the_same_minute(
        self, world: World, session: AsyncSession, settings: Settings, database: Database
    ) -> None:
        if not database.url.startswith("postgresql"):
            pytest.skip("several nodes share one PostgreSQL database; SQLite is a single node")
        due = minute() + timedelta(hours=1)
        users = [
            await create_charging_user(session, organization=world.org_a, groups=[world.a])
            for _ in range(100)
        ]
        await session.commit()
        for n, user in enumerate(users):
            await make_task(
                session,
                world.alpha,
                due=due,
                name=f"Task {n}",
                task_type="user_activation",
                key_id=user.id,
                make_active=False,
            )
        nodes = [create_app(settings) for _ in range(2)]  # each with its own engine and bus
        try:
            for n, node in enumerate(nodes):
                node.state.scheduler.node = f"node-{n}"
            started = await asyncio.gather(*(run_at(node, due) for node in nodes))
            assert sum(len(s) for s in started) == 100
            async with database.sessions() as s:
                runs = (await s.scalars(select(TaskRun))).all()
                assert len(runs) == 100 and len({r.task_id for r in runs}) == 100
                assert all(status_of(r) == "OK" for r in runs)
                assert (await s.scalar(select(func.count()).select_from(RunTarget))) == 100
            # Both restart and look again: nothing runs twice.
            again = await asyncio.gather(
                *(run_at(node, due + timedelta(seconds=30)) for node in nodes)
            )
            assert again == [[], []]
        finally:
            for node in nodes:
                await node.state.db.dispose()
        assert not any([await _active(database, u.id) for u in users])


class TestDeadNode:
    async def test_another_node_finishes_a_half_done_run(
        self, world: World, session: AsyncSession, app: FastAPI, ocpp_url: str, database: Database
    ) -> None:
        due = minute() + timedelta(hours=1)
        task = await make_task(
            session,
            world.alpha,
            due=due,
            task_type="group_current",
            key_id=world.b.id,
            max_current="8",
        )
        run = TaskRun(
            task_id=task.id,
            organization_id=task.organization_id,
            scope_group_id=task.scope_group_id,
            task_name=task.name,
            task_type=task.task_type,
            due_at=due,
            state="running",
            node="dead-node",
            started_at=due,
            heartbeat_at=due,
            targets=2,
        )
        session.add(run)
        await session.flush()
        session.add(
            RunTarget(
                run_id=run.id,
                kind="station",
                target_id=world.stations[2].id,
                label="ST2",
                result="sending",
            )
        )
        session.add(
            RunTarget(run_id=run.id, kind="station", target_id=world.stations[3].id, label="ST3")
        )
        await session.commit()
        script = Script()
        async with connected(ocpp_url, "ST3", script=script):
            await run_at(app, due + timedelta(minutes=5))
        (finished,) = [r for r in await runs_of(database, task.id) if r.id == run.id]
        assert finished.state == "done" and finished.node != "dead-node"
        results = await results_of(database, run.id)
        assert results == {"ST2": ("failed", NODE_LOST), "ST3": ("accepted", "Accepted")}
        assert status_of(finished) == "1 task failed" and len(script.received) == 1


class TestSystemJobs:
    async def test_the_message_log_purge_runs_once_across_nodes(
        self, world: World, session: AsyncSession, settings: Settings, database: Database
    ) -> None:
        now = utcnow()
        old = OcppMessage(
            station_id=world.stations[1].id,
            direction="in",
            payload="[]",
            at=now - timedelta(days=40),
        )
        new = OcppMessage(station_id=world.stations[1].id, direction="in", payload="[]", at=now)
        session.add_all([old, new])
        await session.commit()
        nodes = [SystemJobs(database, settings, f"node-{n}") for n in range(2)]
        ran = await asyncio.gather(*(n.run_due(now) for n in nodes))
        assert sorted(len(r) for r in ran) == [0, 1]
        async with database.sessions() as s:
            left = (await s.scalars(select(OcppMessage.id))).all()
            assert left == [new.id]
            job = await s.get(SystemJob, "ocpp_message_log_purge")
            assert job is not None and job.next_run_at == now + timedelta(hours=1)
        assert await nodes[0].run_due(now + timedelta(minutes=10)) == []
        later = now + timedelta(hours=1, minutes=1)
        assert await nodes[1].run_due(later) == ["ocpp_message_log_purge"]


class TestLifespan:
    async def test_the_served_app_runs_due_tasks_by_itself(
        self, world: World, session: AsyncSession, settings: Settings, database: Database
    ) -> None:
        from sqlalchemy import update

        from tests.fixtures.server import serving
        from tests.fixtures.wait import eventually

        task, user = await _user_task(session, world, timedelta(hours=1))
        looping = settings.model_copy(
            update={"scheduler_enabled": True, "scheduler_tick_seconds": 0.2}
        )
        app = create_app(looping, database)
        async with serving(app):
            soon = utcnow() + timedelta(seconds=1)
            await session.execute(
                update(ScheduledTask).where(ScheduledTask.id == task.id).values(next_run_at=soon)
            )
            await session.commit()

            async def ran() -> list[TaskRun]:
                return [r for r in await runs_of(database, task.id) if r.state == "done"]

            (run,) = await eventually(ran, within=10)
        assert run.started_at is not None and run.started_at - soon < timedelta(seconds=2)
        assert not await _active(database, user.id)


class TestTakenOver:
    async def test_a_node_that_lost_its_run_stops_sending(
        self,
        world: World,
        session: AsyncSession,
        settings: Settings,
        app: FastAPI,
        ocpp_url: str,
        database: Database,
    ) -> None:
        from sqlalchemy import update

        due = minute() + timedelta(hours=1)
        task = await make_task(
            session,
            world.alpha,
            due=due,
            task_type="group_current",
            key_id=world.b.id,
            max_current="8",
        )
        one_at_a_time = settings.model_copy(update={"scheduler_concurrency": 1})
        node = Scheduler(one_at_a_time, database, app.state.bus, node="slow-node")
        node.clock = lambda: due
        scripts = {"ST2": Script(delay=1.5), "ST3": Script()}
        async with (
            connected(ocpp_url, "ST2", script=scripts["ST2"]),
            connected(ocpp_url, "ST3", script=scripts["ST3"]),
        ):
            (run_id,) = await node.tick(due)
            await session.execute(
                update(TaskRun).where(TaskRun.id == run_id).values(node="other-node")
            )
            await session.commit()
            await node.tick(due + timedelta(seconds=11))
            await node.drain()
        assert scripts["ST3"].received == []
        (run,) = await runs_of(database, task.id)
        assert run.node == "other-node" and run.state == "running"
