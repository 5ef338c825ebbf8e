"""The dashboard and a charging group's statistics: live point states, 24-hour figures,
consumption over a timeframe. Every figure is over the stations the operator sees.

Live states come from the stations' stored statuses and the bus's presence (one query for
the domain's points); the 24-hour figures and the consumption chart are aggregated by the
database under the period rule (a session counts when it ended; open ones are "charging").
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.bus import Presence
from laturi.dashboard import repository
from laturi.dashboard.states import PointState, state_of
from laturi.errors import NotFound, ValidationFailed
from laturi.groups import repository as groups_repository
from laturi.groups import service as groups
from laturi.groups.tree import preorder
from laturi.grouptree.repository import subtree_ids
from laturi.kit.buckets import Unit, label
from laturi.kit.time import utcnow
from laturi.models import ChargingGroup
from laturi.sessions import browse_repository as sessions
from laturi.sessions.browse_repository import Totals
from laturi.sessions.periods import Period
from laturi.sessions.selection import Selection
from laturi.stations import repository as stations
from laturi.stations.panel import feed

STATIONS_PER_BOX = 12  # more are reached through the station list filtered by the group
# Stations drawn on one page at most: beyond, boxes show counts and link to the station
# list, so a network of 10,000 stations does not ship 20,000 icons every few seconds.
MAX_DRAWN = 300
OPEN_DEPTH = 2  # nested groups deeper than this below a shown group start collapsed
MAX_DAYS = 366
ORPHANS = 0  # the box of stations in no group (no group has id 0)


class PointIcon(NamedTuple):
    connector_id: int
    state: PointState


# Named tuples: ten thousand stations are read on each refresh, and tuples are cheap to make.
class StationIcons(NamedTuple):
    id: int
    name: str
    identifier: str
    group_id: int | None
    points: list[PointIcon]

    def has(self, state: PointState) -> bool:
        return any(p.state is state for p in self.points)


@dataclass
class GroupBox:
    id: int
    name: str
    depth: int
    stations: list[StationIcons] = field(default_factory=list)
    more: int = 0
    children: list[GroupBox] = field(default_factory=list)


@dataclass(frozen=True)
class Counters:
    stations: int
    points: int
    charging: int
    issues: int


@dataclass(frozen=True)
class Live:
    """The live part: counters and boxes of the shown groups, the donut of the whole."""

    boxes: Sequence[GroupBox]
    counters: Counters
    donut: Counter[PointState]
    state: PointState | None


async def chosen_groups(session: AsyncSession, actor: Actor) -> list[int]:
    """The groups the operator chose to display, within the domain; by default the base group."""
    chosen = await repository.chosen_groups(session, actor.operator_id)
    kept = sorted(chosen & actor.domain)
    return kept or [actor.base_group_id]


async def choose_groups(session: AsyncSession, actor: Actor, group_ids: Collection[int]) -> None:
    """Remember "Select groups to display"; a group outside the domain is refused."""
    actor.require(Permission.VIEW)
    for group_id in group_ids:
        if not actor.sees_group(group_id):
            raise ValidationFailed("Charging group does not exist in your domain.", field="groups")
    await repository.choose_groups(session, actor.operator_id, set(group_ids))


async def live(
    session: AsyncSession,
    actor: Actor,
    presence: Presence,
    shown: Sequence[int],
    state: PointState | None = None,
    whole: Collection[int] | None = None,
) -> Live:
    """Boxes for the `shown` groups (their subtrees), counters over them, and the donut over
    `whole` (a group's subtree) or, by default, the whole domain.
    """
    actor.require(Permission.VIEW)
    scope = await stations.scope_of(session, actor)
    rows = await repository.points(session, scope, whole)
    tree = await _tree(session, actor)
    roots = _roots(shown, tree)
    inside: set[int | None] = set(_subtrees(roots, tree))
    if scope.orphans and whole is None and any(r.id == actor.base_group_id for r in roots):
        inside.add(None)  # the whole organisation is shown: its orphan stations with it
    scan = _scan(rows, presence, inside, state)
    return Live(_boxes(roots, tree, scan.listed), scan.counters(), scan.donut, state)


@dataclass
class _Scan:
    """One pass over the domain's points: tallies for the donut and the counters, and the
    stations to list (as plain tuples; icons are made only for those drawn).
    """

    donut: Counter[PointState] = field(default_factory=Counter)
    inside: Counter[PointState] = field(default_factory=Counter)
    stations: int = 0
    points: int = 0
    listed: list[StationIcons] = field(default_factory=list)

    def counters(self) -> Counters:
        charging, issues = self.inside[PointState.CHARGING], self.inside[PointState.FAULTED]
        return Counters(self.stations, self.points, charging, issues)


def _scan(
    rows: Sequence[Any], presence: Presence, inside: set[int | None], state: PointState | None
) -> _Scan:
    scan = _Scan()
    scan.donut.update(dict.fromkeys(PointState, 0))
    for (station_id, name, identifier, group_id), points in itertools.groupby(
        rows, key=lambda r: (r[0], r[1], r[2], r[3])
    ):
        online = presence.is_online(station_id)
        icons = [PointIcon(p[4], state_of(online, p[5])) for p in points if p[4] is not None]
        states = [i.state for i in icons]
        scan.donut.update(states)
        if group_id not in inside:
            continue
        scan.stations, scan.points = scan.stations + 1, scan.points + len(icons)
        scan.inside.update(states)
        if state is None or state in states:
            scan.listed.append(StationIcons(station_id, name, identifier, group_id, icons))
    return scan


async def last_24_hours(
    session: AsyncSession, actor: Actor, group_ids: frozenset[int] | None = None
) -> Totals:
    """Charging events that ended in the last 24 hours, the points they used, their energy."""
    actor.require(Permission.VIEW)
    scope = await stations.scope_of(session, actor)
    since = utcnow() - timedelta(hours=24)
    return await sessions.totals(session, scope, Selection(group_ids=group_ids, since=since))


class Timeframe(StrEnum):
    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"
    YEAR = "12m"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Consumption:
    timeframe: Timeframe
    unit: Unit
    labels: Sequence[str]
    sessions: Sequence[int]
    energy_wh: Sequence[int]
    first: date
    last: date


async def consumption(
    session: AsyncSession,
    actor: Actor,
    timeframe: Timeframe,
    custom: tuple[date | None, date | None] = (None, None),
    group_ids: frozenset[int] | None = None,
) -> Consumption:
    """kWh and sessions per hour (last 24 hours) or per local day of the timeframe."""
    actor.require(Permission.VIEW)
    scope = await stations.scope_of(session, actor)
    if timeframe is Timeframe.DAY:
        return await _hourly(session, actor, scope, group_ids)
    period = _period(actor, timeframe, custom)
    selection = Selection(period=period, group_ids=group_ids)
    found = await sessions.per_bucket(
        session, scope, selection, Unit.DAY, actor.time_zone, (period.start, period.end)
    )
    days = [period.first + timedelta(days=n) for n in range((period.last - period.first).days + 1)]
    keys = [d.isoformat() for d in days]
    return _shaped(timeframe, Unit.DAY, keys, found, period.first, period.last)


async def _hourly(
    session: AsyncSession, actor: Actor, scope: stations.Scope, group_ids: frozenset[int] | None
) -> Consumption:
    end = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=24)
    selection = Selection(group_ids=group_ids, since=start)
    found = await sessions.per_bucket(
        session, scope, selection, Unit.HOUR, actor.time_zone, (start, end)
    )
    hours = [start + timedelta(hours=n) for n in range(24)]
    keys = list(dict.fromkeys(label(h, Unit.HOUR, actor.time_zone) for h in hours))
    today = feed.today(actor)
    return _shaped(Timeframe.DAY, Unit.HOUR, keys, found, today - timedelta(days=1), today)


def _shaped(
    timeframe: Timeframe,
    unit: Unit,
    keys: list[str],
    found: dict[str, tuple[int, int]],
    first: date,
    last: date,
) -> Consumption:
    return Consumption(
        timeframe,
        unit,
        keys,
        [found.get(k, (0, 0))[0] for k in keys],
        [found.get(k, (0, 0))[1] for k in keys],
        first,
        last,
    )


def _period(actor: Actor, timeframe: Timeframe, custom: tuple[date | None, date | None]) -> Period:
    today = feed.today(actor)
    lengths = {Timeframe.WEEK: 7, Timeframe.MONTH: 30, Timeframe.YEAR: 365}
    if timeframe is not Timeframe.CUSTOM:
        return Period(today - timedelta(days=lengths[timeframe] - 1), today, actor.time_zone)
    first, last = custom
    if first is None:
        raise ValidationFailed("Select the starting date.", field="from")
    if last is None:
        raise ValidationFailed("Select the ending date.", field="to")
    if last < first:
        raise ValidationFailed("TO must be on or after FROM.", field="to")
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed("Choose at most a year.", field="to")
    return Period(first, last, actor.time_zone)


@dataclass(frozen=True)
class Node:
    id: int
    name: str
    parent_id: int | None


async def _tree(session: AsyncSession, actor: Actor) -> list[Node]:
    """The domain's groups in reading order (each before its children, siblings by name)."""
    found = [
        Node(i, name, parent)
        for i, name, parent in await repository.group_tree(session, actor.organization_id)
        if i in actor.domain
    ]
    names = {g.id: g.name for g in found}
    by_id = {g.id: g for g in found}
    order = preorder([(g.id, g.parent_id) for g in found], actor.base_group_id, names)
    return [by_id[i] for i in order]


def _roots(shown: Sequence[int], tree: Sequence[Node]) -> list[Node]:
    """The shown groups, leaving out those inside another shown group (drawn within it)."""
    parent = {g.id: g.parent_id for g in tree}
    wanted = set(shown)

    def covered(group_id: int) -> bool:
        up = parent.get(group_id)
        while up is not None:
            if up in wanted:
                return True
            up = parent.get(up)
        return False

    return [g for g in tree if g.id in wanted and not covered(g.id)]


def _subtrees(roots: Sequence[Node], tree: Sequence[Node]) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for g in tree:
        children.setdefault(g.parent_id, []).append(g.id)
    found: set[int] = set()
    todo = [g.id for g in roots]
    while todo:
        group_id = todo.pop()
        found.add(group_id)
        todo += children.get(group_id, [])
    return found


def _boxes(
    roots: Sequence[Node], tree: Sequence[Node], shown: Sequence[StationIcons]
) -> list[GroupBox]:
    by_group: dict[int | None, list[StationIcons]] = {}
    for s in shown:
        by_group.setdefault(s.group_id, []).append(s)
    children: dict[int | None, list[Node]] = {}
    for g in tree:
        children.setdefault(g.parent_id, []).append(g)

    budget = [MAX_DRAWN]

    def box(group: Node, depth: int) -> GroupBox:
        mine = by_group.get(group.id, [])
        drawn = mine[: min(STATIONS_PER_BOX, budget[0])]
        budget[0] -= len(drawn)
        made = GroupBox(group.id, group.name, depth, drawn, len(mine) - len(drawn))
        made.children = [box(c, depth + 1) for c in children.get(group.id, [])]
        return made

    boxes = [box(r, 0) for r in roots]
    orphans = by_group.get(None, [])
    if orphans:
        drawn = orphans[: min(STATIONS_PER_BOX, budget[0])]
        boxes.append(GroupBox(ORPHANS, "Orphan stations", 0, drawn, len(orphans) - len(drawn)))
    return boxes


async def group_subtree(session: AsyncSession, actor: Actor, group_id: int) -> ChargingGroup:
    """A group of the domain (for its statistics view), else "Charging group does not exist"."""
    actor.require(Permission.VIEW)
    found = await groups_repository.get(session, actor, group_id)
    if found is None:
        raise NotFound(groups.NOT_FOUND)
    return found


async def subtree_of(session: AsyncSession, actor: Actor, group_id: int) -> frozenset[int]:
    return frozenset(await subtree_ids(session, group_id)) & actor.domain
