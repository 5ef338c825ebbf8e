from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from laturi.models.base import Base, Timestamped


class Station(Timestamped, Base):
    """A charging station; without a group it is an orphan, once deleted for good it is gone.

    The live columns (boot, heartbeat, connection, station-wide status) are written by the
    OCPP edge with plain UPDATE statements, so they never bump `version`: an operator editing
    the station is not told someone else changed it because the station sent a heartbeat.
    """

    __tablename__ = "stations"
    __table_args__ = (
        # The identifier is unique among the organisation's stations that are not deleted
        # for good: deleting an orphan frees it.
        Index(
            "uq_stations_live_identifier",
            "organization_id",
            "identifier",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_stations_identifier", "identifier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("charging_groups.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(64))
    # Security profile 1: HTTP Basic auth with this password (argon2 hash); None = no auth.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    free_charging: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None]
    # What the station told us at its last boot.
    vendor: Mapped[str | None] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(20))
    serial_number: Mapped[str | None] = mapped_column(String(25))
    firmware_version: Mapped[str | None] = mapped_column(String(50))
    iccid: Mapped[str | None] = mapped_column(String(20))
    imsi: Mapped[str | None] = mapped_column(String(20))
    meter_type: Mapped[str | None] = mapped_column(String(25))
    meter_serial_number: Mapped[str | None] = mapped_column(String(25))
    last_boot_at: Mapped[datetime | None]
    last_heartbeat_at: Mapped[datetime | None]
    connected: Mapped[bool] = mapped_column(default=False)
    connected_at: Mapped[datetime | None]
    disconnected_at: Mapped[datetime | None]
    # Status of connector 0, the station as a whole.
    status: Mapped[str | None] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(30))
    status_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_orphan(self) -> bool:
        return self.group_id is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class UnknownStationAttempt(Base):
    """A device that knocked at /ocpp/{identifier} with an identifier we do not know (or deleted).

    One row per identifier (per organisation when the identifier was a deleted station of it),
    counting attempts, so a device retrying every minute does not fill the table.
    """

    __tablename__ = "unknown_station_attempts"
    __table_args__ = (Index("ix_unknown_station_attempts_identifier", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    reason: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=1)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
