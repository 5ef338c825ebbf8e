"""REST routes for charging user groups."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.api.schemas import PageOut, listing
from laturi.auth.actor import Actor
from laturi.auth.dependencies import ApiActor
from laturi.charging_users.user_groups import service
from laturi.charging_users.user_groups.schemas import (
    MemberRef,
    UserGroupCreate,
    UserGroupDetailOut,
    UserGroupOut,
    UserGroupUpdate,
)
from laturi.charging_users.user_groups.service import UserGroupInput
from laturi.http import DbSession
from laturi.kit.pagination import ListQuery

router = APIRouter(prefix="/user-groups", tags=["charging user groups"])


async def _detail(session: AsyncSession, actor: Actor, group_id: int) -> UserGroupDetailOut:
    found = await service.get_user_group(session, actor, group_id)
    return UserGroupDetailOut(
        id=found.group.id,
        name=found.group.name,
        members=len(found.members),
        version=found.group.version,
        member_list=[
            MemberRef(id=u.id, first_name=u.first_name, last_name=u.last_name)
            for u in found.members
        ],
    )


@router.get("")
async def list_user_groups(
    actor: ApiActor,
    session: DbSession,
    query: ListQuery = listing(sort="name or members"),
) -> PageOut[UserGroupOut]:
    """Your organisation's charging user groups with member counts."""
    found = await service.list_user_groups(session, actor, query)
    items = [
        UserGroupOut(id=r.group.id, name=r.group.name, members=r.members, version=r.group.version)
        for r in found.items
    ]
    return PageOut.of(found, items)


@router.get("/{group_id}")
async def get_user_group(group_id: int, actor: ApiActor, session: DbSession) -> UserGroupDetailOut:
    return await _detail(session, actor, group_id)


@router.post("", status_code=201)
async def create_user_group(
    body: UserGroupCreate, actor: ApiActor, session: DbSession
) -> UserGroupDetailOut:
    """Admins only."""
    group = await service.create_user_group(
        session, actor, UserGroupInput(body.name, body.member_ids)
    )
    return await _detail(session, actor, group.id)


@router.patch("/{group_id}")
async def update_user_group(
    group_id: int, body: UserGroupUpdate, actor: ApiActor, session: DbSession
) -> UserGroupDetailOut:
    """Admins only."""
    current = (await service.get_user_group(session, actor, group_id)).group
    name = current.name if body.name is None else body.name
    data = UserGroupInput(name, body.member_ids, body.version)
    await service.update_user_group(session, actor, group_id, data)
    return await _detail(session, actor, group_id)


@router.delete("/{group_id}", status_code=204)
async def delete_user_group(
    group_id: int, actor: ApiActor, session: DbSession, version: int | None = None
) -> Response:
    """Admins only; only a group without members."""
    await service.delete_user_group(session, actor, group_id, version)
    return Response(status_code=204)
