"""wider grader label

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Grader labels name the judge's model and any fallback reason, e.g. 'offline (judge: timed out)'."""
    with op.batch_alter_table("grades", schema=None) as batch_op:
        batch_op.alter_column(
            "grader",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=32),
            type_=sqlmodel.sql.sqltypes.AutoString(length=120),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("grades", schema=None) as batch_op:
        batch_op.alter_column(
            "grader",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=120),
            type_=sa.String(length=32),
            existing_nullable=False,
        )
