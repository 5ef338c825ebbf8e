"""invoices: the organisation's settings, generation runs, invoices, billed sessions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:43:30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import laturi.kit.time

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_settings",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("recipient_bic", sa.String(length=11), nullable=False),
        sa.Column("recipient_iban", sa.String(length=34), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_address_1", sa.String(length=200), nullable=False),
        sa.Column("recipient_address_2", sa.String(length=200), nullable=False),
        sa.Column("business_id", sa.String(length=20), nullable=False),
        sa.Column("telephone", sa.String(length=40), nullable=False),
        sa.Column("www", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("logo_url", sa.String(length=500), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("ref_nr_start", sa.BigInteger(), nullable=False),
        sa.Column("ref_nr_next", sa.BigInteger(), nullable=False),
        sa.Column("kwh_price", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("monthly_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("invoice_period", sa.Integer(), nullable=False),
        sa.Column("cutoff_day", sa.Integer(), nullable=False),
        sa.Column("payment_terms", sa.Integer(), nullable=False),
        sa.Column("vat", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("penalty_interest", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("email_content", sa.Text(), nullable=False),
        sa.Column("updated_at", laturi.kit.time.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", laturi.kit.time.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invoice_settings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_invoice_settings")),
    )
    op.create_table(
        "invoice_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("base_group_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=False),
        sa.Column("period_last", sa.Date(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("kwh_price", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("monthly_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("user_ids", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("heartbeat_at", laturi.kit.time.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", laturi.kit.time.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", laturi.kit.time.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", laturi.kit.time.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["base_group_id"],
            ["charging_groups.id"],
            name=op.f("fk_invoice_runs_base_group_id_charging_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_invoice_runs_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invoice_runs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_runs")),
    )
    with op.batch_alter_table("invoice_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_runs_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index("ix_invoice_runs_status", ["status", "heartbeat_at"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("base_group_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("charging_user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=201), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=False),
        sa.Column("period_last", sa.Date(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("payment_terms", sa.Integer(), nullable=False),
        sa.Column("penalty_interest", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("vat_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("kwh", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("kwh_price", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("energy_total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("energy_vat", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("monthly_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("monthly_total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("monthly_vat", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("net", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("vat", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("already_billed", sa.Integer(), nullable=False),
        sa.Column("payee", sa.JSON(), nullable=False),
        sa.Column("virtual_barcode", sa.String(length=54), nullable=False),
        sa.Column("search_text", sa.String(length=1000), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("send_error", sa.String(length=300), nullable=True),
        sa.Column("sent_at", laturi.kit.time.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paid_at", laturi.kit.time.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", laturi.kit.time.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["base_group_id"],
            ["charging_groups.id"],
            name=op.f("fk_invoices_base_group_id_charging_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["charging_user_id"],
            ["charging_users.id"],
            name=op.f("fk_invoices_charging_user_id_charging_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invoices_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["invoice_runs.id"],
            name=op.f("fk_invoices_run_id_invoice_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint(
            "organization_id", "reference", name=op.f("uq_invoices_organization_id")
        ),
        sa.UniqueConstraint("run_id", "charging_user_id", name=op.f("uq_invoices_run_id")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoices_base_group_id"), ["base_group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invoices_charging_user_id"), ["charging_user_id"], unique=False
        )
        batch_op.create_index(
            "ix_invoices_org_status", ["organization_id", "status", "due_date"], unique=False
        )

    op.create_table(
        "invoice_sessions",
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_sessions_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_invoice_sessions_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("transaction_id", name=op.f("pk_invoice_sessions")),
    )
    with op.batch_alter_table("invoice_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_sessions_invoice_id"), ["invoice_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("invoice_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_sessions_invoice_id"))

    op.drop_table("invoice_sessions")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_org_status")
        batch_op.drop_index(batch_op.f("ix_invoices_charging_user_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_base_group_id"))

    op.drop_table("invoices")
    with op.batch_alter_table("invoice_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_runs_status")
        batch_op.drop_index(batch_op.f("ix_invoice_runs_organization_id"))

    op.drop_table("invoice_runs")
    op.drop_table("invoice_settings")
