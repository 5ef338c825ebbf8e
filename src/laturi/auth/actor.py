"""The operator behind a request, and the part of the organisation they may touch."""

from __future__ import annotations

from dataclasses import dataclass, replace

from laturi.auth.permissions import Permission, allows, require
from laturi.models.operator import Level


@dataclass(frozen=True)
class Actor:
    """Who acts: their organisation, base group and its whole subtree (their domain)."""

    operator_id: int
    username: str
    organization_id: int
    base_group_id: int
    level: Level
    domain: frozenset[int]
    time_zone: str = "Europe/Helsinki"

    @property
    def is_admin(self) -> bool:
        return self.level is Level.ADMIN

    def can(self, permission: Permission) -> bool:
        return allows(self.level, permission)

    def require(self, permission: Permission) -> None:
        require(self.level, permission)

    def sees_group(self, group_id: int | None) -> bool:
        return group_id is not None and group_id in self.domain

    def with_new_group(self, group_id: int) -> Actor:
        """The actor after creating a group inside their domain (the domain is read per request)."""
        return replace(self, domain=self.domain | {group_id})
