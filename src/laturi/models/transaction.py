from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from laturi.models.base import Base, Timestamped

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Transaction(Timestamped, Base):
    """A charging session; its id is the OCPP transactionId the station was given."""

    __tablename__ = "transactions"
    __table_args__ = (
        Index("ix_transactions_station_started", "station_id", "started_at"),
        Index("ix_transactions_station_open", "station_id", "stopped_at"),
        # Reports and the dashboard pick sessions by when they ended (sessions/periods.py).
        Index("ix_transactions_stopped_at", "stopped_at"),
        # The sessions list, newest first, a page at a time.
        Index("ix_transactions_started_at", "started_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    connector_id: Mapped[int]
    id_tag: Mapped[str] = mapped_column(String(20))
    # The token and charging user the authorization rule matched (no foreign keys yet:
    # the charging-users tables are another migration's).
    token_id: Mapped[int | None] = mapped_column(index=True)
    charging_user_id: Mapped[int | None] = mapped_column(index=True)
    authorization_status: Mapped[str] = mapped_column(String(20))
    free_charging: Mapped[bool] = mapped_column(default=False)
    reservation_id: Mapped[int | None]
    # Wh, the station's energy register at start; None only for an unmatched stop whose
    # transaction data did not say.
    meter_start: Mapped[int | None]
    started_at: Mapped[datetime]
    meter_stop: Mapped[int | None]
    stopped_at: Mapped[datetime | None]
    stop_reason: Mapped[str | None] = mapped_column(String(20))
    stop_id_tag: Mapped[str | None] = mapped_column(String(20))
    # Closed by us at the station's next boot, with the last reading we knew.
    closed_at_reboot: Mapped[bool] = mapped_column(default=False)
    last_meter_wh: Mapped[int | None]
    last_meter_at: Mapped[datetime | None]
    # Stopped without a known start: a StopTransaction for a transaction id we never gave
    # this station, kept as a session of its own so it shows in history and reports. Its
    # start is what the stop's transaction data tells, else the stop itself. Only such a
    # row has the id the station named in that stop.
    reported_transaction_id: Mapped[int | None]
    # The charging user's name and the token's name when the session started: history
    # keeps them when the user or token is later renamed or deleted (the ids have no keys).
    charging_user_name: Mapped[str | None] = mapped_column(String(201))
    token_name: Mapped[str | None] = mapped_column(String(100))
    # An operator ended a session the station never will (a "zombie"): who and when.
    closed_by_operator_id: Mapped[int | None]
    closed_by_username: Mapped[str | None] = mapped_column(String(64))
    closed_by_operator_at: Mapped[datetime | None]

    @property
    def unmatched_stop(self) -> bool:
        return self.reported_transaction_id is not None

    @property
    def energy_wh(self) -> int | None:
        """Energy of the session: meter stop - meter start (None while either is unknown)."""
        if self.meter_stop is None or self.meter_start is None:
            return None
        return self.meter_stop - self.meter_start

    @property
    def closed_by_operator(self) -> bool:
        return self.closed_by_operator_at is not None

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None


class MeterValue(Base):
    """One sampled value a station reported: energy register, power, current, SoC..."""

    __tablename__ = "meter_values"
    __table_args__ = (
        Index("ix_meter_values_transaction", "transaction_id", "sampled_at"),
        Index("ix_meter_values_station", "station_id", "sampled_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    connector_id: Mapped[int]
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("transactions.id", ondelete="CASCADE")
    )
    sampled_at: Mapped[datetime]
    measurand: Mapped[str] = mapped_column(String(50))
    phase: Mapped[str | None] = mapped_column(String(10))
    unit: Mapped[str | None] = mapped_column(String(20))
    context: Mapped[str | None] = mapped_column(String(30))
    location: Mapped[str | None] = mapped_column(String(10))
    value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    # The value as sent when it is not a number (SignedData).
    raw: Mapped[str | None] = mapped_column(String(2000))
