"""organisation slug: the tenant's segment in /ocpp/{slug}/{identifier}

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from slugify import slugify

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("slug", sa.String(length=63), nullable=True))
    organizations = sa.table(
        "organizations", sa.column("id", sa.Integer), sa.column("name"), sa.column("slug")
    )
    connection = op.get_bind()
    taken: set[str] = set()
    for id_, name in connection.execute(sa.select(organizations.c.id, organizations.c.name)):
        # Existing organisations get the slug a new one with that name would get.
        base = slugify(name, max_length=55) or "organisation"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        connection.execute(
            organizations.update().where(organizations.c.id == id_).values(slug=slug)
        )
    with op.batch_alter_table("organizations") as batch:
        batch.alter_column("slug", existing_type=sa.String(length=63), nullable=False)
        batch.create_unique_constraint(batch.f("uq_organizations_slug"), ["slug"])


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.drop_constraint(batch.f("uq_organizations_slug"), type_="unique")
        batch.drop_column("slug")
