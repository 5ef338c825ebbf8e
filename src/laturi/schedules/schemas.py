"""API shapes of scheduled tasks and their runs."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class TaskIn(BaseModel):
    name: str = Field(max_length=200)
    task_type: str = Field(
        description="station_current, group_current, user_activation, "
        "user_group_activation or firmware_update"
    )
    key_id: int | None = Field(
        None, description="The station, charging group, charging user or user group"
    )
    schedule: str = Field(description="daily, weekly, monthly or once (times in UTC)")
    hour: int | None = 0
    minute: int | None = 0
    weekdays: list[int] = Field(default_factory=list, description="0 = Monday .. 6 = Sunday")
    day_of_month: int | None = Field(
        None, description="1-31; 29-31 run on the last day of shorter months"
    )
    run_at: datetime | None = Field(None, description="One shot: when, UTC")
    max_current: str | None = Field(None, description='Amperes, e.g. "6" or "16.5"')
    make_active: bool | None = None
    firmware_location: str | None = None
    firmware_retrieve_at: datetime | None = None
    active: bool = False
    version: int | None = Field(None, description="The version you read; a newer one gives 409")


class TaskOut(BaseModel):
    id: int
    name: str
    task_type: str
    task_type_label: str
    key_id: int
    key_label: str
    schedule: str
    hour: int
    minute: int
    weekdays: list[int]
    day_of_month: int | None
    run_at: datetime | None
    max_current: str | None
    make_active: bool | None
    firmware_location: str | None
    firmware_retrieve_at: datetime | None
    active: bool
    next_run_at: datetime | None
    upcoming: list[datetime] = Field(default_factory=list)
    version: int


class ActiveIn(BaseModel):
    task_ids: list[int] = Field(min_length=1)
    active: bool


class ChoiceOut(BaseModel):
    id: int
    label: str


class TargetOut(BaseModel):
    kind: str
    target_id: int
    label: str
    result: str
    detail: str
    finished_at: datetime | None


class RunOut(BaseModel):
    id: int
    task_id: int | None
    task_name: str
    status: str = Field(description='OK, "n tasks failed", "All tasks failed", Running, Missed')
    failed: bool
    due_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    late: bool
    targets: int
    failed_targets: int


class RunDetailOut(RunOut):
    results: list[TargetOut]
