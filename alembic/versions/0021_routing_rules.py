"""Routing rules as data: routing_rule (ordered, conditions and actions as JSON)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 08:20:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("continue_after", sa.Boolean(), nullable=False),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_routing_rule_position", "routing_rule", ["position"])


def downgrade() -> None:
    op.drop_index("ix_routing_rule_position", table_name="routing_rule")
    op.drop_table("routing_rule")
