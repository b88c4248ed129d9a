"""District schema migrations: empty -> head matches the models, down to base and back, and an
existing d0002 database keeps its admins (as admins of every street) through the upgrade."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from app.district import db
from app.district.models import Base
from tests.sync_fixtures import _empty_database, postgres_url  # noqa: F401


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path, postgres_url):  # noqa: F811
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'district.sqlite'}"
    if not postgres_url:
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    _empty_database(postgres_url)
    return postgres_url


def _run(engine, *args):
    cfg = db.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        args[0](cfg, *args[1:])


def test_empty_to_head_matches_the_models(url):
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision() == "d0004"
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], diff
    finally:
        engine.dispose()


def test_down_to_base_and_back_keeps_admins(url):
    engine = db.make_engine(url)
    try:
        _run(engine, command.upgrade, "d0002")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO admin_user (name, password_hash, created_at, active) "
                    "VALUES ('quju', 'x', CURRENT_TIMESTAMP, TRUE)"
                )
            )
        db.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT role, streets FROM admin_user")).one() == (
                "admin",
                None,
            )
        _run(engine, command.downgrade, "d0002")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM admin_user")).scalar() == "quju"
        _run(engine, command.downgrade, "base")
        db.upgrade(engine)
        assert db.current_revision(engine) == "d0004"
    finally:
        engine.dispose()
