"""REST routes for charging users, their tokens, and the CSV import."""

from __future__ import annotations

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from laturi.api.schemas import PageOut, listing
from laturi.auth.dependencies import ApiActor
from laturi.charging_users import importer, service
from laturi.charging_users.repository import UserRow
from laturi.charging_users.schemas import (
    GroupRef,
    ImportOut,
    ImportRejectedOut,
    RowErrorOut,
    StationRef,
    TokenIn,
    TokenOut,
    TokenUpdate,
    UserCreate,
    UserDetailOut,
    UserOut,
    UserUpdate,
)
from laturi.charging_users.service import TokenInput, UserDetail, UserInput
from laturi.http import DbSession
from laturi.kit.pagination import ListQuery
from laturi.models import AuthToken

REJECTED = "Rows were rejected; nothing was written."
router = APIRouter(prefix="/charging-users", tags=["charging users"])


def _token_out(token: AuthToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        id_tag=token.id_tag,
        name=token.name,
        active=token.active,
        valid_from=token.valid_from,
        valid_to=token.valid_to,
    )


def _out(row: UserRow) -> UserOut:
    user = row.user
    return UserOut(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        user_group_id=user.user_group_id,
        user_group=row.user_group,
        active=user.active,
        token_count=row.tokens,
        version=user.version,
    )


def _detail(found: UserDetail) -> UserDetailOut:
    group = found.user_group.name if found.user_group else None
    rights = found.rights
    return UserDetailOut(
        **_out(UserRow(found.user, group, len(found.tokens))).model_dump(),
        tokens=[_token_out(t) for t in found.tokens],
        charging_groups=[GroupRef(id=i, name=n) for i, n in sorted(rights.groups.items())],
        charging_stations=[
            StationRef(id=s.id, name=s.name, identifier=s.identifier)
            for s in sorted(rights.stations.values(), key=lambda s: s.id)
        ],
        rights_outside_domain=rights.hidden,
    )


def _token_in(token: TokenIn) -> TokenInput:
    return TokenInput(
        token.id, token.id_tag, token.name, token.active, token.valid_from, token.valid_to
    )


@router.get("")
async def list_users(
    actor: ApiActor,
    session: DbSession,
    query: ListQuery = listing(
        search="Part of a name, an e-mail address or a token id",
        sort="name, group, email or tokens",
    ),
) -> PageOut[UserOut]:
    """The charging users you see, with their user group and token count."""
    found = await service.list_users(session, actor, query)
    return PageOut.of(found, [_out(r) for r in found.items])


@router.post(
    "/import",
    response_model=ImportOut,
    status_code=201,
    responses={
        200: {"model": ImportOut, "description": "Dry run: the file is fine, nothing written"},
        422: {"model": ImportRejectedOut, "description": "Rows were rejected; nothing written"},
    },
)
async def import_users(
    actor: ApiActor,
    session: DbSession,
    file: UploadFile = File(description="CSV, UTF-8, one row per token; see the columns above"),
    dry_run: bool = Query(False, description="Check only; write nothing"),
) -> Response:
    """Import users with tokens from CSV; any rejected row (422) means nothing is written.

    Columns: first_name, last_name (required), email, user_group, active, token_id,
    token_name, token_active, valid_from, valid_to, charging_groups, charging_stations.
    Rows sharing an e-mail address are one user with several tokens; lists use "|".
    """
    report = await importer.import_users(session, actor, await file.read(), dry_run=dry_run)
    body = ImportOut(
        written=report.written,
        users=report.users,
        tokens=report.tokens,
        errors=[
            RowErrorOut(line=e.line, column=e.column, message=e.message) for e in report.errors
        ],
    )
    if report.errors:
        rejected = ImportRejectedOut(error="rows_rejected", message=REJECTED, **body.model_dump())
        return JSONResponse(rejected.model_dump(), status_code=422)
    return JSONResponse(body.model_dump(), status_code=201 if report.written else 200)


@router.get("/{user_id}")
async def get_user(user_id: int, actor: ApiActor, session: DbSession) -> UserDetailOut:
    return _detail(await service.get_user(session, actor, user_id))


@router.post("", status_code=201)
async def create_user(body: UserCreate, actor: ApiActor, session: DbSession) -> UserDetailOut:
    data = UserInput(
        first_name=body.first_name,
        last_name=body.last_name,
        email=body.email,
        user_group_id=body.user_group_id,
        active=body.active,
        group_ids=body.group_ids,
        station_ids=body.station_ids,
        tokens=[_token_in(t) for t in body.tokens],
    )
    user = await service.create_user(session, actor, data)
    return _detail(await service.get_user(session, actor, user.id))


@router.patch("/{user_id}")
async def update_user(
    user_id: int, body: UserUpdate, actor: ApiActor, session: DbSession
) -> UserDetailOut:
    """Change what you give; the e-mail address (once set) and token ids stay fixed."""
    current = (await service.get_user(session, actor, user_id)).user
    given = body.model_fields_set
    data = UserInput(
        first_name=current.first_name if body.first_name is None else body.first_name,
        last_name=current.last_name if body.last_name is None else body.last_name,
        email=body.email if "email" in given else current.email,
        user_group_id=body.user_group_id if "user_group_id" in given else current.user_group_id,
        active=current.active if body.active is None else body.active,
        group_ids=body.group_ids,
        station_ids=body.station_ids,
        tokens=None if body.tokens is None else [_token_in(t) for t in body.tokens],
        version=body.version,
    )
    await service.update_user(session, actor, user_id, data)
    return _detail(await service.get_user(session, actor, user_id))


@router.delete("/{user_id}", status_code=204)
async def delete_user(
    user_id: int, actor: ApiActor, session: DbSession, version: int | None = None
) -> Response:
    """Admins only; the user's tokens go with them."""
    await service.delete_user(session, actor, user_id, version)
    return Response(status_code=204)


@router.post("/{user_id}/tokens", status_code=201)
async def add_token(
    user_id: int, body: TokenIn, actor: ApiActor, session: DbSession, version: int | None = None
) -> TokenOut:
    token = await service.add_token(session, actor, user_id, _token_in(body), version)
    return _token_out(token)


@router.patch("/{user_id}/tokens/{token_id}")
async def update_token(
    user_id: int, token_id: int, body: TokenUpdate, actor: ApiActor, session: DbSession
) -> TokenOut:
    """Change a token's name, status or validity; its id is fixed."""
    found = {t.id: t for t in (await service.get_user(session, actor, user_id)).tokens}
    current = service.as_input(found[token_id]) if token_id in found else TokenInput(token_id)
    given = body.model_fields_set
    change = TokenInput(
        id=token_id,
        name=current.name if body.name is None else body.name,
        active=current.active if body.active is None else body.active,
        valid_from=body.valid_from or current.valid_from,
        valid_to=body.valid_to if "valid_to" in given else current.valid_to,
    )
    await service.update_token(session, actor, user_id, change, body.version)
    tokens = (await service.get_user(session, actor, user_id)).tokens
    return _token_out(next(t for t in tokens if t.id == token_id))


@router.delete("/{user_id}/tokens/{token_id}", status_code=204)
async def delete_token(
    user_id: int, token_id: int, actor: ApiActor, session: DbSession, version: int | None = None
) -> Response:
    """Admins only."""
    await service.delete_token(session, actor, user_id, token_id, version)
    return Response(status_code=204)
