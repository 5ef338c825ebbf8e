"""The manual's rules for operators: admin only, within the admin's domain; and my account."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from laturi.auth import repository as auth_repository
from laturi.auth import service as auth
from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.auth.secrets import check_policy, hash_password, verify_password
from laturi.errors import Conflict, NotFound, StaleEdit, ValidationFailed
from laturi.groups import repository as groups
from laturi.kit.emails import normalize_email
from laturi.kit.pagination import ListQuery, Page
from laturi.kit.time import is_time_zone
from laturi.mail import Mailer
from laturi.models import Operator, Organization
from laturi.models.operator import Level, OperatorStatus, TokenPurpose
from laturi.operators import repository

NOT_FOUND = "Operator not found."
EMAIL_GONE = "Operator with given email does not exist."
UPDATE_FAILED = "Error while updating operator."
USERNAME_TAKEN = "Username already exists."
EMAIL_TAKEN = "An operator with that e-mail address already exists."
USERNAME_RULE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")


@dataclass(frozen=True)
class Invitation:
    email: str
    email_confirm: str
    username: str
    first_name: str
    last_name: str
    level: Level
    base_group_id: int | None = None


@dataclass(frozen=True)
class OperatorChanges:
    """An admin's edit; None leaves a field as it is."""

    version: int | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    status: OperatorStatus | None = None
    level: Level | None = None
    base_group_id: int | None = None


@dataclass(frozen=True)
class AccountChanges:
    version: int | None
    first_name: str
    last_name: str
    email: str
    time_zone: str


async def list_operators(
    session: AsyncSession, actor: Actor, query: ListQuery, status: OperatorStatus | None = None
) -> Page[tuple[Operator, str]]:
    actor.require(Permission.MANAGE_OPERATORS)
    return await repository.page(session, actor, query, status)


async def get_operator(session: AsyncSession, actor: Actor, operator_id: int) -> Operator:
    actor.require(Permission.MANAGE_OPERATORS)
    operator = await repository.get(session, actor, operator_id)
    if operator is None:
        raise NotFound(NOT_FOUND)
    return operator


async def invite(session: AsyncSession, actor: Actor, mailer: Mailer, data: Invitation) -> Operator:
    """Create an operator without a password and mail them a link to set one."""
    actor.require(Permission.MANAGE_OPERATORS)
    email = normalize_email(data.email)
    if email.lower() != normalize_email(data.email_confirm, field="email_confirm").lower():
        raise ValidationFailed("The e-mail addresses do not match.", field="email_confirm")
    username = await _free_username(session, data.username)
    await _free_email(session, email, None)
    base_group_id = await _base_group(session, actor, data.base_group_id or actor.base_group_id)
    operator = Operator(
        organization_id=actor.organization_id,
        base_group_id=base_group_id,
        username=username,
        email=email,
        first_name=_name(data.first_name, "first_name"),
        last_name=_name(data.last_name, "last_name"),
        level=Level(data.level),
        status=OperatorStatus.ACTIVE,
    )
    session.add(operator)
    await session.flush()
    await send_invitation(session, actor, mailer, operator)
    return operator


async def send_invitation(
    session: AsyncSession, actor: Actor, mailer: Mailer, operator: Operator
) -> None:
    """(Re)send the invitation; only to an operator who has not activated yet."""
    if operator.activated_at is not None:
        raise Conflict("The operator has already activated their account.")
    days = mailer.settings.invitation_days
    token = await auth.issue_link(session, operator, TokenPurpose.INVITATION, timedelta(days=days))
    organization = await session.get(Organization, operator.organization_id)
    await mailer.send(
        operator.email,
        "invitation",
        operator=operator,
        token=token,
        days=days,
        inviter=actor.username,
        organization=organization.name if organization else "",
    )


async def resend_invitation(
    session: AsyncSession, actor: Actor, mailer: Mailer, operator_id: int
) -> None:
    await send_invitation(session, actor, mailer, await get_operator(session, actor, operator_id))


async def update_operator(
    session: AsyncSession, actor: Actor, operator_id: int, changes: OperatorChanges
) -> Operator:
    operator = await get_operator(session, actor, operator_id)
    _check_version(operator, changes.version)
    if operator.id == actor.operator_id and _locks_out(changes):
        raise Conflict("You cannot deactivate yourself or lower your own permission level.")
    if changes.email is not None:
        operator.email = await _free_email(session, normalize_email(changes.email), operator.id)
    if changes.first_name is not None:
        operator.first_name = _name(changes.first_name, "first_name")
    if changes.last_name is not None:
        operator.last_name = _name(changes.last_name, "last_name")
    if changes.base_group_id is not None:
        operator.base_group_id = await _base_group(session, actor, changes.base_group_id)
    if changes.level is not None:
        operator.level = Level(changes.level)
    if changes.status is not None:
        operator.status = OperatorStatus(changes.status)
        if operator.status is OperatorStatus.INACTIVE:
            await auth_repository.end_sessions(session, operator.id)
    await session.flush()
    return operator


def _locks_out(changes: OperatorChanges) -> bool:
    return changes.status is OperatorStatus.INACTIVE or changes.level is Level.BASIC


async def send_password_reset(
    session: AsyncSession, actor: Actor, mailer: Mailer, operator_id: int, email_seen: str
) -> None:
    """An admin's RESET PASSWORD: mails a link to the address the admin was looking at."""
    operator = await get_operator(session, actor, operator_id)
    if operator.email.lower() != email_seen.strip().lower():
        raise NotFound(EMAIL_GONE)
    await _mail_reset_link(session, mailer, operator)


async def request_password_reset(session: AsyncSession, mailer: Mailer, email: str) -> None:
    """'Lost your password?': mails a link if such an active operator exists, says nothing else."""
    operator = await auth_repository.operator_by_email(session, email.strip())
    if operator is not None and operator.status is OperatorStatus.ACTIVE:
        await _mail_reset_link(session, mailer, operator)


async def _mail_reset_link(session: AsyncSession, mailer: Mailer, operator: Operator) -> None:
    minutes = mailer.settings.password_reset_minutes
    lifetime = timedelta(minutes=minutes)
    token = await auth.issue_link(session, operator, TokenPurpose.PASSWORD_RESET, lifetime)
    await mailer.send(
        operator.email, "password_reset", operator=operator, token=token, minutes=minutes
    )


async def delete_operator(
    session: AsyncSession, actor: Actor, operator_id: int, version: int | None = None
) -> None:
    operator = await get_operator(session, actor, operator_id)
    _check_version(operator, version)
    if operator.id == actor.operator_id:
        raise Conflict("You cannot delete yourself.")
    await session.delete(operator)
    await session.flush()


async def my_account(session: AsyncSession, actor: Actor) -> Operator:
    operator = await session.get(Operator, actor.operator_id)
    if operator is None:
        raise NotFound(NOT_FOUND)
    return operator


async def update_my_account(
    session: AsyncSession, actor: Actor, changes: AccountChanges
) -> Operator:
    operator = await my_account(session, actor)
    _check_version(operator, changes.version)
    if not is_time_zone(changes.time_zone):
        raise ValidationFailed("Unknown time zone.", field="time_zone")
    operator.email = await _free_email(session, normalize_email(changes.email), operator.id)
    operator.first_name = _name(changes.first_name, "first_name")
    operator.last_name = _name(changes.last_name, "last_name")
    operator.time_zone = changes.time_zone
    await session.flush()
    return operator


async def change_my_password(
    session: AsyncSession, actor: Actor, *, current: str, new: str, confirm: str
) -> None:
    """Change one's own password; other sessions of the operator end."""
    operator = await my_account(session, actor)
    if not verify_password(current, operator.password_hash):
        raise ValidationFailed("The current password is wrong.", field="current_password")
    if new != confirm:
        raise ValidationFailed("The passwords do not match.", field="password_confirm")
    check_policy(new, operator.username)
    operator.password_hash = hash_password(new)
    await auth_repository.end_sessions(session, operator.id)
    await session.flush()


def _check_version(operator: Operator, version: int | None) -> None:
    if version is not None and version != operator.version:
        raise StaleEdit(
            f"{UPDATE_FAILED} Someone else changed this operator: refresh the page and retry."
        )


def _name(value: str, field: str) -> str:
    cleaned = value.strip()
    if len(cleaned) > 100:
        raise ValidationFailed("Too long (100 characters at most).", field=field)
    return cleaned


async def _free_username(session: AsyncSession, username: str) -> str:
    username = username.strip()
    if not USERNAME_RULE.match(username):
        raise ValidationFailed(
            "Username must be 3 to 64 characters: letters, digits, '.', '_' or '-'.",
            field="username",
        )
    if await repository.username_taken(session, username):
        raise Conflict(USERNAME_TAKEN, field="username")
    return username


async def _free_email(session: AsyncSession, email: str, own_id: int | None) -> str:
    if await repository.email_taken(session, email, own_id):
        raise Conflict(EMAIL_TAKEN, field="email")
    return email


async def _base_group(session: AsyncSession, actor: Actor, group_id: int) -> int:
    if await groups.get(session, actor, group_id) is None:
        raise ValidationFailed("Base group does not exist in your domain.", field="base_group_id")
    return group_id
