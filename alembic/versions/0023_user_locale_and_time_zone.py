"""user_account.locale and time_zone: the language and the zone a person reads the desk in

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 14:30:00
"""

import sqlalchemy as sa

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Both empty by default: the browser's Accept-Language and the desk's default apply until the person chooses.
    op.add_column("user_account", sa.Column("locale", sa.String(length=8), nullable=True))
    op.add_column("user_account", sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # No batch: on SQLite a batch rebuilds user_account and drops the full-text triggers kept on it.
    op.drop_column("user_account", "time_zone")
    op.drop_column("user_account", "locale")
