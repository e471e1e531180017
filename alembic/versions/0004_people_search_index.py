"""PostgreSQL: trigram indexes for the staff search's match on part of a requester's name or e-mail

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 17:40:00
"""

from alembic import op
from autocrm.core import fulltext

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Idempotent: creates pg_trgm (when the server has it) and the people indexes; SQLite has nothing to do.
    fulltext.install(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in fulltext.PEOPLE_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
