"""Dashboards: indexes on ticket.solved_at and ticket.first_response_at (the periods' range scans)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-08 00:00:00
"""

from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ticket_solved", "ticket", ["solved_at"])
    op.create_index("ix_ticket_first_response", "ticket", ["first_response_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_first_response", table_name="ticket")
    op.drop_index("ix_ticket_solved", table_name="ticket")
