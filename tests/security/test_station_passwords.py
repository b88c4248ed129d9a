"""The station's password policy and key-derivation floor.

"password", "12345678" and eight spaces were accepted; now a password needs 10 characters and
must not be common (the shipped list), repetitive, a run or the user name; the reason is Chinese.
The setup wizard and the user dialogs use the same core function and require a display name.
scrypt never goes below N = 2^17 outside the tests, whatever ``LABOR_STATION_KDF_LOG2N`` says.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.domain.enums import Role
from app.domain.passwords import common_passwords, password_problem
from app.store import keyslots
from app.store.errors import ValidationError
from app.store.store import Store
from tests.conftest import ADMIN_PASSWORD

REFUSED = [
    "password",
    "12345678",
    " " * 8,
    " " * 12,
    "aaaaaaaaaa",
    "abcabcabcabc",
    "1234567890",
    "123456789012",
    "0987654321",
    "abcdefghijk",
    "qwertyuiop",
    "password2026!",
    "P@ssw0rd123",
    "woaini1314520",
    "iloveyou1314",
    "zhongguo123",
    "med12345678",  # the user name with digits
]


@pytest.mark.parametrize("password", REFUSED)
def test_weak_passwords_are_refused_with_a_reason(store, password):
    with pytest.raises(ValidationError) as refused:
        store.add_user("med", "调解员", Role.MEDIATOR, password)
    assert refused.value.field == "密码"
    assert any(w in str(refused.value) for w in ("至少", "简单", "常见", "空格", "用户名"))


@pytest.mark.parametrize(
    "password", ["Mediator-pass-1", "我家小狗叫旺财2019", "gulou labor 7 rooms"]
)
def test_good_passwords_are_accepted(store, data_dir, password):
    store.add_user("med", "调解员", Role.MEDIATOR, password)
    Store.open(data_dir, "med", password).close()


def test_every_path_uses_the_policy(created, data_dir, tmp_path):
    store, _code = created
    store.add_user("med", "调解员", Role.MEDIATOR, "Mediator-pass-1")
    for call in (
        lambda: store.reset_password("med", "password1"),
        lambda: (
            store.set_user_active("med", False) or store.set_user_active("med", True, "1234567890")
        ),
        lambda: store.change_own_password(ADMIN_PASSWORD, "qwertyuiop"),
        lambda: Store.create(tmp_path / "other", "GUXI", "admin", "站长", "password123"),
    ):
        with pytest.raises(ValidationError):
            call()


def test_a_display_name_is_required(store, tmp_path):
    with pytest.raises(ValidationError, match="姓名"):
        store.add_user("med", "  ", Role.MEDIATOR, "Mediator-pass-1")
    with pytest.raises(ValidationError, match="姓名"):
        Store.create(tmp_path / "other", "GUXI", "admin", "", "Other-pass-2026")


def test_the_common_list_is_shipped_and_large():
    words = common_passwords()
    assert len(words) > 30_000 and "password" in words and "woaini1314" in words
    assert password_problem("Admin-pass-2026") is None


def test_the_kdf_floor_holds_outside_tests(monkeypatch):
    monkeypatch.setenv("LABOR_STATION_KDF_LOG2N", "10")
    assert keyslots.calibrate_kdf().log2_n == 10  # tests may go below the floor
    monkeypatch.setattr(keyslots, "kdf_override_allowed", lambda: False)
    assert keyslots.calibrate_kdf().log2_n == keyslots.KDF_MIN_LOG2N == 17
    monkeypatch.setenv("LABOR_STATION_KDF_LOG2N", "19")
    assert keyslots.calibrate_kdf().log2_n == 19  # a higher cost is honoured
    monkeypatch.delenv("LABOR_STATION_KDF_LOG2N")
    assert keyslots.calibrate_kdf(target=0.001).log2_n == 17


def test_the_environment_variable_alone_does_not_lower_the_cost():
    """A process that is not a test (no pytest, no LABOR_STATION_TESTING) clamps to the floor."""
    env = {k: v for k, v in os.environ.items() if k != "LABOR_STATION_TESTING"}
    env["LABOR_STATION_KDF_LOG2N"] = "10"
    out = subprocess.run(
        [sys.executable, "-c",
         "from app.store.keyslots import calibrate_kdf; print(calibrate_kdf().log2_n)"],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert out.stdout.strip() == "17"


def test_wizard_and_user_dialog_use_the_policy(qtbot, qapp, data_dir, store):
    from app.ui.application import setup_application
    from app.ui.sections.settings import AddUserDialog
    from app.ui.wizard import FirstRunWizard

    setup_application(qapp)
    wizard = FirstRunWizard(data_dir.parent / "new-station")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    admin = wizard.admin_page
    admin.username.setText("zhanzhang")
    admin.display_name.setText("")
    admin.password.setText("Wufeng-station-1")
    admin.confirm.setText("Wufeng-station-1")
    wizard.next()
    assert wizard.currentPage() is admin and "姓名" in admin.form.errors()["display_name"]
    admin.display_name.setText("郑站长")
    for weak in ("password2026", "          ", "1234567890"):
        admin.password.setText(weak)
        admin.confirm.setText(weak)
        wizard.next()
        assert wizard.currentPage() is admin, weak
        assert admin.form.errors()["password"], weak

    dialog = AddUserDialog()
    qtbot.addWidget(dialog)
    dialog.username.setText("chen")
    dialog.password.setText("Chen-pass-2026")
    dialog.confirm.setText("Chen-pass-2026")
    dialog._check()
    assert dialog.result() == 0 and "姓名" in dialog.form.errors()["姓名"]
    dialog.display_name.setText("陈调解")
    dialog.password.setText("chen2026!!")
    dialog.confirm.setText("chen2026!!")
    dialog._check()
    assert dialog.result() == 0 and "用户名" in dialog.form.errors()["初始密码"]
