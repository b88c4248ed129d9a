"""Key slots: one per user plus the recovery slot; changing one leaves the others alone."""

import json

import pytest

from app.domain.enums import Role
from app.store.errors import BadCredentials, UnlockThrottled, ValidationError
from app.store.keyslots import FREE_FAILURES, KeySlotFile, normalize_recovery_code
from app.store.store import Store, reset_password_with_recovery
from tests.conftest import ADMIN, ADMIN_PASSWORD


def slots(data_dir):
    return {s["slot_id"]: s for s in json.loads(Store.keys_path_in(data_dir).read_text())["slots"]}


def test_slot_file_holds_no_user_names(store, data_dir):
    store.add_user("zhangxiaohong", "张小红", Role.MEDIATOR, "Mediator-pass-1")
    text = Store.keys_path_in(data_dir).read_text(encoding="utf-8")
    assert "zhangxiaohong" not in text and "张小红" not in text


def test_adding_a_user_touches_only_its_own_slot(store, data_dir):
    before = slots(data_dir)
    store.add_user("med", "调解员", Role.MEDIATOR, "Mediator-pass-1")
    after = slots(data_dir)
    assert len(after) == len(before) + 1
    for slot_id, slot in before.items():
        assert after[slot_id] == slot


def test_changing_a_password_rewrites_only_that_slot(store, data_dir):
    store.add_user("med", "调解员", Role.MEDIATOR, "Mediator-pass-1")
    before = slots(data_dir)
    with Store.open(data_dir, "med", "Mediator-pass-1") as med:
        med.change_own_password("Mediator-pass-1", "Mediator-pass-2")
    after = slots(data_dir)
    changed = set(before) ^ set(after)
    assert len(changed) == 2  # the old slot of "med" went, its new one came
    kept = set(before) & set(after)
    assert all(before[k] == after[k] for k in kept) and len(kept) == len(before) - 1
    with pytest.raises(BadCredentials):
        Store.open(data_dir, "med", "Mediator-pass-1")
    Store.open(data_dir, "med", "Mediator-pass-2").close()
    Store.open(data_dir, ADMIN, ADMIN_PASSWORD).close()


def test_wrong_old_password_refused_on_change(store):
    with pytest.raises(BadCredentials):
        store.change_own_password("not-my-password", "Whatever-pass-9")


def test_disable_removes_the_slot_and_enable_restores_access(store, data_dir):
    store.add_user("med", "调解员", Role.MEDIATOR, "Mediator-pass-1")
    store.set_user_active("med", False)
    with pytest.raises(BadCredentials):
        Store.open(data_dir, "med", "Mediator-pass-1")
    store.set_user_active("med", True, password="Mediator-new-1")
    Store.open(data_dir, "med", "Mediator-new-1").close()


def test_last_admin_cannot_be_disabled(store):
    with pytest.raises(ValidationError):
        store.set_user_active(ADMIN, False)


def test_recovery_code_resets_a_forgotten_password(created, data_dir):
    store, code = created
    store.close()
    reset_password_with_recovery(
        data_dir, code.lower().replace("-", " "), ADMIN, "Brand-new-pass-1"
    )
    with pytest.raises(BadCredentials):
        Store.open(data_dir, ADMIN, ADMIN_PASSWORD)
    Store.open(data_dir, ADMIN, "Brand-new-pass-1").close()


def test_wrong_recovery_code_refused(store, data_dir):
    with pytest.raises(BadCredentials):
        Store.open_with_recovery(data_dir, "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA")


def test_rotated_recovery_code_replaces_the_old_one(created, data_dir):
    store, old = created
    new = store.rotate_recovery_code()
    with pytest.raises(BadCredentials):
        Store.open_with_recovery(data_dir, old)
    Store.open_with_recovery(data_dir, new).close()


def test_wrong_password_gives_chinese_message_and_growing_delays(store, data_dir):
    t = 1_000_000.0
    for _ in range(FREE_FAILURES):
        with pytest.raises(BadCredentials, match="用户名或密码不正确"):
            Store.open(data_dir, ADMIN, "wrong", now=t)
    with pytest.raises(UnlockThrottled) as first:
        Store.open(data_dir, ADMIN, ADMIN_PASSWORD, now=t + 0.5)
    assert "秒后再试" in str(first.value)
    # after the delay, one more failure doubles it
    with pytest.raises(BadCredentials):
        Store.open(data_dir, ADMIN, "wrong", now=t + first.value.retry_after + 1)
    t2 = t + first.value.retry_after + 1
    with pytest.raises(UnlockThrottled) as second:
        Store.open(data_dir, ADMIN, ADMIN_PASSWORD, now=t2 + 0.1)
    assert second.value.retry_after > first.value.retry_after
    # the right password after the wait opens and clears the counter
    Store.open(data_dir, ADMIN, ADMIN_PASSWORD, now=t2 + second.value.retry_after + 1).close()
    failures = KeySlotFile.load(Store.keys_path_in(data_dir)).failures
    assert all(e["count"] == 0 for e in failures.values())  # cleared (kept: see tests/security)


def test_unknown_user_gets_the_same_message(store, data_dir):
    with pytest.raises(BadCredentials, match="用户名或密码不正确"):
        Store.open(data_dir, "nobody", ADMIN_PASSWORD)


def test_weak_password_refused(store):
    with pytest.raises(ValidationError, match="至少"):
        store.add_user("m2", "x", Role.MEDIATOR, "short")


def test_duplicate_username_refused_and_slots_unchanged(store, data_dir):
    store.add_user("med", "调解员", Role.MEDIATOR, "Mediator-pass-1")
    before = slots(data_dir)
    with pytest.raises(ValidationError, match="已存在"):
        store.add_user("med", "另一个", Role.MEDIATOR, "Mediator-pass-2")
    assert slots(data_dir) == before
    Store.open(data_dir, "med", "Mediator-pass-1").close()


def test_recovery_code_normalisation():
    assert normalize_recovery_code("abcde fghjk") == "ABCDE-FGHJK"
