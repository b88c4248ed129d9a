"""The district schema made by its migrations is the models' schema, and d0003 upgrades data."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from app.district import db
from app.district.models import Base


def test_head_matches_the_models_and_downgrades(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'd.sqlite'}")
    try:
        db.upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        cfg = db.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "d0002")
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()


def test_d0003_numbers_held_records_and_keeps_the_batch_count(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'd.sqlite'}")
    try:
        cfg = db.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "d0002")
        with db.writer(engine).begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO station (code, name, kind, last_batch_seq) "
                    "VALUES ('GUDONG', '鼓东街道', 'street', 17)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO station_credential (id, station_code, secret_hash, signing_key,"
                    " created_at) VALUES ('c1', 'GUDONG', 'x', x'00', '2026-01-01 00:00:00')"
                )
            )
            for i, at in enumerate(["2026-01-03", "2026-01-01", "2026-01-02"]):
                conn.execute(
                    text(
                        "INSERT INTO record (entity, id, station_code, version, deleted, data,"
                        f" received_at) VALUES ('enterprise', 'r{i}', 'GUDONG', 1, 0, '{{}}', '{at}')"
                    )
                )
        db.upgrade(engine)
        with engine.connect() as conn:
            seqs = dict(conn.execute(text("SELECT id, server_seq FROM record")).all())
            assert seqs == {"r1": 1, "r2": 2, "r0": 3}
            assert conn.execute(text("SELECT last_record_seq FROM station")).scalar() == 3
            assert (
                conn.execute(text("SELECT last_batch_seq FROM station_credential")).scalar() == 17
            )
    finally:
        engine.dispose()
