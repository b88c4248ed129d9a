"""Start of the GUI: fonts and style, then the first-run wizard or the login, then the main window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTimer, QTranslator, Signal
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from app import __version__, crash
from app.logsetup import describe_exception
from app.paths import resource
from app.store.folder import station_files_exist, unfinished_folder
from app.ui.context import user_message
from app.ui.workers import Task, run_task

if TYPE_CHECKING:
    from app.store.store import Store

log = logging.getLogger(__name__)

_STYLE = """
QMainWindow, QDialog, QWizard { background: #f6f7f9; }
QListWidget#nav { background: #20324a; color: #e8edf3; border: none; font-size: 15px; }
QListWidget#nav::item { padding: 12px 18px; }
QListWidget#nav::item:selected { background: #2f6fb0; color: white; }
QLabel.error, QLabel[role="error"] { color: #b3261e; }
QLabel[role="hint"] { color: #5f6b7a; }
QLabel[role="title"] { font-size: 20px; font-weight: bold; color: #20324a; }
QLabel[role="recovery"] { font-family: monospace; font-size: 22px; letter-spacing: 2px;
    background: white; border: 1px solid #c5ccd6; padding: 12px; }
QPushButton[role="primary"] { background: #2f6fb0; color: white; padding: 6px 16px;
    border-radius: 3px; }
QPushButton[role="primary"]:disabled { background: #9bb5d3; }
"""


def load_fonts(app: QApplication) -> str | None:
    """Register the bundled CJK font; use it as the default where the system has no CJK font."""
    font_id = QFontDatabase.addApplicationFont(str(resource("fonts", "wqy-microhei.ttc")))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    bundled = families[0] if families else None
    if sys.platform == "win32":
        app.setFont(QFont("Microsoft YaHei UI", 10))
    elif bundled:
        app.setFont(QFont(bundled, 10))
    return bundled


def load_translations(app: QApplication) -> bool:
    """Qt's own Chinese texts: standard buttons (确定/取消/是/否), the copy/paste menu of text fields,
    the print and file dialogs. Kept on the application so it lives as long as it does."""
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(
        QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder
    ):
        app.installTranslator(translator)
        app._qt_translator = translator  # type: ignore[attr-defined]
        return True
    log.warning("Qt's Chinese translations were not found in %s", folder)
    return False


def setup_application(app: QApplication) -> None:
    app.setApplicationName("劳动关系服务站")
    app.setOrganizationName("GulouHRSS")
    app.setApplicationVersion(__version__)
    icon = resource("icons", "labor-station.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    load_fonts(app)
    if not getattr(app, "_qt_translator", None):
        load_translations(app)
    app.setStyleSheet(_STYLE)


class CrashNotifier(QObject):
    """Carries crash reports from any thread to a message on the GUI thread."""

    crashed = Signal(str)


class AppController(QObject):
    """Drives the windows: wizard or login, then the main window; back to login on sign-out."""

    def __init__(self, data_dir: Path):
        super().__init__()
        self.data_dir = Path(data_dir)
        self.window = None
        self.dialog = None
        self._created: Store | None = None

    def start(self, earlier_crashes: list | None = None) -> None:
        if station_files_exist(self.data_dir) and not unfinished_folder(self.data_dir):
            self.show_login()
        else:
            self.show_wizard()
        if earlier_crashes:
            QTimer.singleShot(300, lambda: self._tell_about_crashes(earlier_crashes))

    def _tell_about_crashes(self, reports: list) -> None:
        QMessageBox.information(self.dialog, "程序上次未正常退出", crash.describe_for_user(reports))
        crash.acknowledge(self.data_dir, reports)

    def show_wizard(self) -> None:
        from app.ui.wizard import FirstRunWizard

        self.dialog = FirstRunWizard(self.data_dir)
        self.dialog.store_created.connect(self._pending_store)
        self.dialog.finished.connect(self._wizard_finished)
        self.dialog.show()

    def _pending_store(self, store: Store) -> None:
        self._created = store

    def _wizard_finished(self, result: int) -> None:
        store, self._created = self._created, None
        if store is None:
            QApplication.quit()
            return
        self.open_main(store)

    def show_login(self, message: str = "") -> None:
        from app.ui.login import LoginDialog

        self.dialog = LoginDialog(self.data_dir)
        if message:
            self.dialog.message.setText(message)
            self.dialog.message.setProperty("role", "hint")
        self.dialog.logged_in.connect(self.open_main)
        self.dialog.rejected.connect(QApplication.quit)
        self.dialog.show()

    def open_main(self, store: Store) -> None:
        from app.ui.main_window import MainWindow

        self.dialog = None
        self.window = MainWindow(store)
        self.window.signed_out.connect(self._signed_out)
        self.window.show_placed()
        self.window.ctx.run(store.daily_backup_if_due, on_failed=self._backup_failed)

    def _backup_failed(self, exc: BaseException) -> None:
        log.warning("daily backup failed: %s", describe_exception(exc))
        if self.window is not None:
            self.window.statusBar().showMessage("自动备份失败，请在“设置与用户”中手动备份", 30_000)

    def _signed_out(self) -> None:
        restore = getattr(self.window, "pending_restore", None)
        self.window = None
        if restore is not None:
            self._restore(*restore)
        else:
            self.show_login()

    def _restore(self, backup_path: Path, auth: dict) -> None:
        progress = QProgressDialog("正在校验并恢复备份……", None, 0, 0)
        progress.setWindowTitle("恢复备份")
        progress.setMinimumDuration(0)
        progress.show()
        self.dialog = progress

        def done(_safety) -> None:
            progress.close()
            self.show_login("已从备份恢复，恢复前的数据另存为一份备份。请重新登录。")

        def failed(exc: BaseException) -> None:
            progress.close()
            QMessageBox.warning(None, "恢复失败", user_message(exc) + "\n\n现有数据未做任何改动。")
            self.show_login()

        from app.store.store import Store

        task = Task(Store.restore_backup, self.data_dir, backup_path, **auth)
        task.signals.done.connect(done)
        task.signals.failed.connect(failed)
        run_task(task)


def run_gui(data_dir: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    # Between the login closing and the main window opening no window is visible; the windows
    # themselves quit the application when the user closes them.
    app.setQuitOnLastWindowClosed(False)
    setup_application(app)
    notifier = CrashNotifier()
    notifier.crashed.connect(
        lambda _path: QMessageBox.warning(
            None,
            "发生意外错误",
            "程序遇到了意外错误，已记录错误位置（不含个人信息）。已保存的数据不受影响；"
            "如果当前操作没有完成，请重试。",
        )
    )
    earlier = crash.install(data_dir, on_exception=lambda path: notifier.crashed.emit(str(path)))
    controller = AppController(data_dir)
    controller.start(earlier)
    try:
        return app.exec()
    finally:
        crash.clean_exit(data_dir)
