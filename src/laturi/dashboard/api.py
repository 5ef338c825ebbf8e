"""REST routes for the dashboard's figures (the domain, or one group's subtree)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from laturi.auth.dependencies import ApiActor
from laturi.dashboard import service
from laturi.dashboard.states import PointState
from laturi.http import Bus, DbSession

router = APIRouter(prefix="/dashboard", tags=["dashboard"])


class CountersOut(BaseModel):
    stations: int
    points: int
    charging: int
    issues: int


class DayOut(BaseModel):
    sessions: int = Field(description="Charging events that ended in the last 24 hours")
    points_used: int
    energy_wh: int


class ConsumptionOut(BaseModel):
    timeframe: str
    unit: str = Field(description="day or hour (local time)")
    labels: list[str]
    sessions: list[int]
    energy_wh: list[int]


class DashboardOut(BaseModel):
    counters: CountersOut = Field(description="Over the displayed groups (or the group asked)")
    points_by_state: dict[str, int] = Field(description="Over the domain (or the group asked)")
    last_24_hours: DayOut
    consumption: ConsumptionOut


@router.get("")
async def dashboard(
    actor: ApiActor,
    session: DbSession,
    bus: Bus,
    group: int | None = Query(None, description="A group: its subtree's figures"),
    frame: service.Timeframe = Query(service.Timeframe.WEEK),
    from_: date | None = Query(None, alias="from", description="With frame=custom"),
    to: date | None = Query(None, description="With frame=custom"),
) -> DashboardOut:
    """The dashboard's figures, or a charging group's statistics with `group`."""
    subtree = None
    if group is not None:
        await service.group_subtree(session, actor, group)
        subtree = await service.subtree_of(session, actor, group)
    shown = [group] if group else await service.chosen_groups(session, actor)
    live = await service.live(session, actor, bus, shown, whole=subtree)
    day = await service.last_24_hours(session, actor, subtree)
    chart = await service.consumption(session, actor, frame, (from_, to), subtree)
    return DashboardOut(
        counters=CountersOut(**live.counters.__dict__),
        points_by_state={s.value: live.donut[s] for s in PointState},
        last_24_hours=DayOut(
            sessions=day.sessions, points_used=day.points_used, energy_wh=day.energy_wh
        ),
        consumption=ConsumptionOut(
            timeframe=chart.timeframe.value,
            unit=chart.unit.value,
            labels=list(chart.labels),
            sessions=list(chart.sessions),
            energy_wh=list(chart.energy_wh),
        ),
    )
