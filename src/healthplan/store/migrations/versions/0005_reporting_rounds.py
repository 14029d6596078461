"""reporting rounds: rounds, tasks per region, value flags, transitions, approval locks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def _index(table: str, column: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "report_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        _when("opened_at"),
        _fk("report_rounds", "plan_id", "plans"),
        _fk("report_rounds", "region_id", "regions"),
        _fk("report_rounds", "opened_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_rounds")),
    )
    _index("report_rounds", "plan_id")

    op.create_table(
        "report_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _when("first_submitted_at", True),
        _when("submitted_at", True),
        _when("approved_at", True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        _when("updated_at"),
        _fk("report_tasks", "round_id", "report_rounds", "CASCADE"),
        _fk("report_tasks", "region_id", "regions"),
        _fk("report_tasks", "plan_id", "plans"),
        _fk("report_tasks", "approved_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_tasks")),
        sa.UniqueConstraint("round_id", "region_id", name=op.f("uq_report_tasks_round_id_region_id")),
    )
    _index("report_tasks", "round_id")
    _index("report_tasks", "region_id")

    op.create_table(
        "report_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _when("created_at"),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        _when("resolved_at", True),
        _fk("report_flags", "task_id", "report_tasks", "CASCADE"),
        _fk("report_flags", "created_by", "users"),
        _fk("report_flags", "resolved_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_flags")),
    )
    _index("report_flags", "task_id")

    op.create_table(
        "report_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        _when("at"),
        sa.Column("comment", sa.Text(), nullable=False),
        _fk("report_transitions", "task_id", "report_tasks", "CASCADE"),
        _fk("report_transitions", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_transitions")),
    )
    _index("report_transitions", "task_id")

    op.create_table(
        "approval_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("transition_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        _when("approved_at"),
        sa.Column("released_by", sa.Integer(), nullable=True),
        _when("released_at", True),
        sa.Column("release_reason", sa.Text(), nullable=False),
        _fk("approval_locks", "task_id", "report_tasks", "CASCADE"),
        _fk("approval_locks", "transition_id", "report_transitions"),
        _fk("approval_locks", "region_id", "regions"),
        _fk("approval_locks", "approved_by", "users"),
        _fk("approval_locks", "released_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_locks")),
    )
    _index("approval_locks", "task_id")
    with op.batch_alter_table("approval_locks", schema=None) as batch_op:
        batch_op.create_index("ix_approval_locks_key", ["region_id", "indicator_id", "year"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("approval_locks")
    op.drop_table("report_transitions")
    op.drop_table("report_flags")
    op.drop_table("report_tasks")
    op.drop_table("report_rounds")
