"""API shapes of charging users, their tokens and the CSV import report."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from laturi.api.schemas import ErrorOut

TAG_DOC = "The RFID UID as the station reports it; unique in the organisation regardless of case"


class TokenOut(BaseModel):
    id: int
    id_tag: str = Field(description=TAG_DOC)
    name: str
    active: bool
    valid_from: AwareDatetime
    valid_to: AwareDatetime | None = Field(description="None: valid infinitely")


class TokenIn(BaseModel):
    id: int | None = Field(None, description="An existing token's id; omit for a new token")
    id_tag: str = Field("", description=TAG_DOC + "; at most 20 characters; fixed once created")
    name: str = Field("", max_length=100)
    active: bool = True
    valid_from: AwareDatetime | None = Field(None, description="Default: now (new tokens)")
    valid_to: AwareDatetime | None = Field(None, description="None: valid infinitely")


class TokenUpdate(BaseModel):
    name: str | None = Field(None, max_length=100)
    active: bool | None = None
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = Field(None, description="Give null for valid infinitely")
    version: int | None = Field(None, description="The user's version you read")


class GroupRef(BaseModel):
    id: int
    name: str


class StationRef(BaseModel):
    id: int
    name: str
    identifier: str


class UserOut(BaseModel):
    id: int
    first_name: str
    last_name: str
    email: str | None
    user_group_id: int | None
    user_group: str | None
    active: bool
    token_count: int
    version: int


class UserDetailOut(UserOut):
    tokens: list[TokenOut]
    charging_groups: list[GroupRef] = Field(description="Access rights: groups (whole subtrees)")
    charging_stations: list[StationRef] = Field(description="Access rights: single stations")
    rights_outside_domain: int = Field(
        description="Access rights beyond your domain, which your edits keep as they are"
    )


class UserCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "first_name": "Donald",
                    "last_name": "Duck",
                    "email": "dduck@duckburg.com",
                    "group_ids": [2],
                    "tokens": [{"id_tag": "04A1B2C3", "name": "Workplace token"}],
                }
            ]
        }
    )

    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str | None = Field(
        None, description="Optional; unique in the organisation; fixed once set"
    )
    user_group_id: int | None = None
    active: bool = True
    group_ids: list[int] = Field([], description="Charging groups of your domain")
    station_ids: list[int] = Field([], description="Charging stations of your domain")
    tokens: list[TokenIn] = []


class UserUpdate(BaseModel):
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, description="Only while the user has none")
    user_group_id: int | None = Field(None, description="Give null to leave the user group")
    active: bool | None = None
    group_ids: list[int] | None = Field(None, description="Replaces the rights within your domain")
    station_ids: list[int] | None = Field(
        None, description="Replaces the rights within your domain"
    )
    tokens: list[TokenIn] | None = Field(
        None, description="The full list: tokens left out are deleted (admins only)"
    )
    version: int | None = Field(None, description="The version you read; a newer one gives 409")


class RowErrorOut(BaseModel):
    line: int = Field(description="Line in the file; the header is line 1")
    column: str | None
    message: str


class ImportOut(BaseModel):
    written: bool = Field(description="False when any row was rejected or on a dry run")
    users: int
    tokens: int
    errors: list[RowErrorOut]


class ImportRejectedOut(ErrorOut):
    """422: rows were rejected (`errors` lists them), or the request itself was invalid."""

    written: bool = False
    users: int = 0
    tokens: int = 0
    errors: list[RowErrorOut] = Field([], description="Each rejected row's line and reason")
