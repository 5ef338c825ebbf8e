"""Queries over charging user groups; a group belongs to its whole organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.charging_users.repository import Scope, visible
from laturi.kit.pagination import ListQuery
from laturi.models import ChargingUser, UserGroup


@dataclass(frozen=True)
class GroupRow:
    group: UserGroup
    members: int


def _member_count(scope: Scope) -> ColumnElement[int]:
    """Members the operator sees: a count must not tell of users beyond the domain."""
    count = select(func.count()).where(ChargingUser.user_group_id == UserGroup.id, visible(scope))
    return count.scalar_subquery()


def _order(query: ListQuery, members: ColumnElement[int]) -> list[ColumnElement[Any]]:
    keys: dict[str, list[ColumnElement[Any]]] = {
        "name": [UserGroup.name_key.expression],
        "members": [members, UserGroup.name_key.expression],
    }
    chosen = keys.get(query.sort, keys["name"])
    return [*(k.desc() if query.descending else k.asc() for k in chosen), UserGroup.id.asc()]


async def page(session: AsyncSession, scope: Scope, query: ListQuery) -> tuple[list[GroupRow], int]:
    """One page of the organisation's user groups matching the search, with the counts of
    members the operator sees."""
    where = [UserGroup.organization_id == scope.organization_id]
    if query.search:
        where.append(UserGroup.name_key.like(query.escaped_search(), escape="\\"))
    total = await session.scalar(select(func.count()).select_from(UserGroup).where(*where))
    members = _member_count(scope)
    rows = await session.execute(
        select(UserGroup, members)
        .where(*where)
        .order_by(*_order(query, members))
        .offset(query.offset)
        .limit(query.size)
    )
    return [GroupRow(g, n) for g, n in rows], int(total or 0)


async def get(session: AsyncSession, organization_id: int, group_id: int) -> UserGroup | None:
    found = await session.get(UserGroup, group_id)
    return found if found and found.organization_id == organization_id else None


async def named(session: AsyncSession, organization_id: int, key: str) -> UserGroup | None:
    query = select(UserGroup).where(
        UserGroup.organization_id == organization_id, UserGroup.name_key == key
    )
    return (await session.scalars(query)).first()


async def member_count(session: AsyncSession, group_id: int) -> int:
    query = select(func.count()).where(ChargingUser.user_group_id == group_id)
    return int(await session.scalar(query) or 0)


async def has_hidden_members(session: AsyncSession, scope: Scope, group_id: int) -> bool:
    """Whether any member lies beyond the operator's view."""
    if scope.whole:
        return False
    query = select(ChargingUser.id).where(ChargingUser.user_group_id == group_id, ~visible(scope))
    return (await session.scalar(query.limit(1))) is not None


async def visible_members(
    session: AsyncSession, scope: Scope, group_id: int
) -> Sequence[ChargingUser]:
    """The group's members the operator sees, by name."""
    query = select(ChargingUser).where(ChargingUser.user_group_id == group_id, visible(scope))
    order = (func.lower(ChargingUser.first_name), func.lower(ChargingUser.last_name))
    return (await session.scalars(query.order_by(*order, ChargingUser.id))).all()
