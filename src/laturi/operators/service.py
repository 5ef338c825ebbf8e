"""The manual's rules for managing operators: admin only, and only within the admin's domain."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from laturi.auth import repository as auth_repository
from laturi.auth import service as auth
from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.errors import Conflict, MailFailed, NotFound, StaleEdit, ValidationFailed
from laturi.groups import repository as groups
from laturi.groups import service as group_service
from laturi.kit.emails import normalize_email
from laturi.kit.pagination import ListQuery, Page
from laturi.mail import Mailer
from laturi.models import Operator, Organization
from laturi.models.operator import Level, OperatorStatus, TokenPurpose
from laturi.operators import repository
from laturi.operators.repository import StatusFilter as StatusFilter

log = logging.getLogger(__name__)
NOT_FOUND = "Operator not found."
EMAIL_GONE = "Operator with given email does not exist."
UPDATE_FAILED = "Error while updating operator."
INVITATION_FAILED = "Operator invitation failed."
USERNAME_TAKEN = "Username already exists."
EMAIL_PROBLEM = "Problem with email address."
EMAIL_TAKEN = f"{EMAIL_PROBLEM} Another operator already uses it."
EMAILS_DIFFER = "The e-mail addresses do not match."
ALREADY_ACTIVATED = "The operator has already activated their account."
STALE = (
    f"{UPDATE_FAILED} Someone else changed this operator meanwhile: "
    "exit this view, refresh the page and retry."
)
NOT_YOURSELF = {
    "status": "You cannot deactivate yourself.",
    "level": "You cannot lower your own permission level.",
    "delete": "You cannot delete yourself.",
}
USERNAME_RULE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
USERNAME_HINT = "Username must be 3 to 64 characters: letters, digits, '.', '_' or '-'."


@dataclass(frozen=True)
class Invitation:
    email: str
    email_confirm: str
    username: str
    first_name: str
    last_name: str
    level: Level
    base_group_id: int | None = None  # None: the inviting admin's base group


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


def shown_status(operator: Operator) -> str:
    """The status as the list shows it: Active, Inactive or Not activated."""
    if operator.status is OperatorStatus.INACTIVE:
        return "Inactive"
    return "Active" if operator.activated_at is not None else "Not activated"


def parse_level(value: str) -> Level:
    """A permission level from a form; a clear field error otherwise."""
    try:
        return Level(value)
    except ValueError:
        raise ValidationFailed("Select a permission level.", field="level") from None


def parse_status(value: str) -> OperatorStatus:
    try:
        return OperatorStatus(value)
    except ValueError:
        raise ValidationFailed("Select Active or Inactive.", field="status") from None


async def list_operators(
    session: AsyncSession, actor: Actor, query: ListQuery, status: StatusFilter | None = None
) -> Page[tuple[Operator, str]]:
    """The operators list: those whose base group is in the admin's domain."""
    actor.require(Permission.MANAGE_OPERATORS)
    return await repository.page(session, actor, query, status)


async def get_operator(session: AsyncSession, actor: Actor, operator_id: int) -> Operator:
    actor.require(Permission.MANAGE_OPERATORS)
    operator = await repository.get(session, actor, operator_id)
    if operator is None:
        raise NotFound(NOT_FOUND)
    return operator


async def base_group_name(session: AsyncSession, operator: Operator) -> str:
    return await repository.base_group_name(session, operator)


async def base_group_choices(session: AsyncSession, actor: Actor) -> list[group_service.GroupRow]:
    """The groups an admin may give as a base group: those of their own domain."""
    actor.require(Permission.MANAGE_OPERATORS)
    return await group_service.parent_choices(session, actor)


async def invite(session: AsyncSession, actor: Actor, mailer: Mailer, data: Invitation) -> Operator:
    """Create an operator without a password and mail them a link to set one."""
    actor.require(Permission.MANAGE_OPERATORS)
    email = normalize_email(data.email)
    if email.lower() != normalize_email(data.email_confirm, field="email_confirm").lower():
        raise ValidationFailed(EMAILS_DIFFER, field="email_confirm")
    await _free_email(session, email, None)
    operator = Operator(
        organization_id=actor.organization_id,
        base_group_id=await _base_group(session, actor, data.base_group_id),
        username=await _free_username(session, data.username),
        email=email,
        first_name=clean_name(data.first_name, "first_name"),
        last_name=clean_name(data.last_name, "last_name"),
        level=Level(data.level),
        status=OperatorStatus.ACTIVE,
    )
    session.add(operator)
    await flush_changes(session, conflict=INVITATION_FAILED)
    await _send_invitation(session, actor, mailer, operator)
    return operator


async def resend_invitation(
    session: AsyncSession, actor: Actor, mailer: Mailer, operator_id: int
) -> Operator:
    """The reminder: only to an operator who has not activated their account yet."""
    operator = await get_operator(session, actor, operator_id)
    await _send_invitation(session, actor, mailer, operator)
    return operator


async def _send_invitation(
    session: AsyncSession, actor: Actor, mailer: Mailer, operator: Operator
) -> None:
    if operator.activated_at is not None:
        raise Conflict(ALREADY_ACTIVATED)
    days = mailer.settings.invitation_days
    token = await auth.issue_link(session, operator, TokenPurpose.INVITATION, timedelta(days=days))
    organization = await session.get(Organization, operator.organization_id)
    await _mail(
        mailer,
        operator,
        "invitation",
        token=token,
        days=days,
        inviter=actor.username,
        organization=organization.name if organization else "",
    )


async def update_operator(
    session: AsyncSession, actor: Actor, operator_id: int, changes: OperatorChanges
) -> Operator:
    """An admin's edit of an operator in their domain; never locking themselves out."""
    operator = await get_operator(session, actor, operator_id)
    check_version(operator, changes.version)
    if operator.id == actor.operator_id:
        _refuse_locking_out(changes)
    with session.no_autoflush:  # one UPDATE, so the version goes up by one per save
        await _apply_personal(session, operator, changes)
        await _apply_permissions(session, actor, operator, changes)
    await flush_changes(session, conflict=UPDATE_FAILED)
    return operator


def _refuse_locking_out(changes: OperatorChanges) -> None:
    if changes.status is OperatorStatus.INACTIVE:
        raise Conflict(NOT_YOURSELF["status"], field="status")
    if changes.level is Level.BASIC:
        raise Conflict(NOT_YOURSELF["level"], field="level")


async def _apply_personal(
    session: AsyncSession, operator: Operator, changes: OperatorChanges
) -> None:
    if changes.email is not None:
        await set_email(session, operator, changes.email)
    if changes.first_name is not None:
        operator.first_name = clean_name(changes.first_name, "first_name")
    if changes.last_name is not None:
        operator.last_name = clean_name(changes.last_name, "last_name")


async def _apply_permissions(
    session: AsyncSession, actor: Actor, operator: Operator, changes: OperatorChanges
) -> None:
    if changes.base_group_id is not None:
        operator.base_group_id = await _base_group(session, actor, changes.base_group_id)
    if changes.level is not None:
        operator.level = Level(changes.level)
    if changes.status is not None and changes.status != operator.status:
        operator.status = OperatorStatus(changes.status)
        if operator.status is OperatorStatus.INACTIVE:
            # Inactive operators cannot log in: their open sessions end now, not in 2 hours.
            await auth_repository.end_sessions(session, operator.id)


async def set_email(session: AsyncSession, operator: Operator, value: str) -> None:
    """A new address; links already mailed to the old one stop working."""
    email = await _free_email(session, normalize_email(value), operator.id)
    if email == operator.email:
        return
    operator.email = email
    for purpose in TokenPurpose:
        await auth_repository.revoke_one_time_tokens(session, operator.id, purpose)


async def send_password_reset(
    session: AsyncSession, actor: Actor, mailer: Mailer, operator_id: int, email_seen: str
) -> Operator:
    """An admin's RESET PASSWORD: mails a link to the address the admin was looking at."""
    operator = await get_operator(session, actor, operator_id)
    if operator.email.lower() != email_seen.strip().lower():
        raise Conflict(EMAIL_GONE, field="email")
    await _mail_reset_link(session, mailer, operator)
    return operator


async def request_password_reset(session: AsyncSession, mailer: Mailer, email: str) -> None:
    """'Lost your password?': mails a link if such an active operator exists, says nothing else."""
    operator = await auth_repository.operator_by_email(session, email.strip())
    if operator is None or operator.status is not OperatorStatus.ACTIVE:
        return
    try:
        await _mail_reset_link(session, mailer, operator)
    except MailFailed:
        # Answer as for an unknown address: a mail error would tell a stranger it exists.
        log.warning("password reset mail failed", extra={"operator_id": operator.id})


async def _mail_reset_link(session: AsyncSession, mailer: Mailer, operator: Operator) -> None:
    minutes = mailer.settings.password_reset_minutes
    lifetime = timedelta(minutes=minutes)
    token = await auth.issue_link(session, operator, TokenPurpose.PASSWORD_RESET, lifetime)
    await _mail(mailer, operator, "password_reset", token=token, minutes=minutes)


async def _mail(mailer: Mailer, operator: Operator, template: str, **context: object) -> None:
    """Send, and on failure raise the manual's message beside the e-mail field."""
    try:
        await mailer.send(operator.email, template, operator=operator, **context)
    except MailFailed as err:
        raise MailFailed(EMAIL_PROBLEM, field="email") from err


async def delete_operator(
    session: AsyncSession, actor: Actor, operator_id: int, version: int | None = None
) -> Operator:
    """Delete an operator of the domain; their sessions, tokens and links go with them."""
    operator = await get_operator(session, actor, operator_id)
    check_version(operator, version)
    if operator.id == actor.operator_id:
        raise Conflict(NOT_YOURSELF["delete"], field="delete")
    await session.delete(operator)
    await flush_changes(session, conflict=UPDATE_FAILED)
    return operator


def check_version(operator: Operator, version: int | None, message: str = STALE) -> None:
    """Refuse an edit made on an older version than the stored one."""
    if version is not None and version != operator.version:
        raise StaleEdit(message)


async def flush_changes(session: AsyncSession, *, conflict: str, stale: str = STALE) -> None:
    """Flush, turning a lost race into the manual's words: another save of the same row first
    (the version column) is `stale`; a duplicate username or address inserted meanwhile is
    `conflict`."""
    try:
        await session.flush()
    except StaleDataError as err:
        raise StaleEdit(stale) from err
    except IntegrityError as err:
        raise Conflict(conflict) from err


def clean_name(value: str, field: str) -> str:
    cleaned = value.strip()
    if len(cleaned) > 100:
        raise ValidationFailed("Too long (100 characters at most).", field=field)
    return cleaned


async def _free_username(session: AsyncSession, username: str) -> str:
    username = username.strip()
    if not USERNAME_RULE.match(username):
        raise ValidationFailed(USERNAME_HINT, field="username")
    if await repository.username_taken(session, username):
        raise Conflict(USERNAME_TAKEN, field="username")
    return username


async def _free_email(session: AsyncSession, email: str, own_id: int | None) -> str:
    if await repository.email_taken(session, email, own_id):
        raise Conflict(EMAIL_TAKEN, field="email")
    return email


async def _base_group(session: AsyncSession, actor: Actor, group_id: int | None) -> int:
    """The given group, or the admin's own base group; never one outside their domain."""
    group_id = group_id or actor.base_group_id
    if await groups.get(session, actor, group_id) is None:
        raise ValidationFailed("Base group does not exist in your domain.", field="base_group_id")
    return group_id
