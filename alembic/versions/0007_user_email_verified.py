"""user_account.email_verified_at: whether the account's owner proved the address is theirs

Accounts that exist before this revision predate verification; they are taken as verified (from their
creation time) so that nobody already signed in loses their tickets.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:45:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "user_account", sa.Column("email_verified_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True)
    )
    op.execute("UPDATE user_account SET email_verified_at = created_at")


def downgrade() -> None:
    # No batch: on SQLite a batch rebuilds the table and drops the people-search triggers kept on it.
    op.drop_column("user_account", "email_verified_at")
