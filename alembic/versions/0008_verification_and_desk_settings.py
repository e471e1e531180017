"""e-mail verification links, tickets held for an unverified requester, and desk settings kept as data

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_email_verification_user_id", "email_verification", ["user_id"])
    op.create_table(
        "ticket_verification_hold",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index("ix_ticket_verification_hold_user_id", "ticket_verification_hold", ["user_id"])
    op.create_table(
        "desk_setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("desk_setting")
    op.drop_index("ix_ticket_verification_hold_user_id", table_name="ticket_verification_hold")
    op.drop_table("ticket_verification_hold")
    op.drop_index("ix_email_verification_user_id", table_name="email_verification")
    op.drop_table("email_verification")
