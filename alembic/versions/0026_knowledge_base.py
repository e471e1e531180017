"""Knowledge base: kb_category, kb_article (translations linked by group), kb_article_version, kb_chunk (the
passages search reads, with their keyword index and vectors), kb_index_state, kb_feedback; user_account.kb_editor

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 14:20:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op
from autocrm.core import kb_fulltext

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_NOW = autocrm.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("user_account", sa.Column("kb_editor", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "kb_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slug", sa.String(length=140), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["kb_category.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_index("ix_kb_category_parent_id", "kb_category", ["parent_id"])
    op.create_table(
        "kb_article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=220), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("updated_at", _NOW, nullable=False),
        sa.Column("published_at", _NOW, nullable=True),
        sa.Column("views", sa.Integer(), server_default="0", nullable=False),
        sa.Column("helpful_yes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("helpful_no", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["category_id"], ["kb_category.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "locale", name="uq_kb_article_group_locale"),
    )
    op.create_index("ix_kb_article_group_id", "kb_article", ["group_id"])
    op.create_index("ix_kb_article_slug", "kb_article", ["slug"])
    op.create_index("ix_kb_article_category_id", "kb_article", ["category_id"])
    op.create_index("ix_kb_article_status", "kb_article", ["status"])
    op.create_table(
        "kb_article_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_article.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "number", name="uq_kb_article_version_number"),
    )
    op.create_index("ix_kb_article_version_article_id", "kb_article_version", ["article_id"])
    op.create_table(
        "kb_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("heading", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ts_config", sa.String(length=32), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["kb_article.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_kb_chunk_article_id", "kb_chunk", ["article_id"])
    op.create_index("ix_kb_chunk_group_id", "kb_chunk", ["group_id"])
    op.create_table(
        "kb_index_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("index_key", sa.String(length=32), nullable=False),
        sa.Column("generation", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "kb_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(length=2000), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_article.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kb_feedback_article_id", "kb_feedback", ["article_id"])
    kb_fulltext.install(op.get_bind())


def downgrade() -> None:
    kb_fulltext.uninstall(op.get_bind())
    op.drop_table("kb_feedback")
    op.drop_table("kb_index_state")
    op.drop_table("kb_chunk")
    op.drop_table("kb_article_version")
    op.drop_table("kb_article")
    op.drop_table("kb_category")
    op.drop_column("user_account", "kb_editor")
