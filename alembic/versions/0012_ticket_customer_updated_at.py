"""ticket.customer_updated_at: the last change the requester can see, so internal notes stay internal

Existing tickets take their `updated_at`: the best that is known of them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "ticket", sa.Column("customer_updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True)
    )
    op.execute("UPDATE ticket SET customer_updated_at = updated_at")


def downgrade() -> None:
    # No batch: on SQLite a batch rebuilds the ticket table and drops the full-text triggers kept on it.
    op.drop_column("ticket", "customer_updated_at")
