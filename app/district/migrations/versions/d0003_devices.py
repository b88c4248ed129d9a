"""protocol 2: devices (one credential per PC), server sequence of records, case-number blocks,
attachment contents (stored encrypted outside the database; this table lists them)

Revision ID: d0003
Revises: d0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "d0003"
down_revision = "d0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("station") as b:
        b.add_column(
            sa.Column("last_record_seq", sa.BigInteger(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("station_credential") as b:
        b.add_column(sa.Column("device_name", sa.String(length=60), nullable=True))
        b.add_column(
            sa.Column("last_batch_seq", sa.BigInteger(), nullable=False, server_default="0")
        )
        b.add_column(sa.Column("numbering", sa.String(length=10), nullable=True))
        b.add_column(sa.Column("store_id", sa.String(length=36), nullable=True))
    with op.batch_alter_table("enrollment_code") as b:
        b.add_column(
            sa.Column("purpose", sa.String(length=10), nullable=False, server_default="station")
        )
        b.add_column(sa.Column("device_name", sa.String(length=60), nullable=True))
    with op.batch_alter_table("record") as b:
        b.add_column(sa.Column("server_seq", sa.BigInteger(), nullable=True))
        b.add_column(sa.Column("device_id", sa.String(length=32), nullable=True))
        b.create_index("ix_record_station_seq", ["station_code", "server_seq"], unique=False)
    with op.batch_alter_table("sync_batch") as b:
        b.add_column(sa.Column("device_id", sa.String(length=32), nullable=True))
        b.drop_constraint("uq_sync_batch_station_seq", type_="unique")
        b.create_unique_constraint(
            "uq_sync_batch_station_device_seq", ["station_code", "device_id", "seq"]
        )
    op.create_table(
        "number_counter",
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_issued", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("station_code", "year", name=op.f("pk_number_counter")),
    )
    op.create_table(
        "number_block",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("first", sa.BigInteger(), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_block")),
    )
    with op.batch_alter_table("number_block") as b:
        b.create_index("ix_number_block_station_year", ["station_code", "year"], unique=False)
    op.create_table(
        "record_version",
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "id", "version", name=op.f("pk_record_version")),
    )
    op.create_table(
        "record_conflict",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("base_version", sa.BigInteger(), nullable=False),
        sa.Column("held_value", sa.JSON(), nullable=True),
        sa.Column("held_device", sa.String(length=32), nullable=True),
        sa.Column("held_at", sa.String(length=40), nullable=True),
        sa.Column("incoming_value", sa.JSON(), nullable=True),
        sa.Column("incoming_device", sa.String(length=32), nullable=True),
        sa.Column("incoming_at", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=32), nullable=True),
        sa.Column("resolution", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_conflict")),
    )
    with op.batch_alter_table("record_conflict") as b:
        b.create_index("ix_record_conflict_station", ["station_code", "resolved_at"], unique=False)
    op.create_table(
        "stored_blob",
        sa.Column("station_code", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("station_code", "sha256", name=op.f("pk_stored_blob")),
    )

    # every record held so far gets its station's server sequence (in the order received), and
    # the active credential of each station (protocol 1: at most one) continues its batch count
    # and is known to number its cases on its own
    conn = op.get_bind()
    record = sa.table(
        "record",
        sa.column("entity"),
        sa.column("id"),
        sa.column("station_code"),
        sa.column("received_at"),
        sa.column("server_seq"),
    )
    station = sa.table("station", sa.column("code"), sa.column("last_record_seq"),
                       sa.column("last_batch_seq"))  # fmt: skip
    codes = [r[0] for r in conn.execute(sa.select(station.c.code))]
    for code in codes:
        keys = conn.execute(
            sa.select(record.c.entity, record.c.id)
            .where(record.c.station_code == code)
            .order_by(record.c.received_at, record.c.entity, record.c.id)
        ).all()
        if keys:
            conn.execute(
                record.update()
                .where(record.c.entity == sa.bindparam("k_e"), record.c.id == sa.bindparam("k_i"))
                .values(server_seq=sa.bindparam("n")),
                [{"k_e": e, "k_i": i, "n": n} for n, (e, i) in enumerate(keys, 1)],
            )
            conn.execute(
                station.update().where(station.c.code == code).values(last_record_seq=len(keys))
            )
    conn.execute(
        sa.text(
            "UPDATE station_credential SET last_batch_seq = (SELECT s.last_batch_seq FROM station s"
            " WHERE s.code = station_credential.station_code), numbering = 'own'"
            " WHERE revoked_at IS NULL"
        )
    )


def downgrade() -> None:
    op.drop_table("record_conflict")
    op.drop_table("record_version")
    op.drop_table("stored_blob")
    op.drop_table("number_block")
    op.drop_table("number_counter")
    with op.batch_alter_table("sync_batch") as b:
        b.drop_constraint("uq_sync_batch_station_device_seq", type_="unique")
        b.create_unique_constraint("uq_sync_batch_station_seq", ["station_code", "seq"])
        b.drop_column("device_id")
    with op.batch_alter_table("record") as b:
        b.drop_index("ix_record_station_seq")
        b.drop_column("device_id")
        b.drop_column("server_seq")
    with op.batch_alter_table("enrollment_code") as b:
        b.drop_column("device_name")
        b.drop_column("purpose")
    with op.batch_alter_table("station_credential") as b:
        b.drop_column("store_id")
        b.drop_column("numbering")
        b.drop_column("last_batch_seq")
        b.drop_column("device_name")
    with op.batch_alter_table("station") as b:
        b.drop_column("last_record_seq")
