"""sso_provider and user_identity: OpenID Connect providers set up by admins, and the accounts linked to them

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
import sqlmodel

import autocrm.models.base
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sso_provider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("client_secret_sealed", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("allowed_domains", sa.JSON(), nullable=False),
        sa.Column(
            "new_user_role",
            sa.Enum("customer", "agent", "admin", name="sso_new_user_role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "user_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["provider_id"], ["sso_provider.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_id", "subject", name="uq_user_identity_provider_subject"),
    )
    op.create_index("ix_user_identity_user_id", "user_identity", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_user_identity_user_id", table_name="user_identity")
    op.drop_table("user_identity")
    op.drop_table("sso_provider")
