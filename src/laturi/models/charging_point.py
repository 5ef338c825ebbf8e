from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laturi.models.base import Base, Timestamped

MAX_SOCKETS = 4


class SocketType(StrEnum):
    """Socket standards the manual's charging point page offers."""

    TYPE_1 = "Type 1"
    TYPE_2 = "Type 2"
    TYPE_3 = "Type 3"
    CHADEMO = "CHAdeMO"
    CCS = "CCS"
    SCHUKO = "Schuko"
    CEE = "CEE"
    TESLA = "Tesla"
    OTHER = "Other"


class ChargingPoint(Timestamped, Base):
    """One connector a station reports (connector id 1, 2, ...), with its live status."""

    __tablename__ = "charging_points"
    __table_args__ = (UniqueConstraint("station_id", "connector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    connector_id: Mapped[int]
    status: Mapped[str | None] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(30))
    info: Mapped[str | None] = mapped_column(String(50))
    vendor_error_code: Mapped[str | None] = mapped_column(String(50))
    # The station's own time of the status: a queued older notification does not win.
    status_at: Mapped[datetime | None]


class Socket(Base):
    """A physical socket of a charging point: information for operators only."""

    __tablename__ = "sockets"
    __table_args__ = (UniqueConstraint("charging_point_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    charging_point_id: Mapped[int] = mapped_column(
        ForeignKey("charging_points.id", ondelete="CASCADE")
    )
    position: Mapped[int]  # 1..MAX_SOCKETS
    type: Mapped[SocketType] = mapped_column(String(20))
    max_power_kw: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
