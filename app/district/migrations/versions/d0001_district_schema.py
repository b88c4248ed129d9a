"""district schema

Revision ID: d0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "d0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "admin_user",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_admin_user")),
    )
    op.create_table(
        "notice",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=60), nullable=True),
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_rev"), ["rev"], unique=False)

    op.create_table(
        "record",
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.PrimaryKeyConstraint("entity", "id", name=op.f("pk_record")),
    )
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.create_index("ix_record_credit_code", ["credit_code"], unique=False)
        batch_op.create_index("ix_record_station_entity", ["station_code", "entity"], unique=False)

    op.create_table(
        "reference_item",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_item")),
        sa.UniqueConstraint("kind", "code", name="uq_reference_item_kind_code"),
    )
    with op.batch_alter_table("reference_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_item_rev"), ["rev"], unique=False)

    op.create_table(
        "revision_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revision_counter")),
    )
    op.create_table(
        "station",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("last_batch_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(), nullable=True),
        sa.Column("store_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_station")),
    )
    op.create_table(
        "admin_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("admin_name", sa.String(length=60), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_name"], ["admin_user.name"], name=op.f("fk_admin_session_admin_name_admin_user")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_admin_session")),
    )
    op.create_table(
        "enrollment_code",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_code"], ["station.code"], name=op.f("fk_enrollment_code_station_code_station")
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_enrollment_code")),
    )
    with op.batch_alter_table("enrollment_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrollment_code_station_code"), ["station_code"], unique=False
        )

    op.create_table(
        "station_credential",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("signing_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_code"],
            ["station.code"],
            name=op.f("fk_station_credential_station_code_station"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_credential")),
    )
    with op.batch_alter_table("station_credential", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_station_credential_station_code"), ["station_code"], unique=False
        )

    op.create_table(
        "sync_batch",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("ack_outbox_seq", sa.BigInteger(), nullable=False),
        sa.Column("rejected", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_code"], ["station.code"], name=op.f("fk_sync_batch_station_code_station")
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_sync_batch")),
        sa.UniqueConstraint("station_code", "seq", name="uq_sync_batch_station_seq"),
    )


def downgrade() -> None:

    op.drop_table("sync_batch")
    with op.batch_alter_table("station_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_credential_station_code"))

    op.drop_table("station_credential")
    with op.batch_alter_table("enrollment_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollment_code_station_code"))

    op.drop_table("enrollment_code")
    op.drop_table("admin_session")
    op.drop_table("station")
    op.drop_table("revision_counter")
    with op.batch_alter_table("reference_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_item_rev"))

    op.drop_table("reference_item")
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_index("ix_record_station_entity")
        batch_op.drop_index("ix_record_credit_code")

    op.drop_table("record")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_rev"))

    op.drop_table("notice")
    op.drop_table("admin_user")
