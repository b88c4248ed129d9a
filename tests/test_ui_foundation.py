"""The first-run wizard, login, idle lock and user management, driven with qtbot (offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QWizard

from app.domain.enums import Role
from app.store.store import Store
from app.ui.application import setup_application
from app.ui.lock import Cover, UnlockDialog
from app.ui.login import LoginDialog, RecoveryResetDialog
from app.ui.main_window import MainWindow
from app.ui.sections.settings import SettingsSection
from app.ui.wizard import FirstRunWizard
from tests.conftest import ADMIN, ADMIN_PASSWORD


@pytest.fixture(autouse=True)
def _app(qapp):
    setup_application(qapp)


def test_wizard_creates_station_and_shows_recovery_code_once(qtbot, data_dir):
    wizard = FirstRunWizard(data_dir)
    qtbot.addWidget(wizard)
    created = []
    wizard.store_created.connect(created.append)
    wizard.show()
    page = wizard.station_page
    page.station.setCurrentIndex(page.station.findData("WUFENG"))
    assert "五凤街道" in page.organisation.text()
    wizard.next()
    admin = wizard.admin_page
    admin.username.setText("zhanzhang")
    admin.display_name.setText("郑站长")
    admin.password.setText("short")
    admin.confirm.setText("short")
    wizard.next()
    assert wizard.currentPage() is admin  # refused: too short
    assert "至少" in admin.form.errors()["password"]
    admin.password.setText("Wufeng-station-1")
    admin.confirm.setText("Wufeng-station-2")
    wizard.next()
    assert "不一致" in admin.form.errors()["confirm"]
    admin.confirm.setText("Wufeng-station-1")
    wizard.next()
    recovery = wizard.recovery_page
    qtbot.waitUntil(lambda: bool(recovery.code), timeout=15000)
    assert recovery.code_label.text() == recovery.code
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()  # not before the code is kept
    wizard.reject()
    assert wizard.isVisible()  # cannot walk away once the store exists
    recovery.confirm.setChecked(True)
    assert finish.isEnabled()
    store = created[0]
    try:
        assert store.station.code == "WUFENG" and store.user.username == "zhanzhang"
    finally:
        store.close()
    Store.open_with_recovery(data_dir, recovery.code).close()


def test_login_wrong_then_right_password(qtbot, created, data_dir):
    created[0].close()
    dialog = LoginDialog(data_dir)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "鼓东街道" in dialog.findChildren(type(dialog.message))[0].text()
    opened = []
    dialog.logged_in.connect(opened.append)
    qtbot.keyClicks(dialog.username, ADMIN)
    qtbot.keyClicks(dialog.password, "wrong-password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "不正确" in dialog.message.text(), timeout=10000)
    assert dialog.password.text() == "" and not opened
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=10000)
    assert dialog.result() == QDialog.DialogCode.Accepted
    opened[0].close()


def test_login_throttles_after_repeated_failures(qtbot, created, data_dir):
    created[0].close()
    dialog = LoginDialog(data_dir)
    qtbot.addWidget(dialog)
    dialog.username.setText(ADMIN)
    for _ in range(4):
        qtbot.waitUntil(
            lambda: dialog.task is None and dialog.login_button.isEnabled(), timeout=10000
        )
        dialog.password.setText("wrong-password")
        dialog._login()
    qtbot.waitUntil(lambda: "秒后再试" in dialog.message.text(), timeout=10000)
    assert not dialog.login_button.isEnabled()


def test_recovery_dialog_resets_password(qtbot, created, data_dir, monkeypatch):
    store, code = created
    store.close()
    dialog = RecoveryResetDialog(data_dir)
    qtbot.addWidget(dialog)
    dialog.code.setText(code.replace("-", " ").lower())
    dialog.username.setText(ADMIN)
    dialog.password.setText("Fresh-password-1")
    dialog.confirm.setText("Fresh-password-1")
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    dialog._submit()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10000)
    Store.open(data_dir, ADMIN, "Fresh-password-1").close()


@pytest.fixture
def window(qtbot, store):
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    yield w
    if w.isVisible():
        w.lock.unlock()
        w._signing_out = True
        w.close()


def test_main_window_shell(window, store):
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "设置与用户" in titles
    assert "鼓东街道" in window.windowTitle()
    assert "站点：鼓东街道" in window.station_label.text()
    assert "林站长" in window.user_label.text()


def test_pending_changes_shown_in_status_bar(qtbot, window, store):
    from app.store.models import Enterprise

    with store.unit_of_work() as s:
        s.add(Enterprise(name="甲公司"))
    window.ctx.data_changed.emit("enterprise")
    qtbot.waitUntil(lambda: window.pending_label.text() == "待同步：1 条记录", timeout=5000)


def test_idle_lock_hides_content_and_keeps_typed_text(qtbot, window):
    typed = QLineEdit(window)
    typed.setText("正在填写的内容")
    window.lock.watcher.set_interval_ms(100)
    qtbot.waitUntil(lambda: window.lock.locked, timeout=5000)
    dialog = window.lock.dialog
    assert isinstance(dialog, UnlockDialog) and dialog.isVisible()
    covers = window.findChildren(Cover)
    assert covers and covers[0].isVisible() and covers[0].geometry() == window.rect()
    dialog.password.setText("wrong-password")
    dialog._unlock()
    qtbot.waitUntil(lambda: dialog.message.text() == "密码不正确", timeout=5000)
    assert window.lock.locked
    dialog.password.setText(ADMIN_PASSWORD)
    dialog._unlock()
    qtbot.waitUntil(lambda: not window.lock.locked, timeout=5000)
    QApplication.processEvents()
    assert typed.text() == "正在填写的内容"
    assert not [c for c in window.findChildren(Cover) if c.isVisible()]


def test_lock_covers_open_dialogs_too(qtbot, window):
    other = QDialog(window)
    qtbot.addWidget(other)
    other.show()
    window.lock.lock()
    assert other.findChildren(Cover)
    window.lock.unlock()


def test_closing_is_refused_while_locked(qtbot, window):
    window.lock.lock()
    window.close()
    assert window.isVisible()
    window.lock.unlock()


def test_settings_add_user_and_disable(qtbot, window, store, data_dir, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.show_section("settings")
    section = window.sections["settings"]
    assert isinstance(section, SettingsSection)

    from app.ui.sections import settings as settings_module

    class FilledAddDialog(settings_module.AddUserDialog):
        def exec(self):
            self.username.setText("chen")
            self.display_name.setText("陈调解")
            self.role.setCurrentIndex(self.role.findData(Role.MEDIATOR.value))
            self.password.setText("Chen-pass-2026")
            self.confirm.setText("Chen-pass-2026")
            self._check()
            return self.result()

    monkeypatch.setattr(settings_module, "AddUserDialog", FilledAddDialog)
    section._add_user()
    qtbot.waitUntil(lambda: section.users_model.rowCount() == 2, timeout=10000)
    Store.open(data_dir, "chen", "Chen-pass-2026").close()
    section.users_view.selectRow(1)
    section._toggle_user()
    qtbot.waitUntil(lambda: not section.users_model.users[1].active, timeout=10000)
    from app.store.errors import BadCredentials

    with pytest.raises(BadCredentials):
        Store.open(data_dir, "chen", "Chen-pass-2026")


def test_mediator_sees_no_user_management(qtbot, store, data_dir):
    store.add_user("med", "调解员", Role.MEDIATOR, "Mediator-pass-1")
    med = Store.open(data_dir, "med", "Mediator-pass-1")
    w = MainWindow(med)
    qtbot.addWidget(w)
    w.show_section("settings")
    assert not hasattr(w.sections["settings"], "users_model")
    w._signing_out = True
    w.close()
