"""district roles, audit log and online applications

Revision ID: d0004
Revises: d0002
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "d0004"
down_revision = "d0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "application",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("external_ref", sa.String(length=60), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("applicant_kind", sa.String(length=10), nullable=False),
        sa.Column("applicant_name", sa.String(length=60), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("id_tail", sa.String(length=6), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column("employer_credit_code", sa.String(length=18), nullable=True),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("dispute_type", sa.String(length=60), nullable=False),
        sa.Column("claims", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("case_no", sa.String(length=60), nullable=True),
        sa.Column("decline_reason", sa.String(length=500), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("routing", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application")),
        sa.UniqueConstraint("external_ref", name=op.f("uq_application_external_ref")),
        sa.UniqueConstraint("reference", name=op.f("uq_application_reference")),
    )
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index(
            "ix_application_reference_tail", ["reference", "id_tail"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_application_station_code"), ["station_code"], unique=False
        )

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_kind", sa.String(length=40), nullable=True),
        sa.Column("target_id", sa.String(length=80), nullable=True),
        sa.Column("station_code", sa.String(length=16), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)

    op.create_table(
        "server_secret",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secret")),
    )
    op.create_table(
        "application_evidence",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_application_evidence_application_id_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_evidence")),
    )
    with op.batch_alter_table("application_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_evidence_application_id"), ["application_id"], unique=False
        )

    with op.batch_alter_table("admin_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), server_default="admin", nullable=False)
        )
        batch_op.add_column(sa.Column("streets", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("admin_user", schema=None) as batch_op:
        batch_op.drop_column("streets")
        batch_op.drop_column("role")

    with op.batch_alter_table("application_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_evidence_application_id"))

    op.drop_table("application_evidence")
    op.drop_table("server_secret")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))

    op.drop_table("audit_entry")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_station_code"))
        batch_op.drop_index("ix_application_reference_tail")

    op.drop_table("application")
