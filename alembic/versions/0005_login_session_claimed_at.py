"""login_session.claimed_at: sign-ins are completed by a server route that sets an HttpOnly cookie

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 17:50:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True))
    # Sessions from before this migration were complete when they were made.
    op.execute("UPDATE login_session SET claimed_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
