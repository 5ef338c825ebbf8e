"""My account: every operator's own names, e-mail, time zone, password and API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth import service as auth
from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.auth.secrets import check_policy, hash_password_off_loop, verify_password_off_loop
from laturi.errors import NotFound, ValidationFailed
from laturi.kit.time import is_time_zone
from laturi.models import ApiToken, Operator
from laturi.operators import repository
from laturi.operators.service import (
    EMAIL_TAKEN,
    NOT_FOUND,
    check_version,
    clean_name,
    flush_changes,
    set_email,
)

ACCOUNT_STALE = (
    "Your account was changed meanwhile (in another window?): refresh the page and retry."
)
WRONG_CURRENT = "The current password is wrong."
PASSWORDS_DIFFER = "The passwords do not match."
TOKEN_NOT_FOUND = "API token not found."


@dataclass(frozen=True)
class AccountChanges:
    """An operator's edit of their own information; None leaves a field as it is."""

    version: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    time_zone: str | None = None


async def my_account(session: AsyncSession, actor: Actor) -> Operator:
    actor.require(Permission.MANAGE_OWN_ACCOUNT)
    operator = await repository.own(session, actor)
    if operator is None:
        raise NotFound(NOT_FOUND)
    return operator


async def update_my_account(
    session: AsyncSession, actor: Actor, changes: AccountChanges
) -> Operator:
    """Own names, e-mail and time zone; never one's level, status or base group."""
    operator = await my_account(session, actor)
    check_version(operator, changes.version, ACCOUNT_STALE)
    with session.no_autoflush:  # one UPDATE, so the version goes up by one per save
        await _apply(session, operator, changes)
    await flush_changes(session, conflict=EMAIL_TAKEN, stale=ACCOUNT_STALE)
    return operator


async def _apply(session: AsyncSession, operator: Operator, changes: AccountChanges) -> None:
    if changes.time_zone is not None:
        if not is_time_zone(changes.time_zone):
            raise ValidationFailed("Unknown time zone.", field="time_zone")
        operator.time_zone = changes.time_zone
    if changes.email is not None:
        await set_email(session, operator, changes.email)
    if changes.first_name is not None:
        operator.first_name = clean_name(changes.first_name, "first_name")
    if changes.last_name is not None:
        operator.last_name = clean_name(changes.last_name, "last_name")


async def change_my_password(
    session: AsyncSession,
    actor: Actor,
    *,
    current: str,
    new: str,
    confirm: str,
    keep_session_id: int | None = None,
) -> None:
    """Change one's own password; every other log-in session of the operator ends."""
    operator = await my_account(session, actor)
    if not await verify_password_off_loop(current, operator.password_hash):
        raise ValidationFailed(WRONG_CURRENT, field="current_password")
    if new != confirm:
        raise ValidationFailed(PASSWORDS_DIFFER, field="password_confirm")
    check_policy(new, operator.username)
    operator.password_hash = await hash_password_off_loop(new)
    await repository.end_other_sessions(session, operator.id, keep_session_id)
    await flush_changes(session, conflict=ACCOUNT_STALE, stale=ACCOUNT_STALE)


async def api_tokens(session: AsyncSession, actor: Actor) -> Sequence[ApiToken]:
    """The actor's own API tokens, newest first; never their plain values."""
    actor.require(Permission.MANAGE_OWN_ACCOUNT)
    return await repository.api_tokens(session, actor.operator_id)


async def create_api_token(session: AsyncSession, actor: Actor, name: str) -> tuple[str, ApiToken]:
    """A new token acting as the actor; its plain value is returned this once."""
    actor.require(Permission.MANAGE_OWN_ACCOUNT)
    return await auth.create_api_token(session, actor.operator_id, name)


async def revoke_api_token(session: AsyncSession, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens; it stops working at once."""
    actor.require(Permission.MANAGE_OWN_ACCOUNT)
    token = await repository.api_token(session, actor.operator_id, token_id)
    if token is None:
        raise NotFound(TOKEN_NOT_FOUND)
    await session.delete(token)
    await session.flush()
    return token
