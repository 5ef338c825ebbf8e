from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from laturi.models.base import Base


class DashboardGroup(Base):
    """A charging group an operator chose to display on the dashboard ("Select groups")."""

    __tablename__ = "dashboard_groups"

    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("charging_groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )
