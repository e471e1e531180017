"""The audit log's filters (indexes ending with the id) and custom fields visible to customers

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-08 03:30:00
"""

import sqlalchemy as sa

from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_actor_user_id")
        batch_op.create_index("ix_audit_actor", ["actor_user_id", "id"], unique=False)
        batch_op.create_index("ix_audit_action", ["action", "id"], unique=False)
        batch_op.create_index("ix_audit_type", ["object_type", "id"], unique=False)
    with op.batch_alter_table("custom_field_definition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visible_to_customers", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("custom_field_definition", schema=None) as batch_op:
        batch_op.drop_column("visible_to_customers")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_type")
        batch_op.drop_index("ix_audit_action")
        batch_op.drop_index("ix_audit_actor")
        batch_op.create_index("ix_audit_entry_actor_user_id", ["actor_user_id"], unique=False)
