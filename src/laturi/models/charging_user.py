from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from laturi.kit.time import utcnow
from laturi.models.base import Base, Timestamped

# Access rights: a right to a charging group covers every station in that group's whole
# subtree (also stations added later, since it is resolved when asked); a right to a
# station covers that station alone.
group_rights = Table(
    "charging_user_group_rights",
    Base.metadata,
    Column(
        "charging_user_id",
        ForeignKey("charging_users.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "charging_group_id",
        ForeignKey("charging_groups.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

station_rights = Table(
    "charging_user_station_rights",
    Base.metadata,
    Column(
        "charging_user_id",
        ForeignKey("charging_users.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "station_id", ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class UserGroup(Timestamped, Base):
    """A charging user group: a user belongs to one at most."""

    __tablename__ = "user_groups"
    __table_args__ = (UniqueConstraint("organization_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # lower-cased name, unique per organisation
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ChargingUser(Timestamped, Base):
    """A person who charges, identified at the station by one of their tokens."""

    __tablename__ = "charging_users"
    __table_args__ = (
        UniqueConstraint("organization_id", "email_key"),
        Index("ix_charging_users_org_name", "organization_id", "last_name", "first_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    # Lower-cased e-mail: unique per organisation (several NULLs are allowed by both databases).
    email_key: Mapped[str | None] = mapped_column(String(254))
    user_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_groups.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    # The creator's base group: who sees the user while it has no access rights yet.
    created_in_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("charging_groups.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class AuthToken(Timestamped, Base):
    """An RFID token (or other id tag) of a charging user, valid within a window."""

    __tablename__ = "auth_tokens"
    __table_args__ = (UniqueConstraint("organization_id", "id_tag_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    charging_user_id: Mapped[int] = mapped_column(
        ForeignKey("charging_users.id", ondelete="CASCADE"), index=True
    )
    id_tag: Mapped[str] = mapped_column(String(64))  # as the operator typed it
    id_tag_key: Mapped[str] = mapped_column(String(64))  # lower-cased: stations vary the case
    name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]  # None: valid infinitely
