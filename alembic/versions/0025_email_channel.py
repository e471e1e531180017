"""E-mail channel: email_mailbox (IMAP mailboxes, password sealed) and inbound_mail (every message received)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 14:30:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_mailbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=254), nullable=False),
        sa.Column("password_sealed", sa.Text(), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("processed_folder", sa.String(length=200), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_polled_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=500), nullable=False),
        sa.Column("last_ok", sa.Boolean(), nullable=True),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "inbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("dedupe_key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column("sender", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=250), nullable=False),
        sa.Column("raw_key", sa.String(length=255), nullable=False),
        sa.Column("raw_size", sa.Integer(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("conversation_message_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mailbox_id"], ["email_mailbox.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["conversation_message_id"], ["message.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_inbound_mail_message_id", "inbound_mail", ["message_id"])
    op.create_index("ix_inbound_mail_ticket_id", "inbound_mail", ["ticket_id"])
    op.create_index("ix_inbound_mail_status_received", "inbound_mail", ["status", "received_at"])
    op.create_index("ix_inbound_mail_sender_received", "inbound_mail", ["sender", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_mail_sender_received", table_name="inbound_mail")
    op.drop_index("ix_inbound_mail_status_received", table_name="inbound_mail")
    op.drop_index("ix_inbound_mail_ticket_id", table_name="inbound_mail")
    op.drop_index("ix_inbound_mail_message_id", table_name="inbound_mail")
    op.drop_table("inbound_mail")
    op.drop_table("email_mailbox")
