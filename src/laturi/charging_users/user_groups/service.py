"""The manual's rules for charging user groups.

Every operator of the organisation sees its user groups (they are not tied to the group tree);
members are shown, counted and changed only among the charging users the operator sees, and
members beyond that view stay where they are. Basic operators cannot add, edit or delete user
groups. A group with members beyond an admin's domain is shared with operators he does not
see: only admins who see every member (whole-organisation admins) rename or delete it; a
subtree admin may still move his own users in and out of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.charging_users import repository as users
from laturi.charging_users.keys import text_key
from laturi.charging_users.repository import Scope
from laturi.charging_users.user_groups import repository
from laturi.charging_users.user_groups.repository import GroupRow
from laturi.errors import AccessDenied, Conflict, NotFound, StaleEdit, ValidationFailed
from laturi.kit.pagination import ListQuery, Page
from laturi.kit.time import utcnow
from laturi.models import ChargingUser, UserGroup

NOT_FOUND = "Charging user group not found."
STALE = (
    "Charging user group was changed by another operator. "
    "Exit this view, refresh the page and retry."
)
NAME_TAKEN = "A charging user group with that name already exists."
SHARED = "Access denied. The charging user group also has members outside your domain."


@dataclass(frozen=True)
class UserGroupInput:
    name: str
    member_ids: Sequence[int] | None = None  # None leaves the members as they are
    version: int | None = None


@dataclass(frozen=True)
class UserGroupDetail:
    group: UserGroup
    members: Sequence[ChargingUser]  # those the operator sees
    shared: bool  # members beyond the operator's view exist (how many is not told)


async def list_user_groups(session: AsyncSession, actor: Actor, query: ListQuery) -> Page[GroupRow]:
    """The list view: search by name, sort by name or member count, page."""
    rows, total = await repository.page(session, await users.scope_for(session, actor), query)
    return Page(rows, total, query)


async def get_user_group(session: AsyncSession, actor: Actor, group_id: int) -> UserGroupDetail:
    group = await _existing(session, actor, group_id, None)
    scope = await users.scope_for(session, actor)
    members = await repository.visible_members(session, scope, group.id)
    return UserGroupDetail(
        group, members, await repository.has_hidden_members(session, scope, group.id)
    )


async def create_user_group(session: AsyncSession, actor: Actor, data: UserGroupInput) -> UserGroup:
    """A new group; its chosen members move out of their previous groups."""
    actor.require(Permission.EDIT_USER_GROUPS)
    name = await _free_name(session, actor, data.name, None)
    scope = await users.scope_for(session, actor)
    chosen = await _chosen(session, scope, data.member_ids or [])
    group = UserGroup(organization_id=actor.organization_id, name=name, name_key=text_key(name))
    session.add(group)
    await _flush(session)
    _join(group, chosen)
    await _flush(session)
    return group


async def update_user_group(
    session: AsyncSession, actor: Actor, group_id: int, data: UserGroupInput
) -> UserGroup:
    """Rename and set the members the operator sees; others stay as they are."""
    actor.require(Permission.EDIT_USER_GROUPS)
    group = await _existing(session, actor, group_id, data.version)
    name = await _free_name(session, actor, data.name, group.id)
    scope = await users.scope_for(session, actor)
    if text_key(name) != group.name_key:
        await _not_shared(session, scope, group)
    if data.member_ids is not None:
        chosen = await _chosen(session, scope, data.member_ids)
        for user in await repository.visible_members(session, scope, group.id):
            if user.id not in {u.id for u in chosen}:
                user.user_group_id, user.updated_at = None, utcnow()
        _join(group, chosen)
    group.name, group.name_key, group.updated_at = name, text_key(name), utcnow()
    await _flush(session)
    return group


async def delete_user_group(
    session: AsyncSession, actor: Actor, group_id: int, version: int | None = None
) -> None:
    """Only a group without members (counting those the operator does not see)."""
    actor.require(Permission.EDIT_USER_GROUPS)
    group = await _existing(session, actor, group_id, version)
    await _not_shared(session, await users.scope_for(session, actor), group)
    if count := await repository.member_count(session, group.id):
        raise Conflict(
            f"The charging user group cannot be deleted: it has {count} "
            f"member{'s' * (count != 1)}. Remove them from the group first."
        )
    await session.delete(group)
    await session.flush()


async def _existing(
    session: AsyncSession, actor: Actor, group_id: int, version: int | None
) -> UserGroup:
    group = await repository.get(session, actor.organization_id, group_id)
    if group is None:
        raise NotFound(NOT_FOUND)
    if version is not None and version != group.version:
        raise StaleEdit(STALE)
    return group


async def _not_shared(session: AsyncSession, scope: Scope, group: UserGroup) -> None:
    if await repository.has_hidden_members(session, scope, group.id):
        raise AccessDenied(SHARED)


async def _free_name(session: AsyncSession, actor: Actor, name: str, own_id: int | None) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed("Name is required.", field="name")
    if len(cleaned) > 200:
        raise ValidationFailed("Name is too long (200 characters at most).", field="name")
    twin = await repository.named(session, actor.organization_id, text_key(cleaned))
    if twin is not None and twin.id != own_id:
        raise Conflict(NAME_TAKEN, field="name")
    return cleaned


async def _chosen(session: AsyncSession, scope: Scope, ids: Sequence[int]) -> list[ChargingUser]:
    found = list(await users.visible_users(session, scope, set(ids)))
    if missing := set(ids) - {u.id for u in found}:
        raise ValidationFailed(
            f"Charging user not found: {', '.join(map(str, sorted(missing)))}.",
            field="member_ids",
        )
    return found


async def _flush(session: AsyncSession) -> None:
    """Flush; a race lost to a concurrent save reads in the manual's words."""
    try:
        await session.flush()
    except StaleDataError as err:  # the group or one of the members was saved meanwhile
        raise StaleEdit(STALE) from err
    except IntegrityError as err:  # the same name was saved meanwhile
        raise Conflict(NAME_TAKEN, field="name") from err


def _join(group: UserGroup, chosen: Sequence[ChargingUser]) -> None:
    """A user belongs to one group at most: joining moves them out of the previous one."""
    for user in chosen:
        if user.user_group_id != group.id:
            user.user_group_id, user.updated_at = group.id, utcnow()


@dataclass(frozen=True)
class EditForm:
    """The add or edit form: the group (when editing) and the users who may be chosen."""

    detail: UserGroupDetail | None
    choices: Sequence[ChargingUser]


async def edit_form(session: AsyncSession, actor: Actor, group_id: int | None) -> EditForm:
    """Only for those who may edit user groups."""
    actor.require(Permission.EDIT_USER_GROUPS)
    detail = await get_user_group(session, actor, group_id) if group_id else None
    scope = await users.scope_for(session, actor)
    return EditForm(detail, await users.visible_users(session, scope))
