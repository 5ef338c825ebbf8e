from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from laturi.kit.time import utcnow
from laturi.models.base import Base


class LocalList(Base):
    """The local authorization list a station holds: the version it last accepted from us."""

    __tablename__ = "local_lists"

    station_id: Mapped[int] = mapped_column(
        ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int]
    # False once the station reported another version than ours: its content is unknown,
    # so only a full update may follow.
    known: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LocalListEntry(Base):
    """One id tag of a station's local list, as the station accepted it."""

    __tablename__ = "local_list_entries"

    station_id: Mapped[int] = mapped_column(
        ForeignKey("local_lists.station_id", ondelete="CASCADE"), primary_key=True
    )
    id_tag: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime | None]
