"""API shapes of operators, my account and API tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from laturi.api.schemas import ErrorOut
from laturi.models.operator import Level, OperatorStatus

VERSION_HELP = "The version you read; if the record changed since, the answer is 409"

MAIL_ERROR = {
    502: {
        "model": ErrorOut,
        "description": "Problem with email address. (the mail could not be sent; nothing saved)",
    }
}


class OperatorOut(BaseModel):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    level: Level
    status: OperatorStatus
    shown_status: str = Field(description="As the panel shows it: Active, Inactive, Not activated")
    activated_at: datetime | None = Field(description="When the operator first set a password")
    base_group_id: int
    base_group_name: str
    time_zone: str
    created_at: datetime
    version: int


class OperatorInvite(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ann@acme.example",
                    "email_confirm": "ann@acme.example",
                    "username": "ann",
                    "first_name": "Ann",
                    "level": "basic",
                    "base_group_id": 2,
                }
            ]
        }
    )

    email: str = Field(max_length=254)
    email_confirm: str = Field(max_length=254, description="The same address again")
    username: str = Field(max_length=64, description="3-64 letters, digits, '.', '_' or '-'")
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    level: Level = Field(description="admin: all permissions; basic: limited permissions")
    base_group_id: int | None = Field(
        None, description="A group of your domain; defaults to your own base group"
    )


class OperatorUpdate(BaseModel):
    """Fields left out stay as they are."""

    email: str | None = Field(None, max_length=254)
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    status: OperatorStatus | None = Field(None, description="An inactive operator cannot log in")
    level: Level | None = None
    base_group_id: int | None = Field(None, description="A group of your domain")
    version: int | None = Field(None, description=VERSION_HELP)


class PasswordResetRequest(BaseModel):
    email: str = Field(
        description="The address you saw; if it has changed meanwhile, the answer is 409"
    )


class AccountOut(BaseModel):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    level: Level
    base_group_id: int
    time_zone: str
    version: int


class AccountUpdate(BaseModel):
    """Fields left out stay as they are."""

    email: str | None = Field(None, max_length=254)
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    time_zone: str | None = Field(None, description="An IANA name such as Europe/Helsinki")
    version: int | None = Field(None, description=VERSION_HELP)


class PasswordChange(BaseModel):
    current_password: str
    new_password: str = Field(
        description="At least 10 characters with three of: lower-case, upper-case, digits, "
        "other characters; not containing the username"
    )


class ApiTokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it by")
    created_at: datetime
    last_used_at: datetime | None


class ApiTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="The token itself: shown this once, never again")
