"""Initial schema: mentors, mentees, pairings (contract v1) and quarantine.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Migrations spell their types out instead of importing the models, which keep changing.
_UTC = sa.DateTime(timezone=True)


def _tracked_key() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def _tracked_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "mentors",
        _tracked_key(),
        sa.Column("mentor_id", sa.String(), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("interests", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("department", sa.String(), nullable=True),
        sa.Column("location", sa.String(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("seniority", sa.BigInteger(), nullable=True),
        sa.Column("years_experience", sa.Double(), nullable=True),
        sa.Column("capacity", sa.BigInteger(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("mentoring_types", sa.JSON(), nullable=False),
        sa.Column("group", sa.String(), nullable=True),
        sa.Column("created_at", _UTC, nullable=True),
        *_tracked_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentors")),
        sa.UniqueConstraint("mentor_id", name=op.f("uq_mentors_mentor_id")),
    )
    op.create_table(
        "mentees",
        _tracked_key(),
        sa.Column("mentee_id", sa.String(), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("skills_wanted", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("interests", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("department", sa.String(), nullable=True),
        sa.Column("location", sa.String(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("seniority", sa.BigInteger(), nullable=True),
        sa.Column("mentoring_type", sa.String(), nullable=True),
        sa.Column("group", sa.String(), nullable=True),
        sa.Column("created_at", _UTC, nullable=True),
        *_tracked_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentees")),
        sa.UniqueConstraint("mentee_id", name=op.f("uq_mentees_mentee_id")),
    )
    op.create_table(
        "pairings",
        _tracked_key(),
        sa.Column("pairing_id", sa.String(), nullable=False),
        sa.Column("mentor_id", sa.String(), nullable=False),
        sa.Column("mentee_id", sa.String(), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("rating", sa.Double(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("ended_at", _UTC, nullable=True),
        *_tracked_columns(),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["mentors.mentor_id"], name=op.f("fk_pairings_mentor_id_mentors")
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"], ["mentees.mentee_id"], name=op.f("fk_pairings_mentee_id_mentees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairings")),
        sa.UniqueConstraint("pairing_id", name=op.f("uq_pairings_pairing_id")),
    )
    op.create_index(op.f("ix_pairings_mentor_id"), "pairings", ["mentor_id"])
    op.create_index(op.f("ix_pairings_created_at"), "pairings", ["created_at"])
    op.create_index("ix_pairings_mentee_id_created_at", "pairings", ["mentee_id", "created_at"])
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("table_name", sa.String(), nullable=False),
        sa.Column("source_file", sa.String(), nullable=False),
        sa.Column("source_row", sa.BigInteger(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("raw_hash", sa.String(length=64), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("imported_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
        sa.UniqueConstraint(
            "table_name", "source_file", "source_row", "raw_hash", name="uq_quarantine_source"
        ),
    )
    op.create_index(op.f("ix_quarantine_batch_id"), "quarantine", ["batch_id"])


def downgrade() -> None:
    op.drop_table("quarantine")
    op.drop_table("pairings")  # drops its indexes too
    op.drop_table("mentees")
    op.drop_table("mentors")
