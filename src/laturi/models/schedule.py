"""Scheduled tasks, their runs with one result per target, the limit in force per station,
and the scheduler's own system jobs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laturi.kit.time import utcnow
from laturi.models.base import Base, Timestamped


class ScheduledTask(Timestamped, Base):
    """What to do (type, key, value) and when (a Daily/Weekly/Monthly/One shot rule, UTC)."""

    __tablename__ = "scheduled_tasks"
    __table_args__ = (Index("ix_scheduled_tasks_due", "active", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # The base group of the operator who created it: who sees the task, and the domain the
    # task acts in when it runs (so a task never reaches past its maker's domain).
    scope_group_id: Mapped[int] = mapped_column(
        ForeignKey("charging_groups.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))
    task_type: Mapped[str] = mapped_column(String(32))
    # The KEY: a station, charging group, charging user or user group id, by task_type.
    key_id: Mapped[int]
    max_current: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    make_active: Mapped[bool | None]
    firmware_location: Mapped[str | None] = mapped_column(String(500))
    firmware_retrieve_at: Mapped[datetime | None]
    schedule: Mapped[str] = mapped_column(String(16))
    hour: Mapped[int] = mapped_column(default=0)
    minute: Mapped[int] = mapped_column(default=0)
    weekdays: Mapped[str] = mapped_column(String(20), default="")  # "0,4": Monday, Friday
    day_of_month: Mapped[int | None]
    run_at: Mapped[datetime | None]  # One shot
    active: Mapped[bool] = mapped_column(default=False)
    next_run_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class TaskRun(Base):
    """One execution of a task at one due time; unique per (task, due time): exactly once."""

    __tablename__ = "task_runs"
    __table_args__ = (
        UniqueConstraint("task_id", "due_at"),
        Index("ix_task_runs_org_due", "organization_id", "due_at"),
        Index("ix_task_runs_state_beat", "state", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("scheduled_tasks.id", ondelete="SET NULL")
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    scope_group_id: Mapped[int] = mapped_column(
        ForeignKey("charging_groups.id", ondelete="CASCADE")
    )
    task_name: Mapped[str] = mapped_column(String(200))
    task_type: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(16))  # running, done, missed
    late: Mapped[bool] = mapped_column(default=False)
    node: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[datetime | None]
    targets: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)


class RunTarget(Base):
    """One station or charging user a run reached, and what came of it."""

    __tablename__ = "task_run_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("task_runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # station, user
    target_id: Mapped[int]
    label: Mapped[str] = mapped_column(String(200))
    # pending, sending, accepted, rejected, offline, timed_out, failed
    result: Mapped[str] = mapped_column(String(16), default="pending")
    detail: Mapped[str] = mapped_column(String(500), default="")
    finished_at: Mapped[datetime | None]


class StationLimit(Base):
    """The max current a scheduled task last set on a station and the station accepted."""

    __tablename__ = "station_limits"

    station_id: Mapped[int] = mapped_column(
        ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True
    )
    amperes: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("scheduled_tasks.id", ondelete="SET NULL")
    )
    task_name: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime]
    # Last sent to the station: a boot or reconnection after it gets the limit again.
    applied_at: Mapped[datetime]


class SystemJob(Base):
    """A job of the installation (the message-log purge): claimed like a task, once per period."""

    __tablename__ = "system_jobs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None]
    last_node: Mapped[str | None] = mapped_column(String(64))
