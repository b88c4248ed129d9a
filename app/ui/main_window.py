"""The station's main window: navigation, sections, status bar, locking."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from app import __version__
from app.store.store import Store
from app.sync.state import pending_text
from app.ui.context import AppContext
from app.ui.lock import DEFAULT_IDLE_MINUTES, IDLE_SETTING, LockController
from app.ui.sections import Section, SectionSpec, visible_sections
from app.ui.widgets.common import confirm
from app.ui.widgets.fit import fit_window, fits_on_screen, scrolling

log = logging.getLogger(__name__)

PENDING_REFRESH_MS = 15_000
#: where the main window's size and place are kept, per PC (QSettings, not the store: it is
#: the PC's screen that matters, whoever signs in)
GEOMETRY_KEY = "main_window/geometry"


def count_pending_changes(store: Store) -> int:
    from app.sync import state

    with store.read() as s:
        return state.count_waiting(s)


class MainWindow(QMainWindow):
    signed_out = Signal()

    def __init__(self, store: Store):
        super().__init__()
        self.store = store
        self.ctx = AppContext(store, self)
        self._signing_out = False
        self.setWindowTitle(f"劳动关系服务站 · {store.station.name}")
        fit_window(self, 1280, 800)  # the size it takes when un-maximised the first time

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(180)
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.stack = QStackedWidget()
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.specs: list[SectionSpec] = visible_sections(store.user.is_admin)
        self.sections: dict[str, Section] = {}
        self._pages: dict[str, QWidget] = {}
        for spec in self.specs:
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._show_row)
        self.ctx.navigate_requested.connect(self.show_section)

        self.help_dialog = None
        self._build_menu()
        self._build_status_bar()
        minutes = store.get_setting(IDLE_SETTING, DEFAULT_IDLE_MINUTES)
        self.lock = LockController(store, self, int(minutes))
        self.lock.switch_user.connect(self.sign_out)
        self.lock.locked_changed.connect(self._locked_changed)
        # background sync while the window is open; its status goes to the status bar
        from app.ui.sync.controller import SyncController

        self.sync = SyncController.for_context(self.ctx)
        self.sync.start()
        if self.specs:
            self.nav.setCurrentRow(0)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_marked", False):
            self._marked = True
            from app.startup_marks import mark

            QTimer.singleShot(0, lambda: mark("main_shown"))

    def show_placed(self) -> None:
        """Show the window as it was left on this PC, maximised the first time (and whenever the
        remembered place does not fit the screen any more)."""
        saved = QSettings().value(GEOMETRY_KEY)
        restored = saved is not None and self.restoreGeometry(saved)
        if restored and (self.isMaximized() or fits_on_screen(self)):
            self.show()
            return
        self.showMaximized()

    def _remember_placement(self) -> None:
        settings = QSettings()
        settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        settings.sync()

    # -------------------------------------------------------------- sections

    def section(self, key: str) -> Section | None:
        """The section widget for ``key``, created on first use."""
        if key in self.sections:
            return self.sections[key]
        spec = next((s for s in self.specs if s.key == key), None)
        if spec is None:
            return None
        widget = spec.create(self.ctx)
        self.sections[key] = widget
        # a section taller than a 1366×768 screen scrolls inside the window instead of making
        # the window taller than the screen
        self._pages[key] = scrolling(widget, horizontal=True)
        self.stack.addWidget(self._pages[key])
        return widget

    def current_section(self) -> Section | None:
        page = self.stack.currentWidget()
        return next((self.sections[k] for k, p in self._pages.items() if p is page), None)

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        key = self.nav.item(row).data(Qt.ItemDataRole.UserRole)
        widget = self.section(key)
        if widget is not None:
            self.stack.setCurrentWidget(self._pages[key])
            widget.activated()

    def show_section(self, key: str, kwargs: dict | None = None) -> None:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(row)
                widget = self.section(key)
                if widget is not None and kwargs:
                    widget.navigate(**kwargs)
                return

    # -------------------------------------------------------------- menu and status bar

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("文件(&F)")
        new_case = QAction("登记新案件(&N)…", self)
        new_case.setShortcut(QKeySequence.StandardKey.New)  # Ctrl+N
        new_case.triggered.connect(self.new_case)
        menu.addAction(new_case)
        find = QAction("查找(&S)", self)
        find.setShortcut(QKeySequence.StandardKey.Find)  # Ctrl+F
        find.triggered.connect(self.focus_search)
        menu.addAction(find)
        print_action = QAction("打印文书(&P)…", self)
        print_action.setShortcut(QKeySequence.StandardKey.Print)  # Ctrl+P
        print_action.triggered.connect(self.print_current)
        menu.addAction(print_action)
        self.shortcut_actions = {"new": new_case, "find": find, "print": print_action}
        menu.addSeparator()
        lock = QAction("锁定(&L)", self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.triggered.connect(lambda: self.lock.lock())
        menu.addAction(lock)
        sign_out = QAction("注销(&O)", self)
        sign_out.triggered.connect(self._confirm_sign_out)
        menu.addAction(sign_out)
        menu.addSeparator()
        quit_action = QAction("退出(&X)", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("帮助(&H)")
        guide = QAction("使用说明(&G)", self)
        guide.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))  # F1
        guide.triggered.connect(self.show_help)
        help_menu.addAction(guide)
        about = QAction("关于(&A)", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    # -------------------------------------------------------------- keyboard

    def new_case(self) -> None:
        """Ctrl+N: the intake dialog, from wherever the user is."""
        if not self.store.user.can_write:
            return
        self.show_section("cases")
        section = self.section("cases")
        if section is not None:
            section.new_case()

    def focus_search(self) -> None:
        """Ctrl+F: the search field of the list on screen."""
        section = self.current_section()
        for holder in (
            section,
            getattr(section, "list_page", None),
            getattr(section, "visits", None),
        ):
            edit = getattr(holder, "search", None)
            if edit is not None and edit.isVisible():
                edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
                edit.selectAll()
                return

    def print_current(self) -> None:
        """Ctrl+P: the print menu of the case on screen."""
        section = self.current_section()
        page = getattr(section, "case_page", None)
        menu = getattr(page, "print_menu", None)
        if page is None or menu is None or not page.isVisible():
            self.statusBar().showMessage("请先打开一个案件，再打印其文书", 5000)
            return
        button = menu.parentWidget()
        menu.popup(button.mapToGlobal(button.rect().bottomLeft()) if button else self.pos())

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        user = self.store.user
        self.station_label = QLabel(f"站点：{self.store.station.name}")
        self.user_label = QLabel(f"用户：{user.display_name}（{user.role.label}）")
        self.pending_label = QLabel("待同步：…")
        self.sync_label = QLabel("")
        for widget in (self.station_label, self.user_label, self.pending_label, self.sync_label):
            bar.addPermanentWidget(widget)
        self.ctx.sync_status.connect(self.sync_label.setText)
        self.ctx.data_changed.connect(lambda _entity: self.refresh_pending())
        self.pending_timer = QTimer(self)
        self.pending_timer.timeout.connect(self.refresh_pending)
        self.pending_timer.start(PENDING_REFRESH_MS)
        self.refresh_pending()

    def refresh_pending(self) -> None:
        self.ctx.run(
            count_pending_changes,
            self.store,
            on_done=lambda n: self.pending_label.setText(pending_text(n)),
            on_failed=lambda exc: self.pending_label.setText(pending_text(None)),
        )

    def _locked_changed(self, locked: bool) -> None:
        self.menuBar().setEnabled(not locked)

    def show_help(self) -> None:
        from app.ui.help import HelpDialog

        if self.help_dialog is None:
            self.help_dialog = HelpDialog(self)
        self.help_dialog.show()
        self.help_dialog.raise_()
        self.help_dialog.activateWindow()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "关于",
            f"<b>劳动关系服务站</b> {__version__}<br>福州市鼓楼区构建和谐劳动关系示范区<br>"
            "站点数据加密保存在本机，联网时分批同步到区人社局服务器。",
        )

    # -------------------------------------------------------------- closing

    def _confirm_sign_out(self) -> None:
        if confirm(self, "注销", "确定要注销当前用户吗？未保存的内容会丢失。"):
            self.sign_out()

    def sign_out(self) -> None:
        self._signing_out = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.lock.locked and not self._signing_out:
            event.ignore()
            return
        for section in self.sections.values():
            can_close = getattr(section, "can_close", None)
            if can_close is not None and not can_close():
                event.ignore()
                self._signing_out = False
                return
        self._remember_placement()
        self.lock.stop()
        self.sync.stop()
        self.pending_timer.stop()
        self.ctx.pool.waitForDone(10_000)
        self.store.close()
        event.accept()
        if self._signing_out:
            self.signed_out.emit()
        else:
            QApplication.quit()
