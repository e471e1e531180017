"""api_key.expires_at; login_session.user_agent and last_seen_at: keys that expire, sessions people can tell apart

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_key", sa.Column("expires_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True))
    op.add_column(
        "login_session",
        sa.Column("user_agent", sa.String(length=512), nullable=False, server_default=""),
    )
    op.add_column(
        "login_session", sa.Column("last_seen_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    # Plain drops, no batch: SQLite (3.35+) drops a column in place, and these tables carry no triggers.
    op.drop_column("login_session", "last_seen_at")
    op.drop_column("login_session", "user_agent")
    op.drop_column("api_key", "expires_at")
