"""reports: names kept on sessions, sessions closed by an operator, dashboard group choice

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("charging_user_name", sa.String(length=201), nullable=True))
        batch.add_column(sa.Column("token_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("closed_by_operator_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("closed_by_username", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("closed_by_operator_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_index("ix_transactions_stopped_at", ["stopped_at"])
        batch.create_index("ix_transactions_started_at", ["started_at", "id"])
    # Sessions recorded before this revision get the names their user and token have now.
    op.execute(
        "UPDATE transactions SET charging_user_name = (SELECT TRIM(u.first_name || ' ' || "
        "u.last_name) FROM charging_users u WHERE u.id = transactions.charging_user_id), "
        "token_name = (SELECT t.name FROM auth_tokens t WHERE t.id = transactions.token_id)"
    )
    op.create_table(
        "dashboard_groups",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_dashboard_groups_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["charging_groups.id"],
            name=op.f("fk_dashboard_groups_group_id_charging_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("operator_id", "group_id", name=op.f("pk_dashboard_groups")),
    )
    op.create_index(
        op.f("ix_dashboard_groups_group_id"), "dashboard_groups", ["group_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dashboard_groups_group_id"), table_name="dashboard_groups")
    op.drop_table("dashboard_groups")
    with op.batch_alter_table("transactions") as batch:
        batch.drop_index("ix_transactions_started_at")
        batch.drop_index("ix_transactions_stopped_at")
        for column in (
            "closed_by_operator_at",
            "closed_by_username",
            "closed_by_operator_id",
            "token_name",
            "charging_user_name",
        ):
            batch.drop_column(column)
