"""Defects 2 and 3: what a copied data folder, an old key file or an edited key file opens.

The attacker here has the files (a copy of the data folder taken earlier, the backups beside the
store) and a password or recovery code that *was* valid once. Each test unwraps the database key
offline from the old key file, as such an attacker would, and tries it on the current database.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.domain.enums import Role
from app.store import backup, keyslots, rekey
from app.store.engine import connect_raw
from app.store.errors import BadCredentials, StoreCorrupt, UnlockThrottled, ValidationError
from app.store.keyslots import KeySlotFile
from app.store.models import Enterprise
from app.store.store import Store
from tests.conftest import ADMIN, ADMIN_PASSWORD

MED, MED_PASSWORD = "med", "Mediator-pass-1"
VIEWER, VIEWER_PASSWORD = "viewer", "Viewer-pass-2026"


def keys_of(data_dir: Path) -> KeySlotFile:
    return KeySlotFile.load(Store.keys_path_in(data_dir))


def snapshot(data_dir: Path, to: Path) -> Path:
    """What a thief copies: the whole data folder as it is now."""
    shutil.copytree(data_dir, to)
    return to


def opens_current(data_dir: Path, key: bytes) -> bool:
    try:
        conn = connect_raw(Store.db_path_in(data_dir), key)
    except StoreCorrupt:
        return False
    conn.close()
    return True


def backup_key_files(data_dir: Path) -> list[dict]:
    return [json.loads(b.keys_path.read_text()) for b in backup.list_backups(data_dir)]


@pytest.fixture
def station(created, data_dir):
    store, code = created
    store.add_user(MED, "调解员", Role.MEDIATOR, MED_PASSWORD)
    store.add_user(VIEWER, "督查", Role.READ_ONLY, VIEWER_PASSWORD)
    with store.unit_of_work() as s:
        s.add(Enterprise(name="福州被盗测试有限公司"))
    store.backup("manual")
    return store, code


def test_a_disabled_user_opens_nothing_current(station, data_dir, tmp_path):
    store, _code = station
    old = snapshot(data_dir, tmp_path / "copied-before")
    old_key = keys_of(old).unlock_user(MED, MED_PASSWORD)
    assert opens_current(data_dir, old_key)  # before: the same key

    store.set_user_active(MED, False)
    assert not opens_current(data_dir, old_key)  # the old key file's key is worthless now
    with pytest.raises(BadCredentials):
        Store.open(data_dir, MED, MED_PASSWORD)
    tag = keys_of(data_dir).user_tag(MED)
    for kept in backup_key_files(data_dir):  # including the pre-rekey backup made just now
        assert all(s["tag"] != tag for s in kept["slots"])
    # everyone else, and the recovery code, still open the store; so does a re-enabled user
    Store.open(data_dir, ADMIN, ADMIN_PASSWORD).close()
    Store.open(data_dir, VIEWER, VIEWER_PASSWORD).close()
    store.set_user_active(MED, True, password="Mediator-new-22")
    Store.open(data_dir, MED, "Mediator-new-22").close()


def test_an_old_password_opens_nothing_after_a_reset(station, data_dir, tmp_path):
    store, _code = station
    old = snapshot(data_dir, tmp_path / "copied-before")
    store.reset_password(MED, "Mediator-new-22")
    old_key = keys_of(old).unlock_user(MED, MED_PASSWORD)
    assert not opens_current(data_dir, old_key)
    with pytest.raises(BadCredentials):
        Store.open(data_dir, MED, MED_PASSWORD)
    Store.open(data_dir, MED, "Mediator-new-22").close()
    tag = keys_of(data_dir).user_tag(MED)
    for kept in backup_key_files(data_dir):
        assert all(s["tag"] != tag for s in kept["slots"])


def test_a_renewed_recovery_code_opens_nothing(station, data_dir, tmp_path):
    store, code = station
    old = snapshot(data_dir, tmp_path / "copied-before")
    new_code = store.rotate_recovery_code()
    old_key = keys_of(old).unlock_recovery(code)
    assert not opens_current(data_dir, old_key)
    with pytest.raises(BadCredentials):
        Store.open_with_recovery(data_dir, code)
    Store.open_with_recovery(data_dir, new_code).close()
    for kept in backup_key_files(data_dir):
        assert all(s["kind"] != "recovery" for s in kept["slots"])


def test_old_backups_restore_with_the_current_slots(station, data_dir):
    store, _code = station
    before = backup.list_backups(data_dir)[0].path  # made under the first key
    store.set_user_active(MED, False)
    with store.unit_of_work() as s:
        s.add(Enterprise(name="福州停用之后的企业有限公司"))
    store.close()
    Store.restore_backup(data_dir, before, admin=(ADMIN, ADMIN_PASSWORD))
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as again, again.read() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 1
        again.verify_backup(before)
    # the disabled user's account is active in that old copy, but has no slot any more
    with pytest.raises(BadCredentials):
        Store.open(data_dir, MED, MED_PASSWORD)


def test_a_slot_copied_under_the_admin_tag_does_not_open(station, data_dir):
    """A read-only user copies their own slot under the administrator's tag."""
    store, _code = station
    store.close()
    path = Store.keys_path_in(data_dir)
    data = json.loads(path.read_text())
    keys = keys_of(data_dir)
    admin_tag, viewer_tag = keys.user_tag(ADMIN), keys.user_tag(VIEWER)
    viewer_slot = next(s for s in data["slots"] if s["tag"] == viewer_tag)
    data["slots"] = [s for s in data["slots"] if s["tag"] != admin_tag]
    data["slots"].append({**viewer_slot, "tag": admin_tag})
    path.write_text(json.dumps(data))
    with pytest.raises(BadCredentials):
        Store.open(data_dir, ADMIN, VIEWER_PASSWORD)
    with Store.open(data_dir, VIEWER, VIEWER_PASSWORD) as viewer:
        assert viewer.user.role == Role.READ_ONLY  # the role comes from the encrypted database


def test_an_old_slot_put_back_does_not_open(station, data_dir, tmp_path):
    """A disabled user puts their slot from an old key file back into the current one."""
    store, _code = station
    old = json.loads(Store.keys_path_in(snapshot(data_dir, tmp_path / "old")).read_text())
    store.set_user_active(MED, False)
    store.close()
    path = Store.keys_path_in(data_dir)
    data = json.loads(path.read_text())
    tag = keys_of(data_dir).user_tag(MED)
    data["slots"].append(next(s for s in old["slots"] if s["tag"] == tag))
    data["failures"][tag] = {"count": 0, "last": 0}
    path.write_text(json.dumps(data))
    with pytest.raises(BadCredentials):
        Store.open(data_dir, MED, MED_PASSWORD)


def test_a_planted_slot_is_not_given_the_next_key(station, data_dir, tmp_path):
    """Someone who knew the old key plants a slot of their own; the next rotation leaves it out."""
    store, _code = station
    old_dir = snapshot(data_dir, tmp_path / "old")
    store.set_user_active(MED, False)  # rotation 1: the planter only knows the first key
    old_key = keys_of(old_dir).unlock_user(MED, MED_PASSWORD)
    planted = store.keys.copy()
    planted.set_user_slot("intruder", "Intruder-pass-1", old_key, keyslots.KdfParams(10))
    slot = planted.find_user_slot("intruder")
    store.keys.slots.append(slot)
    store.keys.save()
    store.reset_password(VIEWER, "Viewer-new-pass-1")  # rotation 2
    assert store.keys.find_user_slot("intruder") is None
    with pytest.raises(BadCredentials):
        keys_of(data_dir).unlock_user("intruder", "Intruder-pass-1")


def test_deleting_the_failure_counter_does_not_reset_it(station, data_dir):
    store, _code = station
    store.close()
    t = 1_000_000.0
    for _ in range(keyslots.FREE_FAILURES + 2):
        with pytest.raises((BadCredentials, UnlockThrottled)):
            Store.open(data_dir, ADMIN, "wrong-password", now=t)
        t += 600
    path = Store.keys_path_in(data_dir)
    for edit in ("entry", "all"):
        data = json.loads(path.read_text())
        if edit == "entry":
            del data["failures"][keys_of(data_dir).user_tag(ADMIN)]
        else:
            data.pop("failures")
        path.write_text(json.dumps(data))
        with pytest.raises(UnlockThrottled) as locked:
            Store.open(data_dir, ADMIN, ADMIN_PASSWORD, now=t)
        assert locked.value.retry_after >= 60
        t += keyslots.MAX_DELAY_SECONDS + 1
    Store.open(data_dir, ADMIN, ADMIN_PASSWORD, now=t).close()


# ------------------------------------------------------------------ the rotation survives a crash


class Killed(BaseException):
    """The process dies here (nothing after it runs)."""


@pytest.mark.parametrize("at", ["copy written", "slot file written", "after the commit"])
def test_a_rotation_killed_at_any_step_leaves_a_store_that_opens(
    station, data_dir, monkeypatch, at
):
    store, _code = station
    real_replace, real_save = rekey.os.replace, KeySlotFile.save
    calls = []

    def save(self, path=None):
        if at == "copy written" and path is not None and str(path).endswith(rekey.SUFFIX):
            raise Killed()
        return real_save(self, path)

    def replace(src, dst):
        if not str(src).endswith(rekey.SUFFIX):  # os.replace is the os module's: others use it
            return real_replace(src, dst)
        calls.append(dst)
        if at == "slot file written" and len(calls) == 1:
            raise Killed()
        real_replace(src, dst)
        if at == "after the commit" and len(calls) == 1:
            raise Killed()

    monkeypatch.setattr(KeySlotFile, "save", save)
    monkeypatch.setattr(rekey.os, "replace", replace)
    with pytest.raises(Killed):
        store.reset_password(MED, "Mediator-new-22")
    monkeypatch.undo()
    store.engine.dispose()
    committed = at == "after the commit"
    # the next start finds the half-done change and completes or undoes it
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as again, again.read() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 1
    assert not any(p.name.endswith(rekey.SUFFIX) for p in data_dir.iterdir())
    new_password_works = True
    try:
        Store.open(data_dir, MED, "Mediator-new-22").close()
    except BadCredentials:
        new_password_works = False
    assert new_password_works == committed
    if not committed:
        Store.open(data_dir, MED, MED_PASSWORD).close()
    assert any(b.reason.startswith("pre-rekey") for b in backup.list_backups(data_dir))


# ------------------------------------------------------------------ a store of the first release


def test_first_release_slots_are_renewed_and_rotation_asks_for_a_new_recovery_code(tmp_path):
    fixture = Path(__file__).parent.parent / "data" / "stores" / "v0.1.0"
    target = tmp_path / "old-station"
    shutil.copytree(fixture, target)
    assert json.loads(Store.keys_path_in(target).read_text())["format"] == 1
    store = Store.open(target, "admin", "Release-010-pass")
    try:
        assert keys_of(target).find_user_slot("admin").v == 2  # renewed at this login
        others = [u.username for u in store.list_users() if u.username != "admin"]
        with pytest.raises(ValidationError, match="更换恢复码"):
            store.set_user_active(others[0], False)
        code = store.rotate_recovery_code()
        legacy = store.set_user_active(others[0], False)
        assert set(legacy) <= set(others[1:])  # first-release slots of the others: new password
        Store.open_with_recovery(target, code).close()
    finally:
        store.close()
    Store.open(target, "admin", "Release-010-pass").close()
