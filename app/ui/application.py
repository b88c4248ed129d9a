"""Start of the GUI: fonts and style, then the first-run wizard or the login, then the main window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from app import __version__
from app.paths import resource
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


def setup_application(app: QApplication) -> None:
    app.setApplicationName("劳动关系服务站")
    app.setOrganizationName("GulouHRSS")
    app.setApplicationVersion(__version__)
    icon = resource("icons", "labor-station.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    load_fonts(app)
    app.setStyleSheet(_STYLE)


class AppController(QObject):
    """Drives the windows: wizard or login, then the main window; back to login on sign-out."""

    def __init__(self, data_dir: Path):
        super().__init__()
        self.data_dir = Path(data_dir)
        self.window = None
        self.dialog = None

    def start(self) -> None:
        if Store.exists(self.data_dir):
            self.show_login()
        else:
            self.show_wizard()

    def show_wizard(self) -> None:
        from app.ui.wizard import FirstRunWizard

        self.dialog = FirstRunWizard(self.data_dir)
        self.dialog.store_created.connect(self._pending_store)
        self.dialog.finished.connect(self._wizard_finished)
        self.dialog.show()

    def _pending_store(self, store: Store) -> None:
        self._created = store

    def _wizard_finished(self, result: int) -> None:
        store = getattr(self, "_created", None)
        if store is None:
            QApplication.quit()
            return
        self.open_main(store)

    def show_login(self) -> None:
        from app.ui.login import LoginDialog

        self.dialog = LoginDialog(self.data_dir)
        self.dialog.logged_in.connect(self.open_main)
        self.dialog.rejected.connect(QApplication.quit)
        self.dialog.show()

    def open_main(self, store: Store) -> None:
        from app.ui.main_window import MainWindow

        self.dialog = None
        self.window = MainWindow(store)
        self.window.signed_out.connect(self._signed_out)
        self.window.show()

    def _signed_out(self) -> None:
        self.window = None
        self.show_login()


def run_gui(data_dir: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    # Between the login closing and the main window opening no window is visible; the windows
    # themselves quit the application when the user closes them.
    app.setQuitOnLastWindowClosed(False)
    setup_application(app)
    controller = AppController(data_dir)
    controller.start()
    return app.exec()
