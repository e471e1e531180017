"""Tutorials: kb_article.kind and .steps, kb_media (step images and videos), kb_article_media (which articles
show them), kb_tutorial_progress (a signed-in reader's place)

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-08 03:20:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_article") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="article"))
        batch.add_column(sa.Column("steps", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "kb_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "kb_article_media",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_article.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["media_id"], ["kb_media.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "media_id"),
    )
    op.create_index("ix_kb_article_media_media_id", "kb_article_media", ["media_id"])
    op.create_table(
        "kb_tutorial_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["article_id"], ["kb_article.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "article_id", name="uq_kb_tutorial_progress"),
    )
    op.create_index("ix_kb_tutorial_progress_user_id", "kb_tutorial_progress", ["user_id"])
    op.create_index("ix_kb_tutorial_progress_article_id", "kb_tutorial_progress", ["article_id"])


def downgrade() -> None:
    op.drop_table("kb_tutorial_progress")
    op.drop_table("kb_article_media")
    op.drop_table("kb_media")
    with op.batch_alter_table("kb_article") as batch:
        batch.drop_column("steps")
        batch.drop_column("kind")
