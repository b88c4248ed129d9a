"""the stations' audit events (append-only) and user accounts (no passwords) at the district

Revision ID: d0006
Revises: d0003
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "d0006"
down_revision = "d0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "station_audit_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("user_name", sa.String(length=60), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=True),
        sa.Column("entity_id", sa.String(length=36), nullable=True),
        sa.Column("summary", sa.String(length=200), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("detail", sa.LargeBinary(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("server_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_audit_event")),
        sa.UniqueConstraint("device_id", "seq", name="uq_station_audit_event_device_seq"),
    )
    op.create_index(
        "ix_station_audit_event_record",
        "station_audit_event",
        ["station_code", "entity", "entity_id"],
    )
    op.create_index(
        "ix_station_audit_event_station_at", "station_audit_event", ["station_code", "at"]
    )
    op.create_index(
        "ix_station_audit_event_station_seq", "station_audit_event", ["station_code", "server_seq"]
    )
    # append-only in the database too: no statement may change a received event
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION station_audit_event_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'station_audit_event is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER station_audit_event_no_update BEFORE UPDATE ON station_audit_event "
            "FOR EACH ROW EXECUTE FUNCTION station_audit_event_fixed()"
        )
    else:
        op.execute(
            "CREATE TRIGGER station_audit_event_no_update BEFORE UPDATE ON station_audit_event "
            "BEGIN SELECT RAISE(ABORT, 'station_audit_event is append-only'); END"
        )
    op.create_table(
        "station_user",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("server_seq", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_user")),
    )
    op.create_index("ix_station_user_station_seq", "station_user", ["station_code", "server_seq"])


def downgrade() -> None:
    op.drop_index("ix_station_user_station_seq", table_name="station_user")
    op.drop_table("station_user")
    op.execute(
        "DROP TRIGGER IF EXISTS station_audit_event_no_update"
        + (" ON station_audit_event" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS station_audit_event_fixed()")
    op.drop_index("ix_station_audit_event_station_seq", table_name="station_audit_event")
    op.drop_index("ix_station_audit_event_station_at", table_name="station_audit_event")
    op.drop_index("ix_station_audit_event_record", table_name="station_audit_event")
    op.drop_table("station_audit_event")
