"""station configuration: the keys each station last reported

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 13:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import laturi.kit.time

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "station_configuration_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=True),
        sa.Column("readonly", sa.Boolean(), nullable=False),
        sa.Column("read_at", laturi.kit.time.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reboot_requested_at", laturi.kit.time.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_station_configuration_keys_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_configuration_keys")),
        sa.UniqueConstraint(
            "station_id", "key", name=op.f("uq_station_configuration_keys_station_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("station_configuration_keys")
