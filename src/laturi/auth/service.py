"""Log-in and log-out, sessions, API tokens and one-time links (invitation, password reset)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth import repository
from laturi.auth.actor import Actor
from laturi.auth.secrets import (
    check_policy,
    digest,
    hash_password_off_loop,
    new_token,
    verify_password_off_loop,
)
from laturi.config import Settings
from laturi.errors import NotAuthenticated, TooManyAttempts, ValidationFailed, WrongCredentials
from laturi.grouptree.repository import subtree_ids
from laturi.kit.time import utcnow
from laturi.models import ApiToken, LoginFailure, OneTimeToken, Operator, OperatorSession
from laturi.models.operator import OperatorStatus, TokenPurpose

WRONG_CREDENTIALS = "Wrong credentials."
INACTIVE = "Operator is inactive."
# Seconds added to each log-in for a username under guessing spread over addresses.
LOGIN_SLOWDOWN_STEP = 0.5
LOGIN_SLOWDOWN_MAX = 5.0
LINK_INVALID = "This link has expired or has already been used. Ask for a new one."


@dataclass(frozen=True)
class LoggedIn:
    token: str
    expires_at: datetime
    actor: Actor


async def actor_for(session: AsyncSession, operator: Operator) -> Actor:
    """The acting view of an operator, with their domain resolved from the group tree."""
    return Actor(
        operator_id=operator.id,
        username=operator.username,
        organization_id=operator.organization_id,
        base_group_id=operator.base_group_id,
        level=operator.level,
        domain=await subtree_ids(session, operator.base_group_id),
        time_zone=operator.time_zone,
    )


async def log_in(
    session: AsyncSession, settings: Settings, *, username: str, password: str, address: str
) -> LoggedIn:
    """Check credentials with throttling; open a session of the configured absolute lifetime."""
    username = username.strip()
    now = utcnow()
    address = address[:64]
    delay = await _refuse_when_throttled(session, settings, username, address, now)
    found = await repository.operator_by_username(session, username)
    # An unknown username costs the same argon2 as a known one: timing tells nothing.
    stored = found.password_hash if found is not None else None
    operator_id = found.id if found is not None else None
    # Nothing is written yet: end the read so that the pooled connection is free while this
    # log-in waits for its slow-down or for the bounded hashing pool. Otherwise a flood of
    # log-ins queued there holds every connection, and stations' messages wait for one.
    await session.rollback()
    if delay:
        await asyncio.sleep(delay)
    verified = await verify_password_off_loop(password, stored)
    operator = await session.get(Operator, operator_id) if operator_id is not None else None
    if not verified or operator is None:
        window = timedelta(minutes=settings.login_lockout_minutes)
        await repository.forget_failures_before(session, now - window)
        session.add(LoginFailure(username=username.lower(), address=address, at=now))
        raise WrongCredentials(WRONG_CREDENTIALS)
    if operator.status != OperatorStatus.ACTIVE:
        raise NotAuthenticated(INACTIVE)
    await repository.clear_failures(session, username)
    await repository.delete_expired_sessions(session, now)
    token = new_token()
    expires = now + timedelta(hours=settings.session_hours)
    session.add(
        OperatorSession(
            operator_id=operator.id, token_hash=digest(token), created_at=now, expires_at=expires
        )
    )
    return LoggedIn(token, expires, await actor_for(session, operator))


async def _refuse_when_throttled(
    session: AsyncSession, settings: Settings, username: str, address: str, now: datetime
) -> float:
    """Refuse an address that keeps failing for a username, or for any usernames; slow down
    guesses for one username spread over many addresses, without locking it (the seconds
    to wait are returned).

    Nobody can lock an operator out by knowing the username: from any other address the
    right password still gets in, only a little later while the guessing goes on.
    """
    since = now - timedelta(minutes=settings.login_lockout_minutes)
    for count, first, limit in (
        (
            *await repository.failures(session, username, since, address),
            settings.login_max_failures,
        ),
        (
            *await repository.failures_from(session, address, since),
            settings.login_max_failures_address,
        ),
    ):
        if count >= limit and first is not None:
            minutes = max(1, math.ceil((first - since).total_seconds() / 60))
            raise TooManyAttempts(
                f"Too many failed log-in attempts. Try again in {minutes} "
                f"minute{'s' * (minutes != 1)}."
            )
    spread, _ = await repository.failures(session, username, since)
    beyond = spread - settings.login_max_failures_total
    return min(LOGIN_SLOWDOWN_MAX, LOGIN_SLOWDOWN_STEP * (beyond + 1)) if beyond >= 0 else 0.0


async def resolve_session(
    session: AsyncSession, token: str
) -> tuple[Actor, OperatorSession] | None:
    """The actor of a live session; expired sessions and inactive operators resolve to nothing."""
    found = await repository.session_by_hash(session, digest(token))
    if found is None:
        return None
    row, operator = found
    if row.expires_at <= utcnow() or operator.status != OperatorStatus.ACTIVE:
        await session.delete(row)
        return None
    return await actor_for(session, operator), row


async def log_out(session: AsyncSession, token: str) -> None:
    found = await repository.session_by_hash(session, digest(token))
    if found is not None:
        await session.delete(found[0])


async def resolve_api_token(session: AsyncSession, token: str) -> Actor | None:
    found = await repository.api_token_by_hash(session, digest(token))
    if found is None or found[1].status != OperatorStatus.ACTIVE:
        return None
    found[0].last_used_at = utcnow()
    return await actor_for(session, found[1])


async def create_api_token(
    session: AsyncSession, operator_id: int, name: str
) -> tuple[str, ApiToken]:
    """A new bearer token; the plain value is returned this once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationFailed("Token name is required.", field="name")
    token = "lat_" + new_token()
    row = ApiToken(
        operator_id=operator_id, name=name[:100], prefix=token[:10], token_hash=digest(token)
    )
    session.add(row)
    await session.flush()
    return token, row


async def api_tokens(session: AsyncSession, operator_id: int) -> Sequence[ApiToken]:
    return await repository.api_tokens_of(session, operator_id)


async def revoke_api_token(session: AsyncSession, operator_id: int, token_id: int) -> bool:
    for row in await repository.api_tokens_of(session, operator_id):
        if row.id == token_id:
            await session.delete(row)
            return True
    return False


async def issue_link(
    session: AsyncSession, operator: Operator, purpose: TokenPurpose, lifetime: timedelta
) -> str:
    """A fresh one-time link token; earlier ones of the same purpose stop working."""
    await repository.revoke_one_time_tokens(session, operator.id, purpose)
    token = new_token()
    session.add(
        OneTimeToken(
            operator_id=operator.id,
            purpose=purpose,
            token_hash=digest(token),
            expires_at=utcnow() + lifetime,
        )
    )
    return token


async def check_link(session: AsyncSession, token: str, purpose: TokenPurpose) -> Operator:
    """The operator a still-valid, unused link belongs to."""
    row = await repository.one_time_token(session, digest(token), purpose)
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise ValidationFailed(LINK_INVALID, field="token")
    operator = await session.get(Operator, row.operator_id)
    if operator is None:
        raise ValidationFailed(LINK_INVALID, field="token")
    return operator


async def set_password_by_link(
    session: AsyncSession, token: str, purpose: TokenPurpose, password: str, confirm: str
) -> Operator:
    """Use an invitation or reset link once: set the password and end old sessions."""
    operator = await check_link(session, token, purpose)
    if password != confirm:
        raise ValidationFailed("The passwords do not match.", field="password_confirm")
    check_policy(password, operator.username)
    row = await repository.one_time_token(session, digest(token), purpose)
    assert row is not None
    row.used_at = utcnow()
    operator.password_hash = await hash_password_off_loop(password)
    operator.activated_at = operator.activated_at or utcnow()
    await repository.end_sessions(session, operator.id)
    await session.flush()
    return operator
