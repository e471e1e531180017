"""queue indexes end with (sort key, id); full-text search (SQLite FTS5 / PostgreSQL tsvector + GIN)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:00:00
"""

from alembic import op
from autocrm.core import fulltext

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# name -> (columns before, columns after)
_REBUILT = {
    "ix_ticket_assignee_status_updated": (
        ["assignee_id", "status", "updated_at"],
        ["assignee_id", "status", "updated_at", "id"],
    ),
    "ix_ticket_team_status_updated": (["team_id", "status", "updated_at"], ["team_id", "status", "updated_at", "id"]),
    "ix_ticket_priority_updated": (["priority", "updated_at"], ["priority", "updated_at", "id"]),
    "ix_ticket_requester_updated": (["requester_id", "updated_at"], ["requester_id", "updated_at", "id"]),
}


def upgrade() -> None:
    # Plain op.* (not batch): index changes need no table copy on SQLite.
    for name, (_before, after) in _REBUILT.items():
        op.drop_index(name, table_name="ticket")
        op.create_index(name, "ticket", after, unique=False)
    op.drop_index("ix_ticket_created_at", table_name="ticket")
    op.create_index("ix_ticket_created", "ticket", ["created_at", "id"], unique=False)
    # Search table/virtual table and the triggers that keep it in step; indexes existing tickets.
    fulltext.install(op.get_bind())


def downgrade() -> None:
    fulltext.uninstall(op.get_bind())
    op.drop_index("ix_ticket_created", table_name="ticket")
    op.create_index("ix_ticket_created_at", "ticket", ["created_at"], unique=False)
    for name, (before, _after) in _REBUILT.items():
        op.drop_index(name, table_name="ticket")
        op.create_index(name, "ticket", before, unique=False)
