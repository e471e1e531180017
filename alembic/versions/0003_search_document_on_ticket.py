"""PostgreSQL search: one weighted tsvector column on ticket instead of the per-part ticket_search table

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 16:30:00
"""

from alembic import op
from autocrm.core import fulltext

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Drops 0002's ticket_search table and triggers, adds ticket.search_doc, fills it from the tickets and
    # messages already there, then builds its GIN index. SQLite's FTS5 objects are left as they are.
    fulltext.install(op.get_bind())


def downgrade() -> None:
    # 0002 searches with whatever fulltext.install makes today; nothing to undo at this step.
    pass
