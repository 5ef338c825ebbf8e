"""Dashboard queries: the operator's group choice, and stations with their points' statuses."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import ChargingGroup, ChargingPoint, DashboardGroup, Station
from laturi.stations.repository import Scope


async def chosen_groups(session: AsyncSession, operator_id: int) -> set[int]:
    stmt = select(DashboardGroup.group_id).where(DashboardGroup.operator_id == operator_id)
    return set((await session.scalars(stmt)).all())


async def choose_groups(
    session: AsyncSession, operator_id: int, group_ids: Collection[int]
) -> None:
    await session.execute(delete(DashboardGroup).where(DashboardGroup.operator_id == operator_id))
    if group_ids:
        rows = [{"operator_id": operator_id, "group_id": g} for g in sorted(group_ids)]
        await session.execute(insert(DashboardGroup), rows)


async def points(
    session: AsyncSession, scope: Scope, group_ids: Collection[int] | None
) -> Sequence[Any]:
    """(station id, name, identifier, group id, connector id, status) of visible stations,
    a station without points once with connector None; within `group_ids` if given.
    """
    stmt = (
        select(
            Station.id,
            Station.name,
            Station.identifier,
            Station.group_id,
            ChargingPoint.connector_id,
            ChargingPoint.status,
        )
        .outerjoin(ChargingPoint, ChargingPoint.station_id == Station.id)
        .where(scope.where())
    )
    if group_ids is not None:
        stmt = stmt.where(Station.group_id.in_(group_ids))
    order = (func.lower(Station.name), Station.id, ChargingPoint.connector_id)
    # Core rows on the session's connection: ten thousand stations skip the ORM's loading.
    connection = await session.connection()
    return (await connection.execute(stmt.order_by(*order))).all()


async def group_tree(session: AsyncSession, organization_id: int) -> Sequence[Any]:
    """(id, name, parent id) of every group of the organisation (the caller keeps its domain)."""
    stmt = select(ChargingGroup.id, ChargingGroup.name, ChargingGroup.parent_id).where(
        ChargingGroup.organization_id == organization_id
    )
    connection = await session.connection()
    return (await connection.execute(stmt)).all()
