"""Queries over charging users and their tokens and rights, scoped to what an operator sees.

Which charging users an operator sees (the same rule for the panel, the API and the import):
every user of the operator's organisation when the operator's domain is the whole organisation;
otherwise the users whose access rights reach into the domain (a right to a group of the domain
or to one of the base group's ancestors, whose subtree holds the domain, or a right to a station
of the domain), plus users with no access rights at all that were created by an operator whose
base group lies in the domain (so a new user stays visible to its maker until rights are given).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.kit.pagination import ListQuery
from laturi.models import AuthToken, ChargingGroup, ChargingUser, Station, UserGroup
from laturi.models.charging_user import group_rights, station_rights


@dataclass(frozen=True)
class Scope:
    """The actor with what their visibility needs: is the domain the whole organisation, and
    which groups' rights reach into it (the domain and the base group's ancestors)."""

    actor: Actor
    whole: bool
    reach: frozenset[int]

    @property
    def organization_id(self) -> int:
        return self.actor.organization_id


@dataclass(frozen=True)
class UserRow:
    user: ChargingUser
    user_group: str | None
    tokens: int


async def ancestors(session: AsyncSession, group_id: int) -> frozenset[int]:
    """The group and every group above it, by a recursive query walking up the tree."""
    up = select(ChargingGroup.id, ChargingGroup.parent_id).where(ChargingGroup.id == group_id)
    tree = up.cte("up", recursive=True)
    parent = select(ChargingGroup.id, ChargingGroup.parent_id).join(
        tree, ChargingGroup.id == tree.c.parent_id
    )
    tree = tree.union_all(parent)
    return frozenset((await session.scalars(select(tree.c.id))).all())


async def scope_for(session: AsyncSession, actor: Actor) -> Scope:
    above = await ancestors(session, actor.base_group_id)
    return Scope(actor, whole=len(above) == 1, reach=above | actor.domain)


def _right_to_group(ids: Collection[int]) -> ColumnElement[bool]:
    return exists().where(
        group_rights.c.charging_user_id == ChargingUser.id,
        group_rights.c.charging_group_id.in_(ids),
    )


def _right_to_station_in(group_ids: Collection[int]) -> ColumnElement[bool]:
    return exists().where(
        station_rights.c.charging_user_id == ChargingUser.id,
        station_rights.c.station_id == Station.id,
        Station.group_id.in_(group_ids),
    )


def _no_rights() -> ColumnElement[bool]:
    any_group = exists().where(group_rights.c.charging_user_id == ChargingUser.id)
    any_station = exists().where(station_rights.c.charging_user_id == ChargingUser.id)
    return and_(~any_group, ~any_station)


def visible(scope: Scope) -> ColumnElement[bool]:
    """The module's visibility rule as a WHERE clause over ChargingUser."""
    same_org = ChargingUser.organization_id == scope.organization_id
    if scope.whole:
        return same_org
    domain = scope.actor.domain
    return and_(
        same_org,
        or_(
            _right_to_group(scope.reach),
            _right_to_station_in(domain),
            and_(_no_rights(), ChargingUser.created_in_group_id.in_(domain)),
        ),
    )


def _token_count() -> ColumnElement[int]:
    count = select(func.count()).where(AuthToken.charging_user_id == ChargingUser.id)
    return count.scalar_subquery()


def _matches(query: ListQuery) -> ColumnElement[bool]:
    pattern = query.escaped_search()
    full_name = func.lower(ChargingUser.first_name + " " + ChargingUser.last_name)
    by_token = exists().where(
        AuthToken.charging_user_id == ChargingUser.id,
        AuthToken.id_tag_key.like(pattern, escape="\\"),
    )
    return or_(
        full_name.like(pattern, escape="\\"),
        func.coalesce(ChargingUser.email_key, "").like(pattern, escape="\\"),
        by_token,
    )


def _order(query: ListQuery, tokens: ColumnElement[int]) -> list[ColumnElement[Any]]:
    name: list[ColumnElement[Any]] = [
        func.lower(ChargingUser.first_name),
        func.lower(ChargingUser.last_name),
    ]
    keys: dict[str, list[ColumnElement[Any]]] = {
        "name": name,
        "group": [func.coalesce(UserGroup.name_key, ""), *name],
        "email": [func.coalesce(ChargingUser.email_key, "")],
        "tokens": [tokens, *name],
    }
    chosen = keys.get(query.sort, name)
    ordered = [k.desc() if query.descending else k.asc() for k in chosen]
    return [*ordered, ChargingUser.id.asc()]


async def page(session: AsyncSession, scope: Scope, query: ListQuery) -> tuple[list[UserRow], int]:
    """One page of the visible users matching the search, and how many match in all."""
    where = [visible(scope)]
    if query.search:
        where.append(_matches(query))
    total = await session.scalar(select(func.count()).select_from(ChargingUser).where(*where))
    tokens = _token_count()
    rows = await session.execute(
        select(ChargingUser, UserGroup.name, tokens)
        .outerjoin(UserGroup, UserGroup.id == ChargingUser.user_group_id)
        .where(*where)
        .order_by(*_order(query, tokens))
        .offset(query.offset)
        .limit(query.size)
    )
    return [UserRow(u, g, n) for u, g, n in rows], int(total or 0)


async def get(session: AsyncSession, scope: Scope, user_id: int) -> ChargingUser | None:
    query = select(ChargingUser).where(ChargingUser.id == user_id, visible(scope))
    return (await session.scalars(query)).first()


async def visible_users(
    session: AsyncSession, scope: Scope, ids: Collection[int] | None = None
) -> Sequence[ChargingUser]:
    """Visible users by name, all of them or those among the ids."""
    query = select(ChargingUser).where(visible(scope))
    if ids is not None:
        query = query.where(ChargingUser.id.in_(ids))
    order = (func.lower(ChargingUser.first_name), func.lower(ChargingUser.last_name))
    return (await session.scalars(query.order_by(*order, ChargingUser.id))).all()


async def email_owner(session: AsyncSession, organization_id: int, key: str) -> int | None:
    """The id of the organisation's user with this e-mail key, whoever may see them."""
    query = select(ChargingUser.id).where(
        ChargingUser.organization_id == organization_id, ChargingUser.email_key == key
    )
    return await session.scalar(query)


async def tag_owners(
    session: AsyncSession, organization_id: int, keys: Collection[str]
) -> dict[str, int]:
    """Token id key -> token row id, for the organisation's tokens among the keys."""
    query = select(AuthToken.id_tag_key, AuthToken.id).where(
        AuthToken.organization_id == organization_id, AuthToken.id_tag_key.in_(keys)
    )
    return {key: token_id for key, token_id in await session.execute(query)}


async def tokens_of(session: AsyncSession, user_id: int) -> Sequence[AuthToken]:
    query = select(AuthToken).where(AuthToken.charging_user_id == user_id)
    return (await session.scalars(query.order_by(AuthToken.id))).all()


async def group_rights_of(session: AsyncSession, user_id: int) -> set[int]:
    query = select(group_rights.c.charging_group_id).where(
        group_rights.c.charging_user_id == user_id
    )
    return set((await session.scalars(query)).all())


async def station_rights_of(session: AsyncSession, user_id: int) -> set[int]:
    query = select(station_rights.c.station_id).where(station_rights.c.charging_user_id == user_id)
    return set((await session.scalars(query)).all())


async def set_group_rights(session: AsyncSession, user_id: int, ids: Collection[int]) -> None:
    """Replace the user's group rights with exactly these."""
    await session.execute(delete(group_rights).where(group_rights.c.charging_user_id == user_id))
    if ids:
        rows = [{"charging_user_id": user_id, "charging_group_id": i} for i in sorted(ids)]
        await session.execute(insert(group_rights), rows)


async def set_station_rights(session: AsyncSession, user_id: int, ids: Collection[int]) -> None:
    """Replace the user's station rights with exactly these."""
    await session.execute(
        delete(station_rights).where(station_rights.c.charging_user_id == user_id)
    )
    if ids:
        rows = [{"charging_user_id": user_id, "station_id": i} for i in sorted(ids)]
        await session.execute(insert(station_rights), rows)


async def user_group(
    session: AsyncSession, organization_id: int, group_id: int
) -> UserGroup | None:
    found = await session.get(UserGroup, group_id)
    return found if found and found.organization_id == organization_id else None


async def user_groups(session: AsyncSession, organization_id: int) -> Sequence[UserGroup]:
    query = select(UserGroup).where(UserGroup.organization_id == organization_id)
    return (await session.scalars(query.order_by(UserGroup.name_key))).all()


async def group_names(session: AsyncSession, ids: Collection[int]) -> dict[int, str]:
    query = select(ChargingGroup.id, ChargingGroup.name).where(ChargingGroup.id.in_(ids))
    return {i: name for i, name in await session.execute(query)}
