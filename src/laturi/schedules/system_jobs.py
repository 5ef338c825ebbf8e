"""Jobs of the installation itself, claimed like tasks so that one node runs each per period.

The hourly purge of the OCPP message log was a loop every node ran; here the node that
locks the job's row first moves its next time on and runs it, the others skip it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.config import Settings
from laturi.db import Database
from laturi.models import SystemJob
from laturi.stations.panel import feed

log = logging.getLogger("laturi.schedules")

CHECK_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    work: Callable[[AsyncSession, Settings], Awaitable[None]]


async def purge_message_log(session: AsyncSession, settings: Settings) -> None:
    """Forget OCPP frames older than the configured number of days."""
    gone = await feed.purge_messages(session, settings.ocpp_log_days)
    if gone:
        log.info("purged %d OCPP frames older than %d days", gone, settings.ocpp_log_days)


JOBS = (Job("ocpp_message_log_purge", timedelta(hours=1), purge_message_log),)


class SystemJobs:
    """Runs each due system job once across the nodes."""

    def __init__(self, database: Database, settings: Settings, node: str) -> None:
        self.database = database
        self.settings = settings
        self.node = node
        self._checked: datetime | None = None

    async def run_due(self, now: datetime) -> list[str]:
        """Run the jobs due at `now` that this node claims; their names."""
        if self._checked is not None and now - self._checked < CHECK_EVERY:
            return []
        self._checked = now
        ran = []
        for job in JOBS:
            if await self._claim(job, now):
                await self._run(job)
                ran.append(job.name)
        return ran

    async def _claim(self, job: Job, now: datetime) -> bool:
        try:
            async with self.database.session() as session:
                query = select(SystemJob).where(SystemJob.name == job.name)
                row = (await session.scalars(query.with_for_update(skip_locked=True))).first()
                if row is None:
                    if await session.get(SystemJob, job.name) is not None:
                        return False  # another node holds it right now
                    row = SystemJob(name=job.name, next_run_at=now)
                    session.add(row)
                if row.next_run_at > now:
                    return False
                row.next_run_at, row.last_run_at, row.last_node = now + job.every, now, self.node
        except IntegrityError:
            return False  # another node created it first, and runs it
        return True

    async def _run(self, job: Job) -> None:
        try:
            async with self.database.session() as session:
                await job.work(session, self.settings)
        except Exception:
            log.exception("system job %s failed", job.name)
