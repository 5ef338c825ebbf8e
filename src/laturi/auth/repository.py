"""Queries for log-in sessions, API tokens, one-time links and failed log-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.models import ApiToken, LoginFailure, OneTimeToken, Operator, OperatorSession
from laturi.models.operator import TokenPurpose


async def operator_by_username(session: AsyncSession, username: str) -> Operator | None:
    query = select(Operator).where(func.lower(Operator.username) == username.lower())
    return (await session.scalars(query)).first()


async def operator_by_email(session: AsyncSession, email: str) -> Operator | None:
    query = select(Operator).where(func.lower(Operator.email) == email.lower())
    return (await session.scalars(query)).first()


async def session_by_hash(
    session: AsyncSession, token_hash: str
) -> tuple[OperatorSession, Operator] | None:
    query = (
        select(OperatorSession, Operator)
        .join(Operator, Operator.id == OperatorSession.operator_id)
        .where(OperatorSession.token_hash == token_hash)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def api_token_by_hash(
    session: AsyncSession, token_hash: str
) -> tuple[ApiToken, Operator] | None:
    query = (
        select(ApiToken, Operator)
        .join(Operator, Operator.id == ApiToken.operator_id)
        .where(ApiToken.token_hash == token_hash)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def api_tokens_of(session: AsyncSession, operator_id: int) -> Sequence[ApiToken]:
    query = select(ApiToken).where(ApiToken.operator_id == operator_id).order_by(ApiToken.id)
    return (await session.scalars(query)).all()


async def end_sessions(session: AsyncSession, operator_id: int) -> None:
    await session.execute(delete(OperatorSession).where(OperatorSession.operator_id == operator_id))


async def delete_expired_sessions(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(OperatorSession).where(OperatorSession.expires_at <= now))


async def one_time_token(
    session: AsyncSession, token_hash: str, purpose: TokenPurpose
) -> OneTimeToken | None:
    query = select(OneTimeToken).where(
        OneTimeToken.token_hash == token_hash, OneTimeToken.purpose == purpose
    )
    return (await session.scalars(query)).first()


async def revoke_one_time_tokens(
    session: AsyncSession, operator_id: int, purpose: TokenPurpose
) -> None:
    await session.execute(
        delete(OneTimeToken).where(
            OneTimeToken.operator_id == operator_id, OneTimeToken.purpose == purpose
        )
    )


async def failures(
    session: AsyncSession, username: str, since: datetime, address: str | None = None
) -> tuple[int, datetime | None]:
    """Failed log-ins of the username since then (from one address if given), and the first."""
    query = select(func.count(), func.min(LoginFailure.at)).where(
        LoginFailure.username == username.lower(), LoginFailure.at > since
    )
    if address is not None:
        query = query.where(LoginFailure.address == address)
    count, first = (await session.execute(query)).one()
    return int(count), first


async def failures_from(
    session: AsyncSession, address: str, since: datetime
) -> tuple[int, datetime | None]:
    """Failed log-ins from one address since then, whatever username they tried."""
    query = select(func.count(), func.min(LoginFailure.at)).where(
        LoginFailure.address == address, LoginFailure.at > since
    )
    count, first = (await session.execute(query)).one()
    return int(count), first


async def forget_failures_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.at <= before))


async def clear_failures(session: AsyncSession, username: str) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.username == username.lower()))
