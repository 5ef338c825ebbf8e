"""Queries over operators, scoped to the acting operator's organisation and domain."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.kit.pagination import ListQuery, Page
from laturi.models import ChargingGroup, Operator
from laturi.models.operator import OperatorStatus

SORTS = {
    "username": Operator.username,
    "name": Operator.first_name,
    "email": Operator.email,
    "status": Operator.status,
    "base_group": ChargingGroup.name,
}


def _scoped(actor: Actor) -> Select[Operator, str]:
    return (
        select(Operator, ChargingGroup.name)
        .join(ChargingGroup, ChargingGroup.id == Operator.base_group_id)
        .where(
            Operator.organization_id == actor.organization_id,
            Operator.base_group_id.in_(actor.domain),
        )
    )


async def page(
    session: AsyncSession, actor: Actor, query: ListQuery, status: OperatorStatus | None
) -> Page[tuple[Operator, str]]:
    """Operators whose base group lies in the actor's domain, with their base group's name."""
    stmt = _scoped(actor)
    if status is not None:
        stmt = stmt.where(Operator.status == status)
    if query.search:
        pattern = query.escaped_search()
        stmt = stmt.where(
            or_(
                *(
                    func.lower(col).like(pattern, escape="\\")
                    for col in (
                        Operator.username,
                        Operator.email,
                        Operator.first_name,
                        Operator.last_name,
                    )
                )
            )
        )
    total = int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    column = SORTS.get(query.sort, Operator.username)
    order = column.desc() if query.descending else column.asc()
    rows = await session.execute(
        stmt.order_by(order, Operator.id).offset(query.offset).limit(query.size)
    )
    return Page([(row[0], row[1]) for row in rows], total, query)


async def get(session: AsyncSession, actor: Actor, operator_id: int) -> Operator | None:
    stmt = _scoped(actor).where(Operator.id == operator_id)
    row = (await session.execute(stmt)).first()
    return None if row is None else row[0]


async def username_taken(session: AsyncSession, username: str, own_id: int | None = None) -> bool:
    stmt = select(Operator.id).where(func.lower(Operator.username) == username.lower())
    found = await session.scalar(stmt)
    return found is not None and found != own_id


async def email_taken(session: AsyncSession, email: str, own_id: int | None = None) -> bool:
    stmt = select(Operator.id).where(func.lower(Operator.email) == email.lower())
    found = await session.scalar(stmt)
    return found is not None and found != own_id
