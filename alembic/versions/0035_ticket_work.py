"""Handling time: ticket_work (seconds an agent spent working a ticket, gathered from presence)

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-08 03:30:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("started_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ticket_work_ticket_id", "ticket_work", ["ticket_id"])
    op.create_index("ix_ticket_work_user_ticket", "ticket_work", ["user_id", "ticket_id"])


def downgrade() -> None:
    op.drop_table("ticket_work")
