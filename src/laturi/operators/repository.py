"""Queries over operators, scoped to the acting operator's organisation and domain."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth.actor import Actor
from laturi.kit.pagination import ListQuery, Page
from laturi.models import ApiToken, ChargingGroup, Operator, OperatorSession
from laturi.models.operator import OperatorStatus


class StatusFilter(StrEnum):
    """The list's status choices; "not activated" is an active operator who never set a password."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    NOT_ACTIVATED = "not_activated"


# The status shown in the list, as one SQL expression so it can be sorted on.
SHOWN_STATUS = case(
    (Operator.status == OperatorStatus.INACTIVE, "Inactive"),
    (Operator.activated_at.is_(None), "Not activated"),
    else_="Active",
)

SORTS: dict[str, tuple[ColumnElement[object], ...]] = {
    "username": (func.lower(Operator.username),),
    "name": (func.lower(Operator.first_name), func.lower(Operator.last_name)),
    "email": (func.lower(Operator.email),),
    "status": (SHOWN_STATUS,),
    "base_group": (func.lower(ChargingGroup.name),),
}

FILTERS: dict[StatusFilter, ColumnElement[bool]] = {
    StatusFilter.ACTIVE: and_(
        Operator.status == OperatorStatus.ACTIVE, Operator.activated_at.is_not(None)
    ),
    StatusFilter.INACTIVE: Operator.status == OperatorStatus.INACTIVE,
    StatusFilter.NOT_ACTIVATED: and_(
        Operator.status == OperatorStatus.ACTIVE, Operator.activated_at.is_(None)
    ),
}

SEARCHED = (Operator.username, Operator.email, Operator.first_name, Operator.last_name)


def _scoped(actor: Actor) -> Select[Operator, str]:
    """Operators of the actor's organisation whose base group lies in the actor's domain."""
    return (
        select(Operator, ChargingGroup.name)
        .join(ChargingGroup, ChargingGroup.id == Operator.base_group_id)
        .where(
            Operator.organization_id == actor.organization_id,
            Operator.base_group_id.in_(actor.domain),
        )
    )


def _searched(stmt: Select[Operator, str], query: ListQuery) -> Select[Operator, str]:
    if not query.search:
        return stmt
    pattern = query.escaped_search()
    full_name = func.lower(Operator.first_name + " " + Operator.last_name)
    matches = [func.lower(col).like(pattern, escape="\\") for col in SEARCHED]
    return stmt.where(or_(*matches, full_name.like(pattern, escape="\\")))


async def page(
    session: AsyncSession, actor: Actor, query: ListQuery, status: StatusFilter | None
) -> Page[tuple[Operator, str]]:
    """One page of the operators in the actor's domain, with their base group's name."""
    stmt = _searched(_scoped(actor), query)
    if status is not None:
        stmt = stmt.where(FILTERS[status])
    total = int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    columns = SORTS.get(query.sort, SORTS["username"])
    order = [c.desc() if query.descending else c.asc() for c in columns]
    rows = await session.execute(
        stmt.order_by(*order, func.lower(Operator.username), Operator.id)
        .offset(query.offset)
        .limit(query.size)
    )
    return Page([(row[0], row[1]) for row in rows], total, query)


async def get(session: AsyncSession, actor: Actor, operator_id: int) -> Operator | None:
    """An operator in the actor's domain, or None (also for another organisation's)."""
    row = (await session.execute(_scoped(actor).where(Operator.id == operator_id))).first()
    return None if row is None else row[0]


async def base_group_name(session: AsyncSession, operator: Operator) -> str:
    found = await session.scalar(
        select(ChargingGroup.name).where(ChargingGroup.id == operator.base_group_id)
    )
    return found or ""


async def own(session: AsyncSession, actor: Actor) -> Operator | None:
    """The actor's own operator row."""
    return await session.get(Operator, actor.operator_id)


async def username_taken(session: AsyncSession, username: str, own_id: int | None = None) -> bool:
    """Usernames are unique across organisations, whatever their case."""
    stmt = select(Operator.id).where(func.lower(Operator.username) == username.lower())
    return any(found != own_id for found in await session.scalars(stmt))


async def email_taken(session: AsyncSession, email: str, own_id: int | None = None) -> bool:
    """E-mail addresses are unique across organisations, whatever their case."""
    stmt = select(Operator.id).where(func.lower(Operator.email) == email.lower())
    return any(found != own_id for found in await session.scalars(stmt))


async def end_other_sessions(
    session: AsyncSession, operator_id: int, keep_session_id: int | None
) -> None:
    """End the operator's log-in sessions except the one they are using now."""
    stmt = delete(OperatorSession).where(OperatorSession.operator_id == operator_id)
    if keep_session_id is not None:
        stmt = stmt.where(OperatorSession.id != keep_session_id)
    await session.execute(stmt)


async def api_tokens(session: AsyncSession, operator_id: int) -> Sequence[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.operator_id == operator_id)
    return (await session.scalars(stmt.order_by(ApiToken.created_at.desc(), ApiToken.id))).all()


async def api_token(session: AsyncSession, operator_id: int, token_id: int) -> ApiToken | None:
    stmt = select(ApiToken).where(ApiToken.id == token_id, ApiToken.operator_id == operator_id)
    return (await session.scalars(stmt)).first()
