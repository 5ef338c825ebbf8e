from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from laturi.kit.time import utcnow
from laturi.models.base import Base
from laturi.models.transaction import BigId


class EventKind(StrEnum):
    STATUS = "status"
    BOOT = "boot"
    CONNECT = "connect"
    DISCONNECT = "disconnect"
    AUTH_FAILED = "auth_failed"
    FIRMWARE = "firmware"
    DIAGNOSTICS = "diagnostics"
    DATA_TRANSFER = "data_transfer"
    UNKNOWN_STOP = "unknown_stop"
    REBOOT_CLOSE = "reboot_close"
    OPERATOR_CLOSE = "operator_close"
    COMMAND = "command"


class StationEvent(Base):
    """One line of a station's event feed: what it reported, or what happened to it."""

    __tablename__ = "station_events"
    __table_args__ = (Index("ix_station_events_station_at", "station_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(String(20))
    connector_id: Mapped[int | None]  # 0 = the whole station
    status: Mapped[str | None] = mapped_column(String(30))
    error_code: Mapped[str | None] = mapped_column(String(30))
    info: Mapped[str | None] = mapped_column(String(500))
    vendor_id: Mapped[str | None] = mapped_column(String(255))
    vendor_error_code: Mapped[str | None] = mapped_column(String(50))
    # The station's time of the event when it gave one, else when we received it.
    at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Direction(StrEnum):
    IN = "in"  # station -> central system
    OUT = "out"  # central system -> station


class OcppMessage(Base):
    """A raw OCPP-J frame each way, kept for a configurable number of days."""

    __tablename__ = "ocpp_messages"
    __table_args__ = (
        Index("ix_ocpp_messages_station_at", "station_id", "at"),
        Index("ix_ocpp_messages_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(String(3))
    message_type: Mapped[int | None]  # 2 call, 3 result, 4 error; None when unparseable
    unique_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(50))
    payload: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
