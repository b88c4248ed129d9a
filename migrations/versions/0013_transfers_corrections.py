"""case transfers (移交) and correction requests (退回补正)

Revision ID: 0013
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CASE_COLUMNS = (
    ("transfer_from_station", sa.String(length=16)),
    ("transfer_from_case_no", sa.String(length=60)),
    ("transfer_to_station", sa.String(length=16)),
    ("transfer_to_case_no", sa.String(length=60)),
    ("transfer_reason", sa.String(length=500)),
    ("transferred_on", sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table("dispute_case", schema=None) as batch_op:
        for name, type_ in CASE_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
    op.create_table(
        "case_transfer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("from_station", sa.String(length=16), nullable=False),
        sa.Column("from_case_no", sa.String(length=60), nullable=False),
        sa.Column("to_station", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("to_case_no", sa.String(length=60), nullable=True),
        sa.Column("initiated_by", sa.String(length=60), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("decline_category", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=60), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transfer")),
    )
    op.create_table(
        "case_transfer_file",
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("transfer_id", "seq", name=op.f("pk_case_transfer_file")),
    )
    op.create_table(
        "correction_request",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("record_label", sa.String(length=200), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("field_label", sa.String(length=60), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=60), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by", sa.String(length=36), nullable=True),
        sa.Column("answer_fields", sa.JSON(), nullable=True),
        sa.Column("answer_version", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_request")),
    )
    op.create_index(
        "ix_correction_request_record",
        "correction_request",
        ["entity", "record_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_correction_request_record", table_name="correction_request")
    op.drop_table("correction_request")
    op.drop_table("case_transfer_file")
    op.drop_table("case_transfer")
    with op.batch_alter_table("dispute_case", schema=None) as batch_op:
        for name, _type in reversed(CASE_COLUMNS):
            batch_op.drop_column(name)
