"""REST routes for operators (admins), my account and API tokens (every operator)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from laturi.api.schemas import PageOut, listing
from laturi.auth.dependencies import ApiActor
from laturi.http import DbSession, Mail
from laturi.kit.pagination import ListQuery
from laturi.models import ApiToken, Operator
from laturi.operators import account, service
from laturi.operators.schemas import (
    MAIL_ERROR,
    AccountOut,
    AccountUpdate,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenOut,
    OperatorInvite,
    OperatorOut,
    OperatorUpdate,
    PasswordChange,
    PasswordResetRequest,
)
from laturi.operators.service import StatusFilter

router = APIRouter(tags=["operators"])
me = APIRouter(prefix="/me", tags=["my account"])


def _out(operator: Operator, group_name: str) -> OperatorOut:
    return OperatorOut(
        id=operator.id,
        username=operator.username,
        email=operator.email,
        first_name=operator.first_name,
        last_name=operator.last_name,
        level=operator.level,
        status=operator.status,
        shown_status=service.shown_status(operator),
        activated_at=operator.activated_at,
        base_group_id=operator.base_group_id,
        base_group_name=group_name,
        time_zone=operator.time_zone,
        created_at=operator.created_at,
        version=operator.version,
    )


async def _described(session: AsyncSession, operator: Operator) -> OperatorOut:
    return _out(operator, await service.base_group_name(session, operator))


@router.get("/operators")
async def list_operators(
    actor: ApiActor,
    session: DbSession,
    status: StatusFilter | None = None,
    query: ListQuery = listing(
        search="Searched in username, names and e-mail address",
        sort="username, name, email, status or base_group",
    ),
) -> PageOut[OperatorOut]:
    """Operators whose base group is in your domain (admin operators only)."""
    found = await service.list_operators(session, actor, query, status)
    return PageOut.of(found, [_out(operator, group) for operator, group in found.items])


@router.post("/operators", status_code=201, responses=MAIL_ERROR)  # type: ignore[arg-type]
async def invite_operator(
    body: OperatorInvite, actor: ApiActor, session: DbSession, send: Mail
) -> OperatorOut:
    """Invite a new operator: they get an e-mail with a link to set their password."""
    data = service.Invitation(**body.model_dump())
    return await _described(session, await service.invite(session, actor, send, data))


@router.get("/operators/{operator_id}")
async def get_operator(operator_id: int, actor: ApiActor, session: DbSession) -> OperatorOut:
    return await _described(session, await service.get_operator(session, actor, operator_id))


@router.patch("/operators/{operator_id}")
async def update_operator(
    operator_id: int, body: OperatorUpdate, actor: ApiActor, session: DbSession
) -> OperatorOut:
    """Edit status, permission level, base group, names or e-mail address."""
    changes = service.OperatorChanges(**body.model_dump())
    operator = await service.update_operator(session, actor, operator_id, changes)
    return await _described(session, operator)


@router.delete("/operators/{operator_id}", status_code=204)
async def delete_operator(
    operator_id: int,
    actor: ApiActor,
    session: DbSession,
    version: int | None = Query(None, description="The version you read"),
) -> Response:
    """Delete an operator of your domain (never yourself)."""
    await service.delete_operator(session, actor, operator_id, version)
    return Response(status_code=204)


@router.post(
    "/operators/{operator_id}/invitation",
    status_code=202,
    responses=MAIL_ERROR,  # type: ignore[arg-type]
)
async def resend_invitation(
    operator_id: int, actor: ApiActor, session: DbSession, send: Mail
) -> OperatorOut:
    """Send the invitation again; only while the operator has not activated (else 409)."""
    operator = await service.resend_invitation(session, actor, send, operator_id)
    return await _described(session, operator)


@router.post(
    "/operators/{operator_id}/password-reset",
    status_code=202,
    responses=MAIL_ERROR,  # type: ignore[arg-type]
)
async def reset_password(
    operator_id: int, body: PasswordResetRequest, actor: ApiActor, session: DbSession, send: Mail
) -> OperatorOut:
    """Mail a password-reset link to the operator's address, which must be the one you saw."""
    operator = await service.send_password_reset(session, actor, send, operator_id, body.email)
    return await _described(session, operator)


def _account(operator: Operator) -> AccountOut:
    return AccountOut.model_validate(operator, from_attributes=True)


def _token(row: ApiToken) -> ApiTokenOut:
    return ApiTokenOut.model_validate(row, from_attributes=True)


@me.get("")
async def get_my_account(actor: ApiActor, session: DbSession) -> AccountOut:
    """Your own operator information."""
    return _account(await account.my_account(session, actor))


@me.patch("")
async def update_my_account(body: AccountUpdate, actor: ApiActor, session: DbSession) -> AccountOut:
    """Change your own names, e-mail address or time zone."""
    changes = account.AccountChanges(**body.model_dump())
    return _account(await account.update_my_account(session, actor, changes))


@me.post("/password", status_code=204)
async def change_my_password(body: PasswordChange, actor: ApiActor, session: DbSession) -> Response:
    """Change your password; your panel sessions end (API tokens keep working)."""
    await account.change_my_password(
        session,
        actor,
        current=body.current_password,
        new=body.new_password,
        confirm=body.new_password,
    )
    return Response(status_code=204)


@me.get("/api-tokens")
async def list_my_api_tokens(actor: ApiActor, session: DbSession) -> list[ApiTokenOut]:
    """Your API tokens (never their values)."""
    return [_token(row) for row in await account.api_tokens(session, actor)]


@me.post("/api-tokens", status_code=201)
async def create_my_api_token(
    body: ApiTokenCreate, actor: ApiActor, session: DbSession
) -> ApiTokenCreated:
    """A new token acting with your permissions and domain; its value is shown this once."""
    token, row = await account.create_api_token(session, actor, body.name)
    return ApiTokenCreated(**_token(row).model_dump(), token=token)


@me.delete("/api-tokens/{token_id}", status_code=204)
async def revoke_my_api_token(token_id: int, actor: ApiActor, session: DbSession) -> Response:
    """Revoke one of your tokens; it is refused (401) from now on."""
    await account.revoke_api_token(session, actor, token_id)
    return Response(status_code=204)


router.include_router(me)
