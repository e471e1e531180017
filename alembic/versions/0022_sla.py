"""SLAs: business_calendar, sla_policy and ticket_sla (each ticket's due times)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 08:40:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "business_calendar",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("weekly", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("subdivision", sa.String(length=10), nullable=True),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "sla_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=True),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["calendar_id"], ["business_calendar.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ticket_sla",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("first_response_due_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_response_due_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution_due_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_due_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("breaches", sa.JSON(), nullable=False),
        sa.Column("updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["policy_id"], ["sla_policy.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index("ix_ticket_sla_next_due", "ticket_sla", ["next_due_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_sla_next_due", table_name="ticket_sla")
    op.drop_table("ticket_sla")
    op.drop_table("sla_policy")
    op.drop_table("business_calendar")
