"""Triage from resolved tickets: ticket_vector (a solved or closed ticket's sentence vector)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 01:00:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_vector",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index("ix_ticket_vector_updated_at", "ticket_vector", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_vector_updated_at", table_name="ticket_vector")
    op.drop_table("ticket_vector")
