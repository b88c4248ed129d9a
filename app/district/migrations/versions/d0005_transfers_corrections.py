"""case transfers (移交) and correction requests (退回补正)

Revision ID: d0005
Revises: d0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "d0005"
down_revision = "d0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_transfer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("from_station", sa.String(length=16), nullable=False),
        sa.Column("from_case_no", sa.String(length=60), nullable=False),
        sa.Column("to_station", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("initiated_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("to_case_no", sa.String(length=60), nullable=True),
        sa.Column("decline_reason", sa.String(length=500), nullable=True),
        sa.Column("decline_category", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("previous_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transfer")),
    )
    op.create_index(op.f("ix_case_transfer_from_station"), "case_transfer", ["from_station"])
    op.create_index(op.f("ix_case_transfer_to_station"), "case_transfer", ["to_station"])
    op.create_index(op.f("ix_case_transfer_status"), "case_transfer", ["status"])
    op.create_table(
        "correction_request",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
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
        sa.Column("answered_by", sa.String(length=60), nullable=True),
        sa.Column("answer_fields", sa.JSON(), nullable=True),
        sa.Column("answer_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_request")),
    )
    op.create_index(
        op.f("ix_correction_request_station_code"), "correction_request", ["station_code"]
    )
    op.create_index(op.f("ix_correction_request_status"), "correction_request", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_correction_request_status"), table_name="correction_request")
    op.drop_index(op.f("ix_correction_request_station_code"), table_name="correction_request")
    op.drop_table("correction_request")
    op.drop_index(op.f("ix_case_transfer_status"), table_name="case_transfer")
    op.drop_index(op.f("ix_case_transfer_to_station"), table_name="case_transfer")
    op.drop_index(op.f("ix_case_transfer_from_station"), table_name="case_transfer")
    op.drop_table("case_transfer")
