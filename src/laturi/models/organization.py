from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from laturi.models.base import Base, Timestamped


class Organization(Timestamped, Base):
    """An isolated tenant: its groups, stations, operators and users are invisible to others."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The path segment in /ocpp/{slug}/{identifier}: it tells the tenant at the handshake.
    slug: Mapped[str] = mapped_column(String(63), unique=True)
