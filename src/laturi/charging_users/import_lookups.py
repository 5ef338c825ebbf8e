"""Names in an import file resolved to ids: user groups, charging groups and stations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.charging_users import repository
from laturi.charging_users.keys import text_key
from laturi.charging_users.repository import Scope
from laturi.errors import ValidationFailed
from laturi.groups import repository as groups

SEPARATOR = "|"


@dataclass(frozen=True)
class Lookups:
    user_groups: dict[str, int]  # name key -> id, the organisation's
    groups: dict[str, list[int]]  # name key -> ids, the operator's domain
    stations: dict[str, int]  # identifier key -> id, the stations the operator sees

    def user_group(self, name: str) -> int | None:
        if not name:
            return None
        if (found := self.user_groups.get(text_key(name))) is None:
            raise ValidationFailed(
                f"Charging user group does not exist: {name}.", field="user_group"
            )
        return found

    def group_ids(self, cell: str) -> list[int]:
        return [self._group(name) for name in _items(cell)]

    def _group(self, name: str) -> int:
        if name.startswith("#") and name[1:].isdigit():
            return int(name[1:])  # the service checks it lies in the domain
        found = self.groups.get(text_key(name), [])
        if len(found) > 1:
            raise ValidationFailed(
                f"Several charging groups are named {name}; write #id instead.",
                field="charging_groups",
            )
        if not found:
            raise ValidationFailed(
                f"Charging group does not exist in your domain: {name}.", field="charging_groups"
            )
        return found[0]

    def station_ids(self, cell: str) -> list[int]:
        ids = []
        for identifier in _items(cell):
            if (found := self.stations.get(text_key(identifier))) is None:
                raise ValidationFailed(
                    f"Charging station does not exist in your domain: {identifier}.",
                    field="charging_stations",
                )
            ids.append(found)
        return ids


def _items(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(SEPARATOR) if item.strip()]


async def load(session: AsyncSession, scope: Scope) -> Lookups:
    """Everything an import may name, read once for the whole file."""
    by_name: dict[str, list[int]] = defaultdict(list)
    for group in await groups.in_domain(session, scope.actor):
        by_name[text_key(group.name)].append(group.id)
    stations = await groups.assignable_stations(session, scope.actor)
    user_groups = await repository.user_groups(session, scope.organization_id)
    return Lookups(
        {g.name_key: g.id for g in user_groups},
        dict(by_name),
        {text_key(s.identifier): s.id for s in stations},
    )
