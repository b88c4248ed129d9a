"""Encrypted backups: round trip, refusal of bad backups with nothing replaced, rotation, export."""

import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.store import backup
from app.store.errors import BadCredentials, PermissionDenied, StoreCorrupt
from app.store.models import Enterprise
from app.store.store import Store
from tests.conftest import ADMIN, ADMIN_PASSWORD


def names(store):
    with store.read() as s:
        return sorted(s.scalars(select(Enterprise.name)))


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_restore_round_trip(store, data_dir):
    with store.unit_of_work() as s:
        s.add(Enterprise(name="备份前的企业"))
    made = store.backup("manual")
    assert made.read_bytes()[:16] != backup.SQLITE_PLAIN_HEADER
    with store.unit_of_work() as s:
        s.add(Enterprise(name="备份后的企业"))
    store.close()
    safety = Store.restore_backup(data_dir, made, admin=(ADMIN, ADMIN_PASSWORD))
    assert safety.exists()
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as again:
        assert names(again) == ["备份前的企业"]
    # the replaced state was kept and can itself be restored
    Store.restore_backup(data_dir, safety, admin=(ADMIN, ADMIN_PASSWORD))
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as again:
        assert names(again) == ["备份前的企业", "备份后的企业"]


def test_restore_with_recovery_code(created, data_dir):
    store, code = created
    made = store.backup()
    store.close()
    Store.restore_backup(data_dir, made, recovery_code=code)
    Store.open(data_dir, ADMIN, ADMIN_PASSWORD).close()


@pytest.mark.parametrize("damage", ["truncate", "flip", "plaintext", "foreign"])
def test_corrupt_backup_refused_and_nothing_replaced(store, data_dir, tmp_path, damage):
    with store.unit_of_work() as s:
        s.add(Enterprise(name="现有数据"))
    made = store.backup()
    store.close()
    raw = bytearray(made.read_bytes())
    if damage == "truncate":
        made.write_bytes(bytes(raw[: len(raw) // 3]))
    elif damage == "flip":
        raw[len(raw) // 2] ^= 0xFF
        made.write_bytes(bytes(raw))
    elif damage == "plaintext":
        import sqlite3

        made.unlink()
        conn = sqlite3.connect(made)
        conn.execute("create table station(x)")
        conn.execute("create table alembic_version(version_num)")
        conn.commit()
        conn.close()
    else:  # a backup of another station: another key
        other, _ = Store.create(tmp_path / "other", "GUXI", "a", "a", "Other-pass-2026")
        foreign = other.backup()
        other.close()
        made.write_bytes(foreign.read_bytes())
    before = digest(Store.db_path_in(data_dir))
    backups_before = sorted(p.name for p in backup.backup_dir(data_dir).iterdir())
    with pytest.raises(StoreCorrupt):
        Store.restore_backup(data_dir, made, admin=(ADMIN, ADMIN_PASSWORD))
    assert digest(Store.db_path_in(data_dir)) == before
    assert sorted(p.name for p in backup.backup_dir(data_dir).iterdir()) == backups_before
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as again:
        assert names(again) == ["现有数据"]


def test_restore_needs_admin_or_recovery(store, data_dir):
    from app.domain.enums import Role

    store.add_user("med", "调解员", Role.MEDIATOR, "Mediator-pass-1")
    made = store.backup()
    store.close()
    with pytest.raises(PermissionDenied):
        Store.restore_backup(data_dir, made, admin=("med", "Mediator-pass-1"))
    with pytest.raises(BadCredentials):
        Store.restore_backup(data_dir, made, admin=(ADMIN, "wrong-password"))
    with pytest.raises(PermissionDenied):
        Store.restore_backup(data_dir, made)


def test_rotation_keeps_the_last_n(store, data_dir):
    store.set_setting(Store.BACKUP_KEEP_SETTING, 3)
    for _ in range(5):
        store.backup("manual")
    found = backup.list_backups(data_dir)
    assert len(found) == 3
    assert all(b.keys_path.exists() for b in found)


def test_daily_backup_only_when_due(store, data_dir):
    assert store.daily_backup_if_due() is not None
    assert store.daily_backup_if_due() is None
    later = datetime.now() + timedelta(hours=25)
    assert store.daily_backup_if_due(now=later) is not None


def test_export_to_another_folder(store, tmp_path):
    made = store.backup()
    copy = backup.export_backup(made, tmp_path / "usb")
    assert copy.read_bytes() == made.read_bytes()
    assert backup.keys_path_for(copy).exists()
    store.verify_backup(copy)
    with pytest.raises(FileExistsError):
        backup.export_backup(made, tmp_path / "usb")


def test_restore_of_damaged_store_keeps_its_bytes(created, data_dir):
    store, code = created
    made = store.backup()
    store.close()
    db = Store.db_path_in(data_dir)
    data = bytearray(db.read_bytes())
    data[:4096] = b"\0" * 4096  # the first page (salt and header) destroyed
    db.write_bytes(bytes(data))
    safety = Store.restore_backup(data_dir, made, recovery_code=code)
    assert safety.name.endswith(".damaged") and safety.read_bytes() == bytes(data)
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as again, again.read() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 0
