"""Login, and resetting a forgotten password with the recovery code."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import reference
from app.startup_marks import mark
from app.store.errors import UnlockThrottled
from app.store.folder import KEYS_FILE
from app.store.keyslots import KeySlotFile
from app.ui.context import user_message
from app.ui.forms import PasswordEdit, ValidatedForm, dialog_buttons, styled_label
from app.ui.workers import Task, run_task


def station_title(data_dir: Path) -> str:
    try:
        code = KeySlotFile.load(Path(data_dir) / KEYS_FILE).station_code
        return reference.station(code).name
    except Exception:
        return "（站点信息无法读取）"


def _load_store_code() -> None:
    """What opening the store and the main window needs (SQLAlchemy, the models, Alembic, the
    first section: about a second of imports)."""
    import importlib

    for name in WARM_UP_MODULES:
        importlib.import_module(name)


#: imported in the background while the login window waits for the password
WARM_UP_MODULES = (
    "app.store.store",
    "app.ui.main_window",
    "app.ui.sync.controller",
    "app.ui.workbench.section",
)


def warm_up() -> None:
    """While the user types the password, load the store's code (and the main window's) in a
    background thread, so that the login window itself appears without waiting for it."""
    import threading

    threading.Thread(target=_load_store_code, name="warm-up", daemon=True).start()


class ThrottleMixin:
    """Disables a button and counts down while the store asks us to wait after failed attempts."""

    def _start_countdown(self, button: QPushButton, label, seconds: int, text: str) -> None:
        self._remaining = seconds
        self._button, self._label, self._button_text = button, label, text
        button.setEnabled(False)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(1000)
        self._tick(first=True)

    def _tick(self, first: bool = False) -> None:
        if not first:
            self._remaining -= 1
        if self._remaining <= 0:
            self._timer.stop()
            self._button.setEnabled(True)
            self._button.setText(self._button_text)
            self._label.setText("")
            return
        self._button.setText(f"{self._button_text}（{self._remaining}）")
        self._label.setText(f"密码错误次数过多，请在 {self._remaining} 秒后再试")


class LoginDialog(ThrottleMixin, QDialog):
    logged_in = Signal(object)

    def __init__(self, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.setWindowTitle("劳动关系服务站 · 登录")
        layout = QVBoxLayout(self)
        layout.addWidget(styled_label(station_title(self.data_dir), "title"))
        layout.addWidget(styled_label("请输入您的用户名和密码", "hint"))
        form = ValidatedForm()
        self.username = QLineEdit()
        self.username.setPlaceholderText("用户名")
        form.add_field("用户名：", self.username)
        self.password = PasswordEdit()
        form.add_field("密码：", self.password)
        layout.addLayout(form)
        self.message = styled_label("", "error")
        layout.addWidget(self.message)
        buttons = dialog_buttons(self, "登录(&L)", on_ok=self._login, cancel_text=None)
        self.login_button = buttons.ok_button
        self.login_button.setProperty("role", "primary")
        self.forgot = buttons.addButton("忘记密码(&F)…", QDialogButtonBox.ButtonRole.ResetRole)
        self.forgot.setFlat(True)
        self.forgot.setAutoDefault(False)
        self.forgot.clicked.connect(self._forgot)
        layout.addWidget(buttons)
        self.password.returnPressed.connect(self._login)
        self.username.returnPressed.connect(self.password.setFocus)
        self.task: Task | None = None
        self.setMinimumWidth(380)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_marked", False):
            self._marked = True
            QTimer.singleShot(0, lambda: mark("login_shown"))  # once the loop runs: on screen
            QTimer.singleShot(0, warm_up)

    def _login(self) -> None:
        if self.task is not None or not self.login_button.isEnabled():
            return
        if not self.username.text().strip():
            self.message.setText("请输入用户名")
            self.username.setFocus()
            return
        self.message.setText("正在解密站点数据……")
        self.login_button.setEnabled(False)
        from app.store.store import Store  # loaded meanwhile by warm_up()

        self.task = Task(
            Store.open, self.data_dir, self.username.text().strip(), self.password.text()
        )
        self.task.signals.done.connect(self._done)
        self.task.signals.failed.connect(self._failed)
        run_task(self.task)

    def _done(self, store) -> None:
        mark("password_checked")
        self.task = None
        self.password.clear()
        self.logged_in.emit(store)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self.password.clear()
        self.password.setFocus()
        if isinstance(exc, UnlockThrottled):
            self._start_countdown(self.login_button, self.message, exc.retry_after, "登录")
            return
        self.login_button.setEnabled(True)
        self.message.setText(user_message(exc))

    def _forgot(self) -> None:
        RecoveryResetDialog(self.data_dir, self).exec()


class RecoveryResetDialog(ThrottleMixin, QDialog):
    """Set a new password for a user with the printed recovery code."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.setWindowTitle("用恢复码重设密码")
        layout = QVBoxLayout(self)
        layout.addWidget(
            styled_label(
                "输入初始化时打印的恢复码（不区分大小写，横线可省略），为指定用户设置新密码。",
                "hint",
            )
        )
        self.form = ValidatedForm()
        self.code = QLineEdit()
        self.code.setPlaceholderText("XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX")
        self.form.add_field("恢复码：", self.code)
        self.username = QLineEdit("admin")
        self.form.add_field("用户名：", self.username)
        self.password = PasswordEdit("至少8个字符")
        self.form.add_field("新密码：", self.password)
        self.confirm = PasswordEdit()
        self.form.add_field("确认新密码：", self.confirm)
        layout.addLayout(self.form)
        self.message = styled_label("", "error")
        layout.addWidget(self.message)
        self.buttons = dialog_buttons(self, "重设密码", on_ok=self._submit)
        self.ok = self.buttons.ok_button
        layout.addWidget(self.buttons)
        self.task: Task | None = None

    def _submit(self) -> None:
        self.form.clear_errors()
        self.message.clear()
        if not self.code.text().strip():
            self.form.set_error(self.code, "请输入恢复码")
            return
        if not self.form.check_new_password(self.password, self.confirm):
            return
        self.ok.setEnabled(False)
        self.message.setText("正在验证恢复码……")
        from app.store.store import reset_password_with_recovery

        self.task = Task(
            reset_password_with_recovery,
            self.data_dir,
            self.code.text(),
            self.username.text().strip(),
            self.password.text(),
        )
        self.task.signals.done.connect(self._done)
        self.task.signals.failed.connect(self._failed)
        run_task(self.task)

    def _done(self, _result) -> None:
        self.task = None
        QMessageBox.information(self, "已重设密码", "新密码已生效，请用新密码登录。")
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        if isinstance(exc, UnlockThrottled):
            self._start_countdown(self.ok, self.message, exc.retry_after, "重设密码")
            return
        self.ok.setEnabled(True)
        self.message.setText(user_message(exc))
