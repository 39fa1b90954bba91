"""Pairings' last check-in time (data contract, optional) and the service's suggestions log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("pairings") as batch:
        batch.add_column(sa.Column("last_checkin_at", _UTC, nullable=True))
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("suggested_at", _UTC, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("mentee_id", sa.String(), nullable=False),
        sa.Column("mentor_id", sa.String(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("mentee_group", sa.String(), nullable=True),
        sa.Column("mentor_group", sa.String(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("model_version", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestions")),
    )
    op.create_index(
        op.f("ix_suggestions_suggested_at"), "suggestions", ["suggested_at"], unique=False
    )
    op.create_index("ix_suggestions_mentee_id_mentor_id", "suggestions", ["mentee_id", "mentor_id"])


def downgrade() -> None:
    op.drop_index("ix_suggestions_mentee_id_mentor_id", table_name="suggestions")
    op.drop_index(op.f("ix_suggestions_suggested_at"), table_name="suggestions")
    op.drop_table("suggestions")
    with op.batch_alter_table("pairings") as batch:
        batch.drop_column("last_checkin_at")
