"""A charging user's access rights as one operator sees them, and changes limited to that view.

An operator chooses only groups of their domain and stations they see; rights beyond that
(given by an operator with a wider or another domain) are kept untouched by their edits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.charging_users import repository
from laturi.charging_users.repository import Scope
from laturi.errors import ValidationFailed
from laturi.groups import repository as groups
from laturi.groups import service as group_service
from laturi.groups.service import GroupRow
from laturi.groups.tree import preorder
from laturi.models import Station


@dataclass(frozen=True)
class Rights:
    groups: Mapping[int, str] = field(default_factory=dict)  # visible group rights: id -> name
    stations: Mapping[int, Station] = field(default_factory=dict)  # visible station rights
    hidden_groups: frozenset[int] = frozenset()  # beyond the operator's view, kept as they are
    hidden_stations: frozenset[int] = frozenset()

    @property
    def hidden(self) -> int:
        """How many rights the operator cannot see."""
        return len(self.hidden_groups) + len(self.hidden_stations)

    @property
    def all_groups(self) -> set[int]:
        return set(self.groups) | self.hidden_groups

    @property
    def all_stations(self) -> set[int]:
        return set(self.stations) | self.hidden_stations


async def of_user(session: AsyncSession, scope: Scope, user_id: int) -> Rights:
    """The user's rights split into what the operator sees and what lies beyond."""
    group_ids = await repository.group_rights_of(session, user_id)
    station_ids = await repository.station_rights_of(session, user_id)
    seen = await groups.visible_stations(session, scope.actor, station_ids)
    mine = group_ids & scope.actor.domain
    return Rights(
        await repository.group_names(session, mine),
        {s.id: s for s in seen},
        frozenset(group_ids - mine),
        frozenset(station_ids - {s.id for s in seen}),
    )


async def wanted(
    session: AsyncSession,
    scope: Scope,
    user_id: int | None,
    group_ids: Collection[int] | None,
    station_ids: Collection[int] | None,
) -> Rights | None:
    """The rights after an edit (None: unchanged); only visible ones are replaced."""
    if group_ids is None and station_ids is None:
        return None
    current = await of_user(session, scope, user_id) if user_id else Rights()
    chosen_groups = (
        current.groups if group_ids is None else await _groups(session, scope, group_ids)
    )
    chosen_stations = (
        current.stations if station_ids is None else await _stations(session, scope, station_ids)
    )
    return Rights(chosen_groups, chosen_stations, current.hidden_groups, current.hidden_stations)


async def _groups(session: AsyncSession, scope: Scope, ids: Collection[int]) -> Mapping[int, str]:
    if outside := set(ids) - scope.actor.domain:
        raise ValidationFailed(
            f"Charging group does not exist in your domain: {_listed(outside)}.", field="group_ids"
        )
    return await repository.group_names(session, set(ids))


async def _stations(
    session: AsyncSession, scope: Scope, ids: Collection[int]
) -> Mapping[int, Station]:
    found = {s.id: s for s in await groups.visible_stations(session, scope.actor, set(ids))}
    if missing := set(ids) - set(found):
        raise ValidationFailed(
            f"Charging station does not exist in your domain: {_listed(missing)}.",
            field="station_ids",
        )
    return found


def _listed(ids: Collection[int]) -> str:
    return ", ".join(map(str, sorted(ids)))


@dataclass(frozen=True)
class Choices:
    """What the operator may give as access rights: their domain's groups and stations."""

    groups: Sequence[GroupRow]  # in tree order, with depth
    stations: Sequence[Station]


async def choices(session: AsyncSession, actor: Actor) -> Choices:
    rows = await group_service.rows(session, actor)
    edges = [(r.id, r.parent_id) for r in rows]
    order = preorder(edges, actor.base_group_id, {r.id: r.name for r in rows})
    by_id = {r.id: r for r in rows}
    stations = await groups.assignable_stations(session, actor)
    return Choices([by_id[i] for i in order], sorted(stations, key=lambda s: s.name.lower()))
