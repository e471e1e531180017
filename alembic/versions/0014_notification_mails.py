"""Notification mails: the outbound_mail record (one per event and kind) and user_account.email_notifications

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 15:00:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "user_account", sa.Column("email_notifications", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("conversation_message_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("sent_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_message_id"], ["message.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recipient_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "kind", name="uq_outbound_mail_event_kind"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_outbound_mail_ticket_id", "outbound_mail", ["ticket_id"])
    op.create_index("ix_outbound_mail_recipient_id", "outbound_mail", ["recipient_id"])


def downgrade() -> None:
    op.drop_index("ix_outbound_mail_recipient_id", table_name="outbound_mail")
    op.drop_index("ix_outbound_mail_ticket_id", table_name="outbound_mail")
    op.drop_table("outbound_mail")
    # No batch: on SQLite a batch rebuilds user_account and drops the full-text triggers kept on it.
    op.drop_column("user_account", "email_notifications")
