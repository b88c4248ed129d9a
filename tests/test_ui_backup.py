"""Restoring a backup from the settings page, and the crash notice at the next start (qtbot)."""

from sqlalchemy import select

from app import crash
from app.store.models import Enterprise
from app.store.store import Store
from app.ui.application import AppController, setup_application
from app.ui.login import LoginDialog
from app.ui.sections.settings import RestoreDialog
from tests.conftest import ADMIN, ADMIN_PASSWORD


def test_restore_from_settings_returns_to_login_with_old_data(
    qtbot, qapp, store, data_dir, monkeypatch
):
    setup_application(qapp)
    with store.unit_of_work() as s:
        s.add(Enterprise(name="备份里有的企业"))
    made = store.backup("manual")
    with store.unit_of_work() as s:
        s.add(Enterprise(name="备份后新增的企业"))
    controller = AppController(data_dir)
    controller.open_main(store)
    window = controller.window
    qtbot.addWidget(window)
    window.show_section("settings")
    section = window.sections["settings"]
    section.refresh_backups()
    rows = [b.path for b in section.backups_model.backups]
    assert made in rows
    section.backups_view.selectRow(rows.index(made))

    class Filled(RestoreDialog):
        def exec(self):
            self.secret.setText(ADMIN_PASSWORD)
            self._check()
            return self.result()

    monkeypatch.setattr("app.ui.sections.settings.RestoreDialog", Filled)
    section._restore_selected()
    qtbot.waitUntil(lambda: isinstance(controller.dialog, LoginDialog), timeout=15000)
    assert "已从备份恢复" in controller.dialog.message.text()
    controller.dialog.close()
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as again, again.read() as s:
        assert list(s.scalars(select(Enterprise.name))) == ["备份里有的企业"]


def test_wrong_password_restore_leaves_data_and_says_so(qtbot, qapp, store, data_dir, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    made = store.backup("manual")
    with store.unit_of_work() as s:
        s.add(Enterprise(name="不应丢失的企业"))
    controller = AppController(data_dir)
    controller.open_main(store)
    qtbot.addWidget(controller.window)
    controller.window.pending_restore = (made, {"admin": (ADMIN, "wrong-password")})
    controller.window.sign_out()
    qtbot.waitUntil(lambda: isinstance(controller.dialog, LoginDialog), timeout=15000)
    assert warnings and "未做任何改动" in warnings[0]
    controller.dialog.close()
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as again, again.read() as s:
        assert "不应丢失的企业" in set(s.scalars(select(Enterprise.name)))


def test_crash_notice_shown_once_at_next_start(qtbot, qapp, created, data_dir, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    created[0].close()
    crash.write_report(data_dir, ValueError("x"))
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    reports = crash.pending_reports(data_dir)
    controller = AppController(data_dir)
    controller.start(reports)
    qtbot.addWidget(controller.dialog)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert "意外错误" in shown[0] and "不含任何当事人信息" in shown[0]
    assert not crash.pending_reports(data_dir)
    controller.dialog.close()
