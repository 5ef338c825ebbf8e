"""The manual's rules for charging users, their tokens and access rights; panel, API and import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from laturi.auth.actor import Actor
from laturi.auth.permissions import Permission
from laturi.charging_users import repository, rights
from laturi.charging_users.keys import tag_key, text_key
from laturi.charging_users.repository import Scope, UserRow
from laturi.errors import AccessDenied, Conflict, NotFound, StaleEdit, ValidationFailed
from laturi.kit.emails import normalize_email
from laturi.kit.pagination import ListQuery, Page
from laturi.kit.time import utcnow
from laturi.models import AuthToken, ChargingUser, UserGroup

NOT_FOUND = "Charging user not found."
# The manual's error table, followed by its remedy for a concurrent edit.
STALE = (
    "Charging user updating failed. Another operator changed this charging user meanwhile:"
    " exit this view, refresh the page and retry."
)
EMAIL_TAKEN = "Username already exists."
TOKEN_TAKEN = "Token already exists."
EMAIL_FIXED = "The e-mail address cannot be changed once it is set."
TAG_FIXED = "A token id cannot be changed after the token is created."
OUTSIDE = "Access denied. The charging user also has access rights outside your domain."
# OCPP 1.6's IdToken: a longer token could never be presented by a station.
TAG_MAX = 20


@dataclass(frozen=True)
class TokenInput:
    id: int | None = None  # an existing token's row id; None for a new token
    id_tag: str = ""  # the RFID UID; fixed once created
    name: str = ""
    active: bool = True
    valid_from: datetime | None = None  # None: from now
    valid_to: datetime | None = None  # None: valid infinitely


@dataclass(frozen=True)
class UserInput:
    first_name: str
    last_name: str
    email: str | None = None
    user_group_id: int | None = None
    active: bool = True
    group_ids: Sequence[int] | None = None  # None leaves the rights as they are
    station_ids: Sequence[int] | None = None
    tokens: Sequence[TokenInput] | None = None  # the full list; None leaves tokens as they are
    version: int | None = None  # the version the operator saw, for edits


@dataclass(frozen=True)
class UserDetail:
    user: ChargingUser
    user_group: UserGroup | None
    tokens: Sequence[AuthToken]
    rights: rights.Rights


@dataclass
class Plan:
    """A checked change, ready to write: nothing is written before every check passed."""

    fields: dict[str, object]
    tokens: list[TokenInput] = field(default_factory=list)
    removed: list[AuthToken] = field(default_factory=list)
    rights: rights.Rights | None = None


async def list_users(session: AsyncSession, actor: Actor, query: ListQuery) -> Page[UserRow]:
    """The list view: search by name, e-mail address or token id; sort; page."""
    scope = await repository.scope_for(session, actor)
    rows, total = await repository.page(session, scope, query)
    return Page(rows, total, query)


async def get_user(session: AsyncSession, actor: Actor, user_id: int) -> UserDetail:
    scope = await repository.scope_for(session, actor)
    user = await _existing(session, scope, user_id, None)
    group = (
        await repository.user_group(session, actor.organization_id, user.user_group_id)
        if user.user_group_id
        else None
    )
    return UserDetail(
        user,
        group,
        await repository.tokens_of(session, user.id),
        await rights.of_user(session, scope, user.id),
    )


async def create_user(session: AsyncSession, actor: Actor, data: UserInput) -> ChargingUser:
    """A new user with their tokens and access rights."""
    scope = await repository.scope_for(session, actor)
    plan = await prepare_new(session, scope, data)
    return await write_new(session, scope, plan)


async def prepare_new(session: AsyncSession, scope: Scope, data: UserInput) -> Plan:
    """Every check of a new user, reading only (the CSV import checks whole files with it)."""
    scope.actor.require(Permission.MANAGE_CHARGING_USERS)
    plan = Plan(await _fields(session, scope, data, None))
    fresh = [replace(t, id=None) for t in data.tokens or []]
    plan.tokens = await _check_tokens(session, scope, fresh, {}, set())
    plan.rights = await rights.wanted(session, scope, None, data.group_ids, data.station_ids)
    return plan


async def write_new(session: AsyncSession, scope: Scope, plan: Plan) -> ChargingUser:
    user = ChargingUser(
        organization_id=scope.organization_id,
        created_in_group_id=scope.actor.base_group_id,
        **plan.fields,
    )
    session.add(user)
    await _flush(session)
    await _write_rest(session, user, plan)
    return user


async def update_user(
    session: AsyncSession, actor: Actor, user_id: int, data: UserInput
) -> ChargingUser:
    """Save an edit; e-mail (once set) and token ids stay as they are."""
    actor.require(Permission.MANAGE_CHARGING_USERS)
    scope = await repository.scope_for(session, actor)
    user = await _existing(session, scope, user_id, data.version)
    plan = Plan(await _fields(session, scope, data, user))
    if data.tokens is not None:
        await _plan_tokens(session, scope, user, data.tokens, plan)
    plan.rights = await rights.wanted(session, scope, user.id, data.group_ids, data.station_ids)
    for name, value in plan.fields.items():
        setattr(user, name, value)
    await _flush(session)  # the user's row first: one version bump, a lost race caught here
    await _write_rest(session, user, plan)
    return user


async def delete_user(
    session: AsyncSession, actor: Actor, user_id: int, version: int | None = None
) -> None:
    """Admins only; never a user who may also charge outside the operator's domain."""
    actor.require(Permission.REMOVE_CHARGING_USERS)
    scope = await repository.scope_for(session, actor)
    user = await _existing(session, scope, user_id, version)
    if (await rights.of_user(session, scope, user.id)).hidden:
        raise AccessDenied(OUTSIDE)
    await session.delete(user)
    await _flush(session)


async def add_token(
    session: AsyncSession, actor: Actor, user_id: int, token: TokenInput, version: int | None
) -> AuthToken:
    """One more token for the user."""
    user = await _edit_tokens(session, actor, user_id, version, lambda ts: [*ts, token])
    tokens = await repository.tokens_of(session, user.id)
    return next(t for t in tokens if t.id_tag_key == tag_key(token.id_tag))


async def update_token(
    session: AsyncSession, actor: Actor, user_id: int, token: TokenInput, version: int | None
) -> None:
    """Change a token's name, status or validity (its id is fixed)."""
    await _find_token(session, actor, user_id, token.id)
    await _edit_tokens(
        session, actor, user_id, version, lambda ts: [token if t.id == token.id else t for t in ts]
    )


async def delete_token(
    session: AsyncSession, actor: Actor, user_id: int, token_id: int, version: int | None
) -> None:
    """Admins only."""
    await _find_token(session, actor, user_id, token_id)
    await _edit_tokens(
        session, actor, user_id, version, lambda ts: [t for t in ts if t.id != token_id]
    )


def as_input(token: AuthToken) -> TokenInput:
    return TokenInput(
        token.id, token.id_tag, token.name, token.active, token.valid_from, token.valid_to
    )


async def _find_token(
    session: AsyncSession, actor: Actor, user_id: int, token_id: int | None
) -> AuthToken:
    for token in (await get_user(session, actor, user_id)).tokens:
        if token.id == token_id:
            return token
    raise NotFound("Token not found.")


async def _edit_tokens(
    session: AsyncSession,
    actor: Actor,
    user_id: int,
    version: int | None,
    change: Callable[[list[TokenInput]], list[TokenInput]],
) -> ChargingUser:
    detail = await get_user(session, actor, user_id)
    user = detail.user
    data = UserInput(
        user.first_name,
        user.last_name,
        user.email,
        user.user_group_id,
        user.active,
        tokens=change([as_input(t) for t in detail.tokens]),
        version=version,
    )
    return await update_user(session, actor, user_id, data)


async def _existing(
    session: AsyncSession, scope: Scope, user_id: int, version: int | None
) -> ChargingUser:
    user = await repository.get(session, scope, user_id)
    if user is None:
        raise NotFound(NOT_FOUND)
    if version is not None and version != user.version:
        raise StaleEdit(STALE)
    return user


async def _fields(
    session: AsyncSession, scope: Scope, data: UserInput, user: ChargingUser | None
) -> dict[str, object]:
    """The user's own columns from the input, checked."""
    email = await _email(session, scope, data.email, user)
    return {
        "first_name": _name(data.first_name, "first_name", "First name"),
        "last_name": _name(data.last_name, "last_name", "Last name"),
        "email": email,
        "email_key": text_key(email) if email else None,
        "user_group_id": await _user_group(session, scope, data.user_group_id),
        "active": data.active,
        "updated_at": utcnow(),  # also bumps the version of an edited user
    }


def _name(value: str, field: str, label: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise ValidationFailed(f"{label} is required.", field=field)
    if len(cleaned) > 100:
        raise ValidationFailed(f"{label} is too long (100 characters at most).", field=field)
    return cleaned


async def _email(
    session: AsyncSession, scope: Scope, value: str | None, user: ChargingUser | None
) -> str | None:
    email = normalize_email(value) if value and value.strip() else None
    key = text_key(email) if email else None
    if user is not None and user.email_key is not None:
        if key != user.email_key:
            raise ValidationFailed(EMAIL_FIXED, field="email")
        return user.email
    if key is not None:
        owner = await repository.email_owner(session, scope.organization_id, key)
        if owner is not None and (user is None or owner != user.id):
            raise Conflict(EMAIL_TAKEN, field="email")
    return email


async def _user_group(session: AsyncSession, scope: Scope, group_id: int | None) -> int | None:
    if group_id is None:
        return None
    if await repository.user_group(session, scope.organization_id, group_id) is None:
        raise ValidationFailed("Charging user group does not exist.", field="user_group_id")
    return group_id


async def _plan_tokens(
    session: AsyncSession,
    scope: Scope,
    user: ChargingUser,
    given: Sequence[TokenInput],
    plan: Plan,
) -> None:
    """Which tokens to keep, change, add and delete; deleting needs an admin."""
    existing = {t.id: t for t in await repository.tokens_of(session, user.id)}
    kept = {t.id for t in given if t.id is not None}
    if kept - existing.keys():
        raise StaleEdit(STALE)  # a token was deleted meanwhile
    plan.removed = [t for i, t in existing.items() if i not in kept]
    if plan.removed:
        scope.actor.require(Permission.DELETE_TOKENS)
    freed = {t.id_tag_key for t in plan.removed}
    plan.tokens = await _check_tokens(session, scope, given, existing, freed)


async def _check_tokens(
    session: AsyncSession,
    scope: Scope,
    given: Sequence[TokenInput],
    existing: dict[int, AuthToken],
    freed: set[str],
) -> list[TokenInput]:
    """Each token cleaned; a new id must be unique in the organisation, case-insensitively."""
    # "Valid from now" starts with the minute before: stations stamp whole seconds and their
    # clocks lag a little, and the card tapped just after the token was saved must charge.
    now = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=1)
    cleaned = [_clean_token(i, t, existing.get(t.id or 0), now) for i, t in enumerate(given)]
    new = [(i, t) for i, t in enumerate(cleaned) if t.id is None]
    taken = await repository.tag_owners(
        session, scope.organization_id, [tag_key(t.id_tag) for _, t in new]
    )
    seen = {t.id_tag_key for t in existing.values()} - freed
    for index, token in new:
        key = tag_key(token.id_tag)
        if key in seen or (key in taken and key not in freed):
            raise Conflict(TOKEN_TAKEN, field=f"tokens.{index}.id_tag")
        seen.add(key)
    return cleaned


def _clean_token(
    index: int, token: TokenInput, current: AuthToken | None, now: datetime
) -> TokenInput:
    prefix = f"tokens.{index}."
    id_tag = token.id_tag.strip()
    if current is not None:
        if id_tag and tag_key(id_tag) != current.id_tag_key:
            raise ValidationFailed(TAG_FIXED, field=prefix + "id_tag")
        id_tag = current.id_tag
    _check_tag(id_tag, prefix + "id_tag")
    name = " ".join(token.name.split())
    if len(name) > 100:
        raise ValidationFailed(
            "Token name is too long (100 characters at most).", field=prefix + "name"
        )
    start = token.valid_from or (current.valid_from if current else now)
    if token.valid_to is not None and token.valid_to < start:
        raise ValidationFailed(
            "A token cannot be valid to a time before it is valid from.", field=prefix + "valid_to"
        )
    return replace(token, id_tag=id_tag, name=name, valid_from=start)


def _check_tag(id_tag: str, field: str) -> None:
    if not id_tag:
        raise ValidationFailed("Token id is required.", field=field)
    if len(id_tag) > TAG_MAX:
        raise ValidationFailed(f"Token id is too long ({TAG_MAX} characters at most).", field=field)
    if any(c.isspace() or not c.isprintable() for c in id_tag):
        raise ValidationFailed("Token id cannot contain spaces or control characters.", field=field)


async def _write_rest(session: AsyncSession, user: ChargingUser, plan: Plan) -> None:
    """Rights and tokens of a user whose own row is in the session."""
    if plan.rights is not None:
        await repository.set_group_rights(session, user.id, plan.rights.all_groups)
        await repository.set_station_rights(session, user.id, plan.rights.all_stations)
    for token in plan.removed:
        await session.delete(token)
    await _flush(session)  # a deleted token's id may come back in the same save
    existing = {t.id: t for t in await repository.tokens_of(session, user.id)}
    for wanted in plan.tokens:
        row = existing.get(wanted.id or 0) or _new_token(session, user, wanted.id_tag)
        row.name, row.active = wanted.name, wanted.active
        row.valid_from, row.valid_to = wanted.valid_from or utcnow(), wanted.valid_to
    await _flush(session)


def _new_token(session: AsyncSession, user: ChargingUser, id_tag: str) -> AuthToken:
    token = AuthToken(
        organization_id=user.organization_id,
        charging_user_id=user.id,
        id_tag=id_tag,
        id_tag_key=tag_key(id_tag),
    )
    session.add(token)
    return token


async def _flush(session: AsyncSession) -> None:
    """Flush; a race lost to a concurrent save reads in the manual's words."""
    try:
        await session.flush()
    except StaleDataError as err:  # another save of the same user came first
        raise StaleEdit(STALE) from err
    except IntegrityError as err:
        text = str(err.orig)
        if "auth_tokens" in text:
            raise Conflict(TOKEN_TAKEN, field="tokens") from err
        if "charging_users" in text and ("email" in text or "uq_charging_users" in text):
            raise Conflict(EMAIL_TAKEN, field="email") from err
        raise


@dataclass(frozen=True)
class FormData:
    """What the add and edit form shows: the user (when editing) and the choices."""

    detail: UserDetail | None
    choices: rights.Choices
    user_groups: Sequence[UserGroup]


async def form_data(session: AsyncSession, actor: Actor, user_id: int | None) -> FormData:
    detail = await get_user(session, actor, user_id) if user_id else None
    return FormData(
        detail,
        await rights.choices(session, actor),
        await repository.user_groups(session, actor.organization_id),
    )
