"""Files a colleague on the same computer could read: none (POSIX modes 0700/0600).

The station's data folder and everything the program puts in it (database, WAL, key slots,
backups and their key files, logs, crash reports), and the district's SQLite file, are private to
the user who runs the program. A folder made with a lax umask is tightened at the next start.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from app import crash
from app.district import db as district_db
from app.domain.enums import Role
from app.logsetup import configure_logging
from app.store.models import Enterprise
from app.store.store import Store
from tests.conftest import ADMIN, ADMIN_PASSWORD

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def lax_modes(root: Path) -> list[str]:
    found = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if (path.is_dir() and mode != 0o700) or (path.is_file() and mode & 0o077):
            found.append(f"{path.relative_to(root.parent)} {oct(mode)}")
    return found


@pytest.fixture
def open_umask():
    old = os.umask(0o022)  # what a default account has: 0644 files, 0755 folders
    yield
    os.umask(old)


def test_everything_in_the_data_folder_is_private(open_umask, data_dir):
    store, _code = Store.create(data_dir, "GUDONG", ADMIN, "林站长", ADMIN_PASSWORD)
    try:
        configure_logging(data_dir)
        logging.getLogger("app.test").info("a line in the log")
        with store.unit_of_work() as s:
            s.add(Enterprise(name="福州权限测试有限公司"))
        store.add_user("med", "调解员", Role.MEDIATOR, "Mediator-pass-1")
        store.backup("manual")
        try:
            raise RuntimeError("crash")
        except RuntimeError as exc:
            crash.write_report(data_dir, exc)
        for handler in logging.getLogger().handlers:
            handler.flush()
        assert (data_dir / "station.db-wal").exists()
        assert lax_modes(data_dir) == []
    finally:
        store.close()
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "_labor_station", False):
                logging.getLogger().removeHandler(handler)
                handler.close()


def test_a_folder_left_open_is_tightened_at_the_next_start(open_umask, data_dir):
    store, _code = Store.create(data_dir, "GUDONG", ADMIN, "林站长", ADMIN_PASSWORD)
    store.close()
    os.chmod(data_dir, 0o755)
    for path in data_dir.iterdir():
        os.chmod(path, 0o644)
    Store.open(data_dir, ADMIN, ADMIN_PASSWORD).close()
    assert lax_modes(data_dir) == []


def test_district_sqlite_file_is_private(open_umask, tmp_path):
    path = tmp_path / "labor-district.sqlite"
    engine = district_db.make_engine(f"sqlite:///{path}")
    try:
        district_db.init_db(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            for suffix in ("-wal", "-shm"):
                extra = Path(str(path) + suffix)
                if extra.exists():
                    assert stat.S_IMODE(extra.stat().st_mode) == 0o600, suffix
    finally:
        engine.dispose()
