"""ticket.follow_up_of_id: a ticket may continue an earlier one (a closed ticket takes no more replies)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:30:00
"""

import sqlalchemy as sa

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its REFERENCES clause in place; a batch would rebuild the ticket table,
        # and with it drop the full-text triggers that autocrm.core.fulltext keeps on it.
        op.execute("ALTER TABLE ticket ADD COLUMN follow_up_of_id INTEGER REFERENCES ticket (id)")
    else:
        op.add_column("ticket", sa.Column("follow_up_of_id", sa.Integer(), nullable=True))
        op.create_foreign_key("ticket_follow_up_of_id_fkey", "ticket", "ticket", ["follow_up_of_id"], ["id"])
    op.create_index("ix_ticket_follow_up_of_id", "ticket", ["follow_up_of_id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_follow_up_of_id", table_name="ticket")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE ticket DROP COLUMN follow_up_of_id")
    else:
        op.drop_constraint("ticket_follow_up_of_id_fkey", "ticket", type_="foreignkey")
        op.drop_column("ticket", "follow_up_of_id")
