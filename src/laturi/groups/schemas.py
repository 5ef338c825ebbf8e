"""API shapes of charging groups."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class GroupOut(BaseModel):
    id: int
    name: str
    parent_id: int | None
    parent_name: str | None
    station_count: int = Field(description="Stations in the group and all its subgroups")
    version: int


class StationRef(BaseModel):
    id: int
    name: str
    identifier: str


class GroupDetailOut(GroupOut):
    stations: list[StationRef] = Field(description="Stations directly in this group")


class GroupCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "ACME Pine Mall", "parent_id": 1}]}
    )

    name: str = Field(max_length=200)
    parent_id: int | None = Field(
        None, description="Defaults to your base group; required for basic operators"
    )
    station_ids: list[int] | None = None


class GroupUpdate(BaseModel):
    name: str | None = Field(None, max_length=200)
    parent_id: int | None = None
    station_ids: list[int] | None = Field(
        None, description="The group's own stations; removed ones become orphans"
    )
    version: int | None = Field(None, description="The version you read; a newer one gives 409")
