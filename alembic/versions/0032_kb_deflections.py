"""Deflections: kb_deflection (a customer writing a request said an article answered it and left without filing)

Revision ID: 0032
Revises: 0030
Create Date: 2026-12-07 01:10:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0032"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_deflection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("draft_key", sa.String(length=64), nullable=False),
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_article.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "article_id", "draft_key", name="uq_kb_deflection_once"),
    )
    op.create_index("ix_kb_deflection_article_id", "kb_deflection", ["article_id"])
    op.create_index("ix_kb_deflection_user_id", "kb_deflection", ["user_id"])
    op.create_index("ix_kb_deflection_created_at", "kb_deflection", ["created_at"])


def downgrade() -> None:
    op.drop_table("kb_deflection")
