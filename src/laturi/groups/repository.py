"""Queries over charging groups, always within an organisation and a domain."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.models import ChargingGroup, Operator, Station


async def in_domain(session: AsyncSession, actor: Actor) -> Sequence[ChargingGroup]:
    rows = await session.scalars(
        select(ChargingGroup).where(
            ChargingGroup.organization_id == actor.organization_id,
            ChargingGroup.id.in_(actor.domain),
        )
    )
    return rows.all()


async def get(session: AsyncSession, actor: Actor, group_id: int) -> ChargingGroup | None:
    if group_id not in actor.domain:
        return None
    group = await session.get(ChargingGroup, group_id)
    return group if group and group.organization_id == actor.organization_id else None


async def station_counts(session: AsyncSession, group_ids: Collection[int]) -> dict[int, int]:
    """Stations directly in each group."""
    rows = await session.execute(
        select(Station.group_id, func.count())
        .where(Station.group_id.in_(group_ids))
        .group_by(Station.group_id)
    )
    return {gid: n for gid, n in rows if gid is not None}


async def child_count(session: AsyncSession, group_id: int) -> int:
    query = select(func.count()).where(ChargingGroup.parent_id == group_id)
    return int(await session.scalar(query) or 0)


async def base_group_of(session: AsyncSession, group_id: int) -> Sequence[str]:
    """Usernames of the operators whose base group this is."""
    rows = await session.scalars(
        select(Operator.username).where(Operator.base_group_id == group_id).order_by("username")
    )
    return rows.all()


async def sibling_named(
    session: AsyncSession, actor: Actor, parent_id: int | None, name: str
) -> ChargingGroup | None:
    query = select(ChargingGroup).where(
        ChargingGroup.organization_id == actor.organization_id,
        ChargingGroup.parent_id == parent_id,
        func.lower(ChargingGroup.name) == name.lower(),
    )
    return (await session.scalars(query)).first()


async def stations_in(session: AsyncSession, actor: Actor, group_id: int) -> Sequence[Station]:
    query = select(Station).where(
        Station.organization_id == actor.organization_id, Station.group_id == group_id
    )
    return (await session.scalars(query.order_by(Station.name))).all()


async def visible_stations(
    session: AsyncSession, actor: Actor, station_ids: Collection[int]
) -> Sequence[Station]:
    """Stations among the ids that the actor sees: in the domain, or orphans for a root operator."""
    query = select(Station).where(
        Station.organization_id == actor.organization_id, Station.id.in_(station_ids)
    )
    stations = (await session.scalars(query)).all()
    root = await is_root(session, actor)
    return [s for s in stations if actor.sees_group(s.group_id) or (root and s.group_id is None)]


async def assignable_stations(session: AsyncSession, actor: Actor) -> Sequence[Station]:
    """Every station the actor may put into a group."""
    query = select(Station.id).where(Station.organization_id == actor.organization_id)
    return await visible_stations(session, actor, (await session.scalars(query)).all())


async def is_root(session: AsyncSession, actor: Actor) -> bool:
    """Whether the actor's domain is the whole organisation."""
    base = await session.get(ChargingGroup, actor.base_group_id)
    return base is not None and base.parent_id is None
