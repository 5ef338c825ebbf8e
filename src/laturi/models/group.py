from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from laturi.models.base import Base, Timestamped


class ChargingGroup(Timestamped, Base):
    """A node of an organisation's group tree; the root has no parent."""

    __tablename__ = "charging_groups"
    __table_args__ = (Index("ix_charging_groups_org_parent", "organization_id", "parent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("charging_groups.id", ondelete="RESTRICT")
    )
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
