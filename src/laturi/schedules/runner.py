"""The scheduler loop: claims due runs in the database and carries them out.

Exactly once across nodes: a due task is claimed by locking its row (`FOR UPDATE SKIP LOCKED`
on PostgreSQL, where another node skips it; a single SQLite node needs no lock), and its run
is a row unique per (task, due time) written in the same transaction that moves the task's
next run on. The run then reaches its targets outside that transaction, each result written
as it comes. The node beats on its running runs; a run whose node stopped beating is taken
over by another node: targets it had sent without an answer are closed as failed (the station
may or may not have acted; sending again could act twice), the untouched ones are sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.bus import StationBus
from laturi.config import Settings
from laturi.db import Database
from laturi.kit.time import utcnow
from laturi.models import RunTarget, ScheduledTask, TaskRun
from laturi.schedules import executor, limits, repository, system_jobs
from laturi.schedules.kinds import ACTIVATION_TYPES, FAILURES, Result, RunState, TaskType
from laturi.schedules.recurrence import due_between, next_after
from laturi.schedules.service import rule_of

log = logging.getLogger("laturi.schedules")

CLAIM_BATCH = 200
MISSED_KEPT = 10  # missed runs recorded per task when no node was up for long
LATE_AFTER = timedelta(minutes=1)  # started later than this after its time: shown as late
BEAT_EVERY = timedelta(seconds=10)
NODE_LOST = "The node running this task stopped before the station answered."
TASK_GONE = "The task was deleted before it ran."

Clock = Callable[[], datetime]


def node_name() -> str:
    """This process among the nodes: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


class Scheduler:
    """Runs due tasks and system jobs for one node; `tick` is one pass (tests call it)."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        bus: StationBus,
        *,
        clock: Clock = utcnow,
        node: str | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.bus = bus
        self.clock = clock
        self.node = node or node_name()
        self.grace = timedelta(minutes=settings.scheduler_grace_minutes)
        self._limit = asyncio.Semaphore(max(1, settings.scheduler_concurrency))
        self._running: dict[int, asyncio.Task[None]] = {}
        self._last_beat: datetime | None = None
        self._side: asyncio.Task[None] | None = None
        self.jobs = system_jobs.SystemJobs(database, settings, self.node)
        self.limits = limits.LimitKeeper(database, bus, settings)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The loop for the application's lifespan (when the settings enable it)."""
        loop = asyncio.create_task(self._loop()) if self.settings.scheduler_enabled else None
        try:
            yield
        finally:
            if loop is not None:
                loop.cancel()
                await asyncio.gather(loop, return_exceptions=True)
            await self.stop()

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("scheduler pass failed")
            await asyncio.sleep(self.settings.scheduler_tick_seconds)

    async def tick(self, now: datetime | None = None) -> list[int]:
        """One pass: system jobs, taking over stale runs, claiming due ones; the started run ids."""
        at = now or self.clock()
        await self._beat(at)
        started = await self._take_over(at) + await self._claim(at)
        for run_id in started:
            self._running[run_id] = asyncio.create_task(self._execute(run_id))
        if self._side is None or self._side.done():
            # Purges and re-sent limits may take long: they must not hold up the beat or
            # the claiming of due runs (a missed beat would let another node take a run over).
            self._side = asyncio.create_task(self._side_work(at))
        return started

    async def _side_work(self, at: datetime) -> None:
        try:
            await self.jobs.run_due(at)
            await self.limits.reapply(at)
        except Exception:
            log.exception("scheduler side work failed")

    async def drain(self) -> None:
        """Wait for every run this node started (and its system jobs and re-sent limits)."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)
        if self._side is not None:
            await asyncio.gather(self._side, return_exceptions=True)

    async def stop(self) -> None:
        """Stop: runs in progress are left for another node (or this one's restart) to finish."""
        pending = [*self._running.values(), *([self._side] if self._side else [])]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._running.clear()

    # Claiming -------------------------------------------------------------------------

    async def _claim(self, now: datetime) -> list[int]:
        try:
            async with self.database.session() as session:
                due = (await session.scalars(repository.due_tasks(now, CLAIM_BATCH))).all()
                started: list[int] = []
                for task in due:
                    started += await self._claim_task(session, task, now)
        except IntegrityError:
            # Another node recorded the same (task, due time) first: it is that node's run.
            log.info("due runs already claimed elsewhere")
            return []
        return started

    async def _claim_task(
        self, session: AsyncSession, task: ScheduledTask, now: datetime
    ) -> list[int]:
        rule = rule_of(task)
        assert task.next_run_at is not None
        times = [task.next_run_at, *due_between(rule, task.next_run_at, now, MISSED_KEPT)]
        *earlier, last = times[-MISSED_KEPT:]
        for at in earlier:
            session.add(self._run(task, at, now, RunState.MISSED))
        await repository.set_next_run(session, task.id, next_after(rule, now))
        if now - last > self.grace:
            session.add(self._run(task, last, now, RunState.MISSED))
            await session.flush()
            return []
        run = self._run(task, last, now, RunState.RUNNING)
        run.late = now - last > LATE_AFTER
        session.add(run)
        await session.flush()
        actor = await executor.acting_for(session, task.organization_id, task.scope_group_id)
        targets = await executor.targets_of(session, actor, task)
        for target in targets:
            session.add(
                RunTarget(
                    run_id=run.id,
                    kind=target.kind,
                    target_id=target.target_id,
                    label=target.label[:200],
                )
            )
        run.targets = len(targets)
        await session.flush()
        return [run.id]

    def _run(self, task: ScheduledTask, due: datetime, now: datetime, state: RunState) -> TaskRun:
        running = state is RunState.RUNNING
        return TaskRun(
            task_id=task.id,
            organization_id=task.organization_id,
            scope_group_id=task.scope_group_id,
            task_name=task.name,
            task_type=task.task_type,
            due_at=due,
            state=state.value,
            started_at=now if running else None,
            finished_at=None if running else now,
            node=self.node if running else None,
            heartbeat_at=now if running else None,
        )

    async def _take_over(self, now: datetime) -> list[int]:
        before = now - timedelta(seconds=self.settings.scheduler_stale_seconds)
        async with self.database.session() as session:
            stale = (await session.scalars(repository.stale_runs(before, CLAIM_BATCH))).all()
            for run in stale:
                log.warning("taking over run %d from node %s", run.id, run.node)
                run.node, run.heartbeat_at = self.node, now
                await session.execute(
                    update(RunTarget)
                    .where(RunTarget.run_id == run.id, RunTarget.result == Result.SENDING.value)
                    .values(result=Result.FAILED.value, detail=NODE_LOST, finished_at=now)
                )
            return [run.id for run in stale]

    async def _beat(self, now: datetime) -> None:
        if not self._running or (self._last_beat and now - self._last_beat < BEAT_EVERY):
            return
        self._last_beat = now
        async with self.database.session() as session:
            lost = await repository.beat(session, self.node, list(self._running), now)
        for run_id in lost:
            # This node was silent too long and another took the run over: leave it to that one.
            log.warning("run %d was taken over by another node", run_id)
            if run_id in self._running:
                self._running[run_id].cancel()

    # Executing ------------------------------------------------------------------------

    async def _execute(self, run_id: int) -> None:
        try:
            await self._execute_run(run_id)
        except Exception:
            log.exception("run %d failed", run_id)
        finally:
            self._running.pop(run_id, None)

    async def _execute_run(self, run_id: int) -> None:
        async with self.database.session() as session:
            run = await session.get(TaskRun, run_id)
            assert run is not None
            task = await session.get(ScheduledTask, run.task_id) if run.task_id else None
            actor = await executor.acting_for(session, run.organization_id, run.scope_group_id)
            pending = (
                await session.scalars(
                    select(RunTarget).where(
                        RunTarget.run_id == run_id, RunTarget.result == Result.PENDING.value
                    )
                )
            ).all()
        if task is None:
            await self._close(pending, Result.FAILED, TASK_GONE)
        else:
            await self._reach_all(actor, task, pending)
            if TaskType(task.task_type) in ACTIVATION_TYPES and pending:
                await self._push_lists(actor, run_id)
        await self._finish(run_id)

    async def _reach_all(
        self, actor: Actor, task: ScheduledTask, targets: Sequence[RunTarget]
    ) -> None:
        """Every target, at most `scheduler_concurrency` at once across this node's runs.

        Station targets are marked as being sent a block at a time, just before the block is
        reached: one write per block instead of one per station, and a node taking the run
        over still knows which stations may have acted.
        """
        block = max(1, self.settings.scheduler_concurrency)
        marked = 0
        work: list[asyncio.Task[None]] = []
        for n, target in enumerate(targets):
            await self._limit.acquire()
            if n >= marked:
                marked = n + block
                stations = [t.id for t in targets[n:marked] if t.kind == executor.STATION]
                await self._mark_sending(stations)
            work.append(asyncio.create_task(self._reach(actor, task, target)))
        await asyncio.gather(*work)

    async def _reach(self, actor: Actor, task: ScheduledTask, target: RunTarget) -> None:
        try:
            async with self.database.session() as session:
                if target.kind == executor.USER:
                    outcome = await executor.user_activation(session, actor, task, target.target_id)
                else:
                    outcome = await executor.station_command(
                        session,
                        actor,
                        self.bus,
                        task,
                        target.target_id,
                        now=self.clock(),
                        answer_within=self.settings.ocpp_command_timeout,
                    )
                await self._record(session, target.id, outcome)
        finally:
            self._limit.release()

    async def _push_lists(self, actor: Actor, run_id: int) -> None:
        async with self.database.session() as session:
            stations = await executor.stations_with_lists(session, actor)
        for station in stations:
            async with self.database.session() as session:
                outcome = await executor.push_local_list(
                    session,
                    actor,
                    self.bus,
                    station.target_id,
                    answer_within=self.settings.ocpp_command_timeout,
                )
                if outcome is not None:
                    session.add(
                        RunTarget(
                            run_id=run_id,
                            kind=station.kind,
                            target_id=station.target_id,
                            label=station.label,
                            result=outcome.result.value,
                            detail=outcome.detail[:500],
                            finished_at=self.clock(),
                        )
                    )

    async def _mark_sending(self, target_ids: Sequence[int]) -> None:
        if not target_ids:
            return
        async with self.database.session() as session:
            await session.execute(
                update(RunTarget)
                .where(RunTarget.id.in_(target_ids))
                .values(result=Result.SENDING.value)
            )

    async def _record(
        self, session: AsyncSession, target_id: int, outcome: executor.Outcome
    ) -> None:
        await session.execute(
            update(RunTarget)
            .where(RunTarget.id == target_id)
            .values(
                result=outcome.result.value, detail=outcome.detail[:500], finished_at=self.clock()
            )
        )

    async def _close(self, targets: Sequence[RunTarget], result: Result, detail: str) -> None:
        async with self.database.session() as session:
            for target in targets:
                await self._record(session, target.id, executor.Outcome(result, detail))

    async def _finish(self, run_id: int) -> None:
        counted = RunTarget.kind != executor.LOCAL_LIST
        async with self.database.session() as session:
            rows = await session.execute(
                select(RunTarget.result, func.count())
                .where(RunTarget.run_id == run_id, counted)
                .group_by(RunTarget.result)
            )
            counts = {result: n for result, n in rows}
            failed = sum(n for result, n in counts.items() if Result(result) in FAILURES)
            await session.execute(
                update(TaskRun)
                .where(TaskRun.id == run_id)
                .values(
                    state=RunState.DONE.value,
                    finished_at=self.clock(),
                    targets=sum(counts.values()),
                    failed=failed,
                )
            )
