"""Teams that hand out their work: team.time_zone, holidays, balancing mode and round-robin place; agent_profile
(capacity, availability), team_shift and team_shift_member (weekly coverage), ticket_routing (required skills,
a chosen SLA policy)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 18:50:00
"""

import sqlalchemy as sa

import autocrm.models.base
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_TIME = autocrm.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False))
        batch_op.add_column(sa.Column("holiday_country", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("holiday_subdivision", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("holidays", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(
            sa.Column(
                "balancing",
                sa.Enum(
                    "manual",
                    "round_robin",
                    "least_loaded",
                    "skills_first",
                    name="team_balancing",
                    native_enum=False,
                    length=16,
                ),
                server_default="manual",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("last_assigned_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", _TIME, nullable=True))
        batch_op.create_foreign_key(
            "fk_team_last_assigned_id_user_account", "user_account", ["last_assigned_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "agent_profile",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("max_open_tickets", sa.Integer(), nullable=True),
        sa.Column(
            "availability",
            sa.Enum("online", "away", "offline", name="agent_availability", native_enum=False, length=16),
            server_default="online",
            nullable=False,
        ),
        sa.Column("availability_changed_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "team_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("weekly", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_team_shift_team_id", "team_shift", ["team_id"])
    op.create_table(
        "team_shift_member",
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["team_shift.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("shift_id", "user_id"),
    )
    op.create_index("ix_team_shift_member_user_id", "team_shift_member", ["user_id"])
    op.create_table(
        "ticket_routing",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.Column("sla_policy_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(["sla_policy_id"], ["sla_policy.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )


def downgrade() -> None:
    op.drop_table("ticket_routing")
    op.drop_index("ix_team_shift_member_user_id", table_name="team_shift_member")
    op.drop_table("team_shift_member")
    op.drop_index("ix_team_shift_team_id", table_name="team_shift")
    op.drop_table("team_shift")
    op.drop_table("agent_profile")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_constraint("fk_team_last_assigned_id_user_account", type_="foreignkey")
        for column in (
            "updated_at",
            "last_assigned_id",
            "balancing",
            "holidays",
            "holiday_subdivision",
            "holiday_country",
            "time_zone",
        ):
            batch_op.drop_column(column)
