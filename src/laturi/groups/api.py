"""REST routes for charging groups."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.api.schemas import PageOut, listing
from laturi.auth.actor import Actor
from laturi.auth.dependencies import ApiActor
from laturi.groups import service
from laturi.groups.schemas import GroupCreate, GroupDetailOut, GroupOut, GroupUpdate, StationRef
from laturi.http import DbSession
from laturi.kit.pagination import ListQuery

router = APIRouter(prefix="/groups", tags=["charging groups"])


def _out(row: service.GroupRow) -> GroupOut:
    return GroupOut(
        id=row.id,
        name=row.name,
        parent_id=row.parent_id,
        parent_name=row.parent_name,
        station_count=row.station_count,
        version=row.version,
    )


async def _detail(session: AsyncSession, actor: Actor, group_id: int) -> GroupDetailOut:
    found = await service.get_group(session, actor, group_id)
    stations = [StationRef(id=s.id, name=s.name, identifier=s.identifier) for s in found.stations]
    return GroupDetailOut(**_out(found.row).model_dump(), stations=stations)


@router.get("")
async def list_groups(
    actor: ApiActor,
    session: DbSession,
    query: ListQuery = listing(sort="name, stations or parent"),
) -> PageOut[GroupOut]:
    """Groups in your domain with subtree station counts."""
    found = await service.list_groups(session, actor, query)
    return PageOut.of(found, [_out(r) for r in found.items])


@router.get("/{group_id}")
async def get_group(group_id: int, actor: ApiActor, session: DbSession) -> GroupDetailOut:
    return await _detail(session, actor, group_id)


@router.post("", status_code=201)
async def create_group(body: GroupCreate, actor: ApiActor, session: DbSession) -> GroupDetailOut:
    data = service.GroupInput(
        name=body.name, parent_id=body.parent_id, station_ids=body.station_ids
    )
    group = await service.create_group(session, actor, data)
    return await _detail(session, actor.with_new_group(group.id), group.id)


@router.patch("/{group_id}")
async def update_group(
    group_id: int, body: GroupUpdate, actor: ApiActor, session: DbSession
) -> GroupDetailOut:
    current = (await service.get_group(session, actor, group_id)).row
    data = service.GroupInput(
        name=current.name if body.name is None else body.name,
        parent_id=body.parent_id,
        station_ids=body.station_ids,
        version=body.version,
    )
    await service.update_group(session, actor, group_id, data)
    return await _detail(session, actor, group_id)


@router.delete("/{group_id}", status_code=204)
async def delete_group(
    group_id: int, actor: ApiActor, session: DbSession, version: int | None = None
) -> Response:
    """Only an empty group: no stations, no subgroups, nobody's base group."""
    await service.delete_group(session, actor, group_id, version)
    return Response(status_code=204)
