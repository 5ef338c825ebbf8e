"""The manual's rules for charging groups; used by the panel and the API alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.errors import Conflict, NotFound, StaleEdit, ValidationFailed
from laturi.groups import repository
from laturi.groups.tree import depths, descendants, preorder, subtree_totals
from laturi.grouptree.repository import subtree_ids
from laturi.kit.pagination import ListQuery, Page
from laturi.models import ChargingGroup, Station

NOT_FOUND = "Charging group does not exist."
PARENT_REQUIRED = "Adding a new group failed. Parent group is required."
STALE = (
    "Charging group was changed by another operator. Exit this view, refresh the page and retry."
)
SORTS = {"name", "stations", "parent"}


@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    parent_id: int | None
    parent_name: str | None
    station_count: int
    depth: int
    version: int


@dataclass(frozen=True)
class GroupInput:
    name: str
    parent_id: int | None = None
    station_ids: Sequence[int] | None = None  # None leaves the stations as they are
    version: int | None = None  # the version the operator saw, for edits


@dataclass(frozen=True)
class GroupDetail:
    row: GroupRow
    stations: Sequence[Station]


async def rows(session: AsyncSession, actor: Actor) -> list[GroupRow]:
    """Every group in the actor's domain with its subtree station count, in tree order."""
    groups = await repository.in_domain(session, actor)
    edges = [(g.id, g.parent_id) for g in groups]
    totals = subtree_totals(edges, await repository.station_counts(session, actor.domain))
    level = depths(edges, actor.base_group_id)
    names = {g.id: g.name for g in groups}
    by_id = {g.id: g for g in groups}
    return [
        GroupRow(
            g.id,
            g.name,
            g.parent_id,
            names.get(g.parent_id or 0),
            totals[g.id],
            level[g.id],
            g.version,
        )
        for g in (by_id[i] for i in preorder(edges, actor.base_group_id, names))
    ]


async def list_groups(session: AsyncSession, actor: Actor, query: ListQuery) -> Page[GroupRow]:
    """The group list view: search by name, sort, page."""
    found = [r for r in await rows(session, actor) if query.search.lower() in r.name.lower()]
    if query.sort in SORTS:
        key = {
            "name": lambda r: (r.name.lower(),),
            "stations": lambda r: (r.station_count, r.name.lower()),
            "parent": lambda r: ((r.parent_name or "").lower(), r.name.lower()),
        }[query.sort]
        found.sort(key=key, reverse=query.descending)
    return Page(found[query.offset : query.offset + query.size], len(found), query)


async def get_group(session: AsyncSession, actor: Actor, group_id: int) -> GroupDetail:
    for row in await rows(session, actor):
        if row.id == group_id:
            return GroupDetail(row, await repository.stations_in(session, actor, group_id))
    raise NotFound(NOT_FOUND)


async def parent_choices(
    session: AsyncSession, actor: Actor, group_id: int | None = None
) -> list[GroupRow]:
    """Groups that may become the parent: the domain less the group's own subtree."""
    all_rows = await rows(session, actor)
    banned = descendants([(r.id, r.parent_id) for r in all_rows], group_id) if group_id else set()
    return [r for r in all_rows if r.id not in banned]


async def create_group(session: AsyncSession, actor: Actor, data: GroupInput) -> ChargingGroup:
    actor.require(Permission.MANAGE_GROUPS)
    name = _clean_name(data.name)
    if data.parent_id is None and not actor.is_admin:
        raise ValidationFailed(PARENT_REQUIRED, field="parent_id")
    parent = await _parent(session, actor, data.parent_id or actor.base_group_id)
    await _unique_name(session, actor, parent.id, name, None)
    group = ChargingGroup(organization_id=actor.organization_id, parent_id=parent.id, name=name)
    session.add(group)
    await session.flush()
    if data.station_ids:
        await _set_stations(session, actor, group, data.station_ids)
    return group


async def update_group(
    session: AsyncSession, actor: Actor, group_id: int, data: GroupInput
) -> ChargingGroup:
    actor.require(Permission.MANAGE_GROUPS)
    group = await _existing(session, actor, group_id, data.version)
    name = _clean_name(data.name)
    parent_id = await _new_parent(session, actor, group, data.parent_id)
    await _unique_name(session, actor, parent_id, name, group.id)
    group.name, group.parent_id = name, parent_id
    if data.station_ids is not None:
        await _set_stations(session, actor, group, data.station_ids)
    await session.flush()
    return group


async def delete_group(
    session: AsyncSession, actor: Actor, group_id: int, version: int | None = None
) -> None:
    actor.require(Permission.MANAGE_GROUPS)
    group = await _existing(session, actor, group_id, version)
    stations = len(await repository.stations_in(session, actor, group.id))
    subgroups = await repository.child_count(session, group.id)
    if stations or subgroups:
        raise Conflict(
            f"The group cannot be deleted: it contains {_count(stations, 'charging station')} "
            f"and {_count(subgroups, 'subgroup')}. Move them under some other group first."
        )
    if operators := await repository.base_group_of(session, group.id):
        raise Conflict(
            "The group cannot be deleted: it is the base group of operator "
            + ", ".join(operators)
            + "."
        )
    await session.delete(group)
    await session.flush()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed("Name is required.", field="name")
    if len(cleaned) > 200:
        raise ValidationFailed("Name is too long (200 characters at most).", field="name")
    return cleaned


async def _existing(
    session: AsyncSession, actor: Actor, group_id: int, version: int | None
) -> ChargingGroup:
    group = await repository.get(session, actor, group_id)
    if group is None:
        raise NotFound(NOT_FOUND)
    if version is not None and version != group.version:
        raise StaleEdit(STALE)
    return group


async def _parent(session: AsyncSession, actor: Actor, parent_id: int) -> ChargingGroup:
    parent = await repository.get(session, actor, parent_id)
    if parent is None:
        raise ValidationFailed("Parent group does not exist in your domain.", field="parent_id")
    return parent


async def _new_parent(
    session: AsyncSession, actor: Actor, group: ChargingGroup, parent_id: int | None
) -> int | None:
    """The parent after an edit: unchanged when not given, never the group's own subtree."""
    if parent_id is None or parent_id == group.parent_id:
        return group.parent_id
    parent = await _parent(session, actor, parent_id)
    if parent.id in await subtree_ids(session, group.id):
        raise ValidationFailed(
            "A group cannot be moved under itself or its own subgroup.", field="parent_id"
        )
    return parent.id


async def _unique_name(
    session: AsyncSession, actor: Actor, parent_id: int | None, name: str, own_id: int | None
) -> None:
    twin = await repository.sibling_named(session, actor, parent_id, name)
    if twin is not None and twin.id != own_id:
        raise Conflict(
            "A charging group with that name already exists under the same parent.", field="name"
        )


async def _set_stations(
    session: AsyncSession, actor: Actor, group: ChargingGroup, station_ids: Sequence[int]
) -> None:
    """Make exactly these stations the group's own; removed ones become orphans."""
    current = {s.id: s for s in await repository.stations_in(session, actor, group.id)}
    wanted = set(station_ids)
    if wanted == set(current):
        return
    actor.require(Permission.EDIT_STATIONS)
    found = {s.id: s for s in await repository.visible_stations(session, actor, wanted)}
    if missing := wanted - set(found):
        raise ValidationFailed(
            f"Charging station does not exist: {', '.join(map(str, sorted(missing)))}.",
            field="station_ids",
        )
    for station in found.values():
        station.group_id = group.id
    for station_id, station in current.items():
        if station_id not in wanted:
            station.group_id = None
