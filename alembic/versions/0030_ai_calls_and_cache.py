"""AI: ai_call (every LLM request's feature, model, tokens, latency and outcome) and ai_cache (outputs by inputs)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 01:30:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_TIME = autocrm.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ai_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feature", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("prompt_version", sa.String(length=60), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("streamed", sa.Boolean(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("first_token_ms", sa.Integer(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ai_call_feature", "ai_call", ["feature"])
    op.create_index("ix_ai_call_created_at", "ai_call", ["created_at"])
    op.create_table(
        "ai_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("feature", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_ai_cache_feature", "ai_cache", ["feature"])
    op.create_index("ix_ai_cache_subject_id", "ai_cache", ["subject_id"])


def downgrade() -> None:
    op.drop_table("ai_cache")
    op.drop_table("ai_call")
