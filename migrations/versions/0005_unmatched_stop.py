"""transactions: a StopTransaction for an unknown transaction becomes a transaction row

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reported_transaction_id", sa.Integer(), nullable=True))
        batch_op.alter_column("meter_start", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # The old schema cannot say "unknown": such a session keeps its row with no energy.
    op.execute("UPDATE transactions SET meter_start = meter_stop WHERE meter_start IS NULL")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.alter_column("meter_start", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("reported_transaction_id")
