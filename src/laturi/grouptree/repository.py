"""The subtree of a charging group, by a recursive query (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import ChargingGroup


async def subtree_ids(session: AsyncSession, root_id: int) -> frozenset[int]:
    """The group and every group below it."""
    tree = select(ChargingGroup.id).where(ChargingGroup.id == root_id).cte(recursive=True)
    tree = tree.union_all(select(ChargingGroup.id).where(ChargingGroup.parent_id == tree.c.id))
    return frozenset((await session.scalars(select(tree.c.id))).all())
