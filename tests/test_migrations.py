"""Station schema migrations: empty -> head, models match, newer store refused, failed upgrade restored."""

import hashlib
import shutil
import textwrap

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from app.paths import migrations_dir
from app.store import backup, migrate
from app.store.engine import make_engine, writer
from app.store.errors import MigrationFailed, StoreTooNew
from app.store.models import Base, Enterprise
from app.store.models.case_records import is_unmapped_search_table
from app.store.store import Store
from tests.conftest import ADMIN, ADMIN_PASSWORD


def test_empty_to_head_matches_the_models(tmp_path):
    engine = make_engine(tmp_path / "m.db", b"\x01" * 32, create=True)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as conn:
            # The FTS5 search table and its shadow tables are created in SQL, not from models.
            context = MigrationContext.configure(
                conn,
                opts={"include_name": lambda name, kind, _: not is_unmapped_search_table(name)},
            )
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], diff
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(tmp_path):
    from alembic import command

    engine = make_engine(tmp_path / "m.db", b"\x02" * 32, create=True)
    try:
        migrate.upgrade(engine)
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_store_from_a_newer_program_is_refused_untouched(store, data_dir):
    with writer(store.engine).begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    store.close()
    before = _digest(Store.db_path_in(data_dir))
    with pytest.raises(StoreTooNew, match="更新版本"):
        Store.open(data_dir, ADMIN, ADMIN_PASSWORD)
    assert _digest(Store.db_path_in(data_dir)) == before
    assert not backup.list_backups(data_dir)


@pytest.fixture
def broken_next_migration(tmp_path, monkeypatch):
    """A copy of the migrations with a new head that changes the schema and then fails."""
    folder = tmp_path / "migrations"
    shutil.copytree(migrations_dir(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrate.head_revision()
    (folder / "versions" / "9000_broken.py").write_text(
        textwrap.dedent(
            f"""
            import sqlalchemy as sa
            from alembic import op

            revision = "9000_broken"
            down_revision = {head!r}
            branch_labels = None
            depends_on = None

            def upgrade():
                op.execute("UPDATE enterprise SET name = 'damaged'")
                op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
                raise RuntimeError("disk full")

            def downgrade():
                pass
            """
        )
    )
    monkeypatch.setattr(migrate, "migrations_dir", lambda: folder)
    return folder


def test_failed_migration_restores_the_backup(store, data_dir, broken_next_migration):
    with store.unit_of_work() as s:
        s.add(Enterprise(name="福州某某有限公司"))
    store.close()
    with pytest.raises(MigrationFailed, match="已自动恢复"):
        Store.open(data_dir, ADMIN, ADMIN_PASSWORD)
    made = backup.list_backups(data_dir)
    assert len(made) == 1 and made[0].reason.startswith("pre-migrate")
    # With the real migrations again, the store opens exactly as it was.
    shutil.rmtree(broken_next_migration)
    migrate.migrations_dir = migrations_dir  # monkeypatch restores it again at teardown
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as again, again.read() as s:
        assert [e.name for e in s.scalars(select(Enterprise))] == ["福州某某有限公司"]
        tables = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table'")))
        assert "half_done" not in tables
