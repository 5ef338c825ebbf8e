from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laturi.models.base import Base


class StationConfigurationKey(Base):
    """A configuration key as the station last reported it (GetConfiguration) or accepted it
    (ChangeConfiguration), so the advanced settings read without asking the station again.
    """

    __tablename__ = "station_configuration_keys"
    __table_args__ = (UniqueConstraint("station_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(50))  # OCPP 1.6 CiString50
    value: Mapped[str | None] = mapped_column(String(500))  # CiString500; None: not given
    readonly: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime]  # when the station last reported or accepted this value
    # Set when a change was answered RebootRequired: the value takes effect at the next boot.
    reboot_requested_at: Mapped[datetime | None]
