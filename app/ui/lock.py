"""Idle auto-lock: after some minutes without input the windows are covered and a password unlocks.

Nothing is closed or reset while locked: every open form keeps what was typed. Each visible window
gets an opaque cover (its content hidden); a modal unlock dialog sits on top, so even an open modal
form cannot be used until the password is given.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.store.errors import UnlockThrottled
from app.store.store import Store
from app.ui.forms import PasswordEdit, dialog_buttons, styled_label
from app.ui.login import ThrottleMixin
from app.ui.widgets.common import confirm
from app.ui.workers import Task, run_task

DEFAULT_IDLE_MINUTES = 5
IDLE_SETTING = "idle_lock_minutes"

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Emits ``idle`` after ``minutes`` without keyboard or mouse input anywhere in the app."""

    idle = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        QApplication.instance().installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self.minutes = max(0, int(minutes))
        self.reset()

    def set_interval_ms(self, ms: int) -> None:
        """For tests: an idle time in milliseconds."""
        self.timer.setInterval(ms)
        self.timer.start()

    def reset(self) -> None:
        if self.minutes <= 0:
            self.timer.stop()
            return
        self.timer.start(self.minutes * 60_000)

    def pause(self) -> None:
        self.timer.stop()

    def eventFilter(self, obj, event) -> bool:
        if event.type() in _ACTIVITY and self.timer.isActive():
            self.timer.start()
        return False

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class Cover(QWidget):
    """An opaque panel over a window's whole content while the app is locked."""

    def __init__(self, target: QWidget):
        super().__init__(target)
        self.setAutoFillBackground(True)
        self.setStyleSheet("background: #20324a;")
        layout = QVBoxLayout(self)
        label = QLabel("已锁定")
        label.setStyleSheet("color: #e8edf3; font-size: 24px;")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)
        self.setGeometry(target.rect())
        target.installEventFilter(self)
        self.show()
        self.raise_()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(obj.rect())
        return False


class UnlockDialog(ThrottleMixin, QDialog):
    unlocked = Signal()
    switch_user = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("已锁定")
        self.setModal(True)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        layout = QVBoxLayout(self)
        layout.addWidget(styled_label("程序已锁定", "title"))
        layout.addWidget(
            styled_label(
                f"长时间未操作，为保护当事人信息已自动锁定。请 {store.user.display_name} 输入密码解锁，"
                "已填写的内容不会丢失。",
                "hint",
            )
        )
        self.password = PasswordEdit("密码")
        layout.addWidget(self.password)
        self.message = styled_label("", "error")
        layout.addWidget(self.message)
        # no 取消: Esc does not unlock (reject() below does nothing)
        row = dialog_buttons(self, "解锁(&U)", on_ok=self._unlock, cancel_text=None)
        self.unlock_button = row.ok_button
        self.unlock_button.setProperty("role", "primary")
        self.switch_button = row.addButton("切换用户(&W)…", QDialogButtonBox.ButtonRole.ResetRole)
        self.switch_button.setAutoDefault(False)
        self.switch_button.clicked.connect(self._switch)
        layout.addWidget(row)
        self.password.returnPressed.connect(self._unlock)
        self.task: Task | None = None
        self.setMinimumWidth(380)

    def reject(self) -> None:  # Esc does not unlock
        pass

    def _unlock(self) -> None:
        if self.task is not None or not self.unlock_button.isEnabled():
            return
        self.unlock_button.setEnabled(False)
        self.message.setText("正在验证……")
        self.task = Task(self._verify, self.password.text())
        self.task.signals.done.connect(self._verified)
        self.task.signals.failed.connect(self._failed)
        run_task(self.task)

    def _verify(self, password: str) -> bool:
        return self.store.verify_password(self.store.user.username, password)

    def _verified(self, ok: bool) -> None:
        self.task = None
        self.password.clear()
        if ok:
            self.message.clear()
            self.unlock_button.setEnabled(True)
            self.unlocked.emit()
            return
        self.unlock_button.setEnabled(True)
        self.message.setText("密码不正确")

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self.password.clear()
        if isinstance(exc, UnlockThrottled):
            self._start_countdown(self.unlock_button, self.message, exc.retry_after, "解锁")
        else:
            self.unlock_button.setEnabled(True)
            self.message.setText(str(exc))

    def _switch(self) -> None:
        if confirm(self, "切换用户", "切换用户将退出当前用户，未保存的内容会丢失。确定要切换吗？"):
            self.switch_user.emit()


class LockController(QObject):
    """Locks on idle or on request; unlocks with the logged-in user's password."""

    locked_changed = Signal(bool)
    switch_user = Signal()

    def __init__(self, store: Store, main_window: QWidget, minutes: int):
        super().__init__(main_window)
        self.store = store
        self.main_window = main_window
        self.watcher = IdleWatcher(minutes, self)
        self.watcher.idle.connect(self.lock)
        self.covers: list[Cover] = []
        self.dialog: UnlockDialog | None = None

    @property
    def locked(self) -> bool:
        return self.dialog is not None

    def lock(self) -> None:
        if self.locked:
            return
        self.watcher.pause()
        for window in QApplication.topLevelWidgets():
            if window.isVisible() and not isinstance(window, UnlockDialog):
                self.covers.append(Cover(window))
        self.dialog = UnlockDialog(self.store, self.main_window)
        self.dialog.unlocked.connect(self.unlock)
        self.dialog.switch_user.connect(self._switch_user)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.locked_changed.emit(True)

    def unlock(self) -> None:
        for cover in self.covers:
            cover.deleteLater()
        self.covers.clear()
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
        self.watcher.reset()
        self.locked_changed.emit(False)

    def _switch_user(self) -> None:
        self.unlock()
        self.switch_user.emit()

    def stop(self) -> None:
        self.watcher.stop()
