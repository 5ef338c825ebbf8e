"""API shapes of charging user groups."""

from __future__ import annotations

from pydantic import BaseModel, Field


class UserGroupOut(BaseModel):
    id: int
    name: str
    members: int = Field(description="The members you see")
    version: int


class MemberRef(BaseModel):
    id: int
    first_name: str
    last_name: str


class UserGroupDetailOut(UserGroupOut):
    member_list: list[MemberRef] = Field(description="The members you see")


class UserGroupCreate(BaseModel):
    name: str = Field(max_length=200)
    member_ids: list[int] = Field([], description="They move out of their previous groups")


class UserGroupUpdate(BaseModel):
    name: str | None = Field(None, max_length=200)
    member_ids: list[int] | None = Field(
        None, description="The members you see; members beyond your domain stay"
    )
    version: int | None = Field(None, description="The version you read; a newer one gives 409")
