"""The limit in force: a station that boots or reconnects after its scheduled max current was
sent gets it again (a station may forget a ChargePointMaxProfile when it restarts)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.bus import StationBus
from laturi.config import Settings
from laturi.db import Database
from laturi.models import ScheduledTask, Station, StationLimit
from laturi.schedules import executor

log = logging.getLogger("laturi.schedules")

BATCH = 50
CHECK_EVERY = timedelta(seconds=5)


class LimitKeeper:
    """Re-applies limits for one node, looking every few seconds."""

    def __init__(self, database: Database, bus: StationBus, settings: Settings) -> None:
        self.database = database
        self.bus = bus
        self.settings = settings
        self._checked: datetime | None = None

    async def reapply(self, now: datetime) -> int:
        """Send the limit again to stations that came back since it was last sent; how many."""
        if self._checked is not None and timedelta(0) <= now - self._checked < CHECK_EVERY:
            return 0
        self._checked = now
        async with self.database.session() as session:
            claimed = await _claim(session, now)
        for station_id, amperes, task in claimed:
            async with self.database.session() as session:
                actor = await executor.acting_for(
                    session, task.organization_id, task.scope_group_id
                )
                outcome = await executor.station_command(
                    session,
                    actor,
                    self.bus,
                    task,
                    station_id,
                    now=now,
                    answer_within=self.settings.ocpp_command_timeout,
                    amperes=amperes,
                )
            log.info(
                "limit re-applied to station %d: %s %s", station_id, outcome.result, outcome.detail
            )
        return len(claimed)


async def _claim(session: AsyncSession, now: datetime) -> list[tuple[int, Decimal, ScheduledTask]]:
    """Limits whose station booted or connected after they were sent; marked sent now."""
    query = (
        select(StationLimit, ScheduledTask)
        .join(Station, Station.id == StationLimit.station_id)
        .join(ScheduledTask, ScheduledTask.id == StationLimit.task_id)
        .where(
            Station.connected,
            or_(
                Station.last_boot_at > StationLimit.applied_at,
                Station.connected_at > StationLimit.applied_at,
            ),
        )
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=StationLimit)
    )
    rows = (await session.execute(query)).all()
    for limit, _task in rows:
        limit.applied_at = now
    return [(limit.station_id, limit.amperes, task) for limit, task in rows]
