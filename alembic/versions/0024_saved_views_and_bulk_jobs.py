"""The agent's queue: saved_view (with the four built-in views as rows) and bulk_job

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 14:30:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# The views every desk had as code before (the sidebar's presets), now rows anyone may reorder; kept in step
# with `services/views.py` BUILTIN_VIEWS, which also creates them on a database made without migrations.
_UNSOLVED = ["new", "open", "pending", "on_hold"]
_BUILTIN = [
    ("unsolved", "Unsolved", {"status_category": _UNSOLVED}),
    ("mine", "Assigned to me", {"status_category": _UNSOLVED, "assignee_id": "me"}),
    ("unassigned", "Unassigned", {"status_category": _UNSOLVED, "assignee_id": "none"}),
    ("all", "All tickets", {}),
]


def upgrade() -> None:
    saved_view = op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("sort", sa.String(length=20), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("builtin_key", sa.String(length=40), nullable=True),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("builtin_key"),
    )
    op.create_index("ix_saved_view_owner", "saved_view", ["owner_id", "position"])
    op.create_index("ix_saved_view_team", "saved_view", ["team_id", "position"])
    op.create_table(
        "bulk_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ticket_ids", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("updated", sa.JSON(), nullable=False),
        sa.Column("failed", sa.JSON(), nullable=False),
        sa.Column("created_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", autocrm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_key.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bulk_job_created_at", "bulk_job", ["created_at"])
    # The filters the queue gains: channel and organization, and the "updated in the last hour" and
    # "overdue" quick filters read these (the sort indexes already start with updated_at).
    op.create_index("ix_ticket_channel_updated", "ticket", ["channel", "updated_at", "id"])
    op.create_index("ix_ticket_due", "ticket", ["due_at", "id"])
    now = autocrm.models.base.utcnow()
    op.bulk_insert(
        saved_view,
        [
            {
                "name": name,
                "filters": filters,
                "sort": "-updated_at",
                "columns": [],
                "visibility": "everyone",
                "owner_id": None,
                "team_id": None,
                "position": position,
                "builtin_key": key,
                "created_at": now,
                "updated_at": now,
            }
            for position, (key, name, filters) in enumerate(_BUILTIN)
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_due", table_name="ticket")
    op.drop_index("ix_ticket_channel_updated", table_name="ticket")
    op.drop_index("ix_bulk_job_created_at", table_name="bulk_job")
    op.drop_table("bulk_job")
    op.drop_index("ix_saved_view_team", table_name="saved_view")
    op.drop_index("ix_saved_view_owner", table_name="saved_view")
    op.drop_table("saved_view")
