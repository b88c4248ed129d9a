"""referral to labor inspection (inspection_referral), the 110 incident number, who applied
(worker or employer) and labor-dispatch cases (issue 13 points 6 and 8)

Cases registered before keep NULL in both new columns: applied for by the workers, no dispatch
case (the program reads NULL so). Plain ADD COLUMNs: dispute_case is not recreated, so the
case_count triggers of 0010 stay.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dispute_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("police_incident_no", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("applicant_side", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("is_dispatch", sa.Boolean(), nullable=True))
    op.create_table(
        "inspection_referral",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("inspection_body", sa.String(length=200), nullable=False),
        sa.Column("developer", sa.String(length=200), nullable=True),
        sa.Column("contractor_kind", sa.String(length=16), nullable=True),
        sa.Column("foreman_name", sa.String(length=60), nullable=True),
        sa.Column("foreman_id_number", sa.String(length=40), nullable=True),
        sa.Column("foreman_phone", sa.String(length=40), nullable=True),
        sa.Column("absconding", sa.Text(), nullable=True),
        sa.Column("absconding_note", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("workers", sa.Text(), nullable=True),
        sa.Column("inspection_case_no", sa.String(length=60), nullable=True),
        sa.Column("order_on", sa.Date(), nullable=True),
        sa.Column("order_note", sa.Text(), nullable=True),
        sa.Column("police_transfer_on", sa.Date(), nullable=True),
        sa.Column("police_note", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["dispute_case.id"],
            name=op.f("fk_inspection_referral_case_id_dispute_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_referral")),
    )
    with op.batch_alter_table("inspection_referral", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_referral_case_id"), ["case_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inspection_referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_referral_case_id"))
    op.drop_table("inspection_referral")
    with op.batch_alter_table("dispute_case", schema=None) as batch_op:
        batch_op.drop_column("is_dispatch")
        batch_op.drop_column("applicant_side")
        batch_op.drop_column("police_incident_no")
