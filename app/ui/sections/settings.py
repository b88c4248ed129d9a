"""设置与用户: the station profile, idle lock, one's own password and (admins) user management."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import short_datetime
from app.domain.enums import Role
from app.store import backup
from app.store.errors import FieldProblem, StoreError
from app.store.models import UserAccount
from app.store.store import Store, check_display_name, check_username
from app.ui.context import AppContext, user_message
from app.ui.forms import BackgroundSave, PasswordEdit, ValidatedForm, dialog_buttons, styled_label
from app.ui.lock import DEFAULT_IDLE_MINUTES, IDLE_SETTING
from app.ui.sections import Section
from app.ui.widgets.common import RowsModel, confirm
from app.ui.wizard import print_recovery_sheet


def _local(dt) -> str:
    return short_datetime(dt) if dt else ""


class UsersModel(RowsModel):
    HEADERS = ("用户名", "姓名", "角色", "状态", "最近登录")

    @property
    def users(self) -> list[UserAccount]:
        return self.rows

    #: users without a password on this PC (added or re-enabled on another PC of the station)
    no_password: frozenset[str] = frozenset()

    def set_users(self, users: list[UserAccount], no_password=frozenset()) -> None:
        self.no_password = frozenset(no_password)
        self.set_rows(users)

    def cells(self, u: UserAccount) -> tuple[str, ...]:
        return (
            u.username,
            u.display_name,
            u.role.label,
            ("启用" if u.active else "停用")
            + (
                "（本机未设置密码，请重置密码）"
                if u.active and u.username in self.no_password
                else ""
            ),
            _local(u.last_login_at),
        )


class PasswordDialog(QDialog):
    """Ask for a new password twice (and optionally the current one)."""

    def __init__(self, title: str, intro: str, ask_old: bool = False, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(styled_label(intro, "hint"))
        self.form = ValidatedForm()
        self.old = PasswordEdit() if ask_old else None
        if self.old is not None:
            self.form.add_field("当前密码：", self.old)
        self.new = PasswordEdit("至少10个字符，不要用常见密码")
        self.form.add_field("新密码：", self.new)
        self.confirm = PasswordEdit()
        self.form.add_field("确认新密码：", self.confirm)
        layout.addLayout(self.form)
        layout.addWidget(self.form.summary)
        layout.addWidget(dialog_buttons(self, "确定", on_ok=self._check))

    def _check(self) -> None:
        self.form.clear_errors()
        if self.form.check_new_password(self.new, self.confirm):
            self.accept()


class AddUserDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("新增用户")
        layout = QVBoxLayout(self)
        self.form = ValidatedForm()
        self.username = QLineEdit()
        self.form.add_field("用户名：", self.username)
        self.display_name = QLineEdit()
        self.form.add_field("姓名：", self.display_name)
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.label, role.value)
        self.role.setCurrentIndex(self.role.findData(Role.MEDIATOR.value))
        self.form.add_field("角色：", self.role)
        self.password = PasswordEdit("至少10个字符，不要用常见密码")
        self.form.add_field("初始密码：", self.password)
        self.confirm = PasswordEdit()
        self.form.add_field("确认密码：", self.confirm)
        layout.addLayout(self.form)
        layout.addWidget(
            styled_label("请当面告知初始密码，并提醒用户登录后在“设置与用户”中修改。", "hint")
        )
        layout.addWidget(self.form.summary)
        layout.addWidget(dialog_buttons(self, "添加", on_ok=self._check))

    def _check(self) -> None:
        self.form.clear_errors()
        if (
            self.form.check(self.username, check_username, self.username.text())
            and self.form.check(self.display_name, check_display_name, self.display_name.text())
            and self.form.check_new_password(self.password, self.confirm, self.username.text())
        ):
            self.accept()


class SettingsSection(Section):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.addWidget(styled_label("设置与用户", "title"))
        self.admin = ctx.user.is_admin
        layout.addWidget(self._station_box())
        layout.addWidget(self._security_box())
        layout.addWidget(self._account_box())
        if self.admin:
            layout.addWidget(self._users_box())
            layout.addWidget(self._backup_box())
        layout.addStretch(1)

    # -------------------------------------------------------------- station profile

    def _station_box(self) -> QGroupBox:
        box = QGroupBox("站点信息")
        form = ValidatedForm(box)
        station = self.ctx.store.station
        form.addRow("街镇/园区：", QLabel(station.name))
        self.org_name = QLineEdit(station.organisation_name)
        form.add_field("调解组织名称：", self.org_name)
        self.org_address = QLineEdit(station.address or "")
        form.add_field("地址：", self.org_address)
        self.org_phone = QLineEdit(station.phone or "")
        form.add_field("电话：", self.org_phone)
        self.station_form = form
        save = QPushButton("保存站点信息")
        save.clicked.connect(self._save_station)
        form.addRow("", save)
        form.addRow("", form.summary)
        self.station_saving = BackgroundSave(
            self.ctx, self, form, buttons=[save], title="站点信息未能保存"
        )
        for w in (self.org_name, self.org_address, self.org_phone, save):
            w.setEnabled(self.admin)
        return box

    def _save_station(self) -> None:
        self.station_form.clear_errors()
        if not self.org_name.text().strip():
            self.station_form.show_problems(
                [FieldProblem("调解组织名称", "调解组织名称", "调解组织名称不能为空")]
            )
            return
        self.station_saving.run(
            self.ctx.store.update_station_profile,
            organisation_name=self.org_name.text(),
            address=self.org_address.text(),
            phone=self.org_phone.text(),
            on_done=lambda _r: QMessageBox.information(
                self, "已保存", "站点信息已保存，打印文书时使用新的信息。"
            ),
        )

    # -------------------------------------------------------------- security

    def _security_box(self) -> QGroupBox:
        box = QGroupBox("安全")
        form = ValidatedForm(box)
        self.idle = QSpinBox()
        self.idle.setRange(0, 120)
        self.idle.setSuffix(" 分钟")
        self.idle.setSpecialValueText("不自动锁定")
        self.idle.setValue(int(self.ctx.store.get_setting(IDLE_SETTING, DEFAULT_IDLE_MINUTES)))
        self.idle.setEnabled(self.admin)
        form.add_field("无操作自动锁定：", self.idle)
        save = QPushButton("保存")
        save.setEnabled(self.admin)
        save.clicked.connect(self._save_idle)
        form.addRow("", save)
        if self.admin:
            rotate = QPushButton("更换恢复码…")
            rotate.clicked.connect(self._rotate_recovery)
            form.addRow("恢复码：", rotate)
        return box

    def _save_idle(self) -> None:
        minutes = self.idle.value()
        self.ctx.store.set_setting(IDLE_SETTING, minutes)
        lock = getattr(self.window(), "lock", None)
        if lock is not None:
            lock.watcher.set_minutes(minutes)
        QMessageBox.information(self, "已保存", "自动锁定时间已更新。")

    def _rotate_recovery(self) -> None:
        if not confirm(self, "更换恢复码", "更换后，原来打印的恢复码立即作废。确定要更换吗？"):
            return
        self.ctx.run(self.ctx.store.rotate_recovery_code, on_done=self._show_new_code)

    def _show_new_code(self, code: str) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle("新的恢复码")
        layout = QVBoxLayout(dialog)
        layout.addWidget(
            styled_label("新的恢复码只显示这一次，请立即打印或抄写，并销毁旧的恢复码：", "hint")
        )
        label = QLabel(code)
        label.setProperty("role", "recovery")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(label)
        row = QHBoxLayout()
        print_button = QPushButton("打印…")
        print_button.clicked.connect(
            lambda: print_recovery_sheet(dialog, self.ctx.store.station.name, code)
        )
        done = QPushButton("我已保管好")
        done.clicked.connect(dialog.accept)
        row.addWidget(print_button)
        row.addStretch(1)
        row.addWidget(done)
        layout.addLayout(row)
        dialog.exec()

    # -------------------------------------------------------------- own account

    def _account_box(self) -> QGroupBox:
        box = QGroupBox("我的账户")
        row = QHBoxLayout(box)
        user = self.ctx.user
        row.addWidget(QLabel(f"{user.display_name}（{user.username}，{user.role.label}）"))
        row.addStretch(1)
        change = QPushButton("修改密码…")
        change.clicked.connect(self._change_own_password)
        row.addWidget(change)
        return box

    def _change_own_password(self) -> None:
        dialog = PasswordDialog("修改密码", "请输入当前密码和新密码。", ask_old=True, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.ctx.run(
            self.ctx.store.change_own_password,
            dialog.old.text(),
            dialog.new.text(),
            on_done=lambda _r: QMessageBox.information(
                self, "已修改", "密码已修改，下次登录请使用新密码。"
            ),
            on_failed=lambda exc: QMessageBox.warning(self, "修改失败", user_message(exc)),
        )

    # -------------------------------------------------------------- users (admin)

    def _users_box(self) -> QGroupBox:
        box = QGroupBox("用户管理")
        layout = QVBoxLayout(box)
        self.users_model = UsersModel(self)
        self.users_view = QTableView()
        self.users_view.setModel(self.users_model)
        self.users_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.users_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.users_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.users_view.verticalHeader().hide()
        self.users_view.setMinimumHeight(220)
        layout.addWidget(self.users_view)
        row = QHBoxLayout()
        self.add_button = QPushButton("新增用户…")
        self.add_button.clicked.connect(self._add_user)
        self.reset_button = QPushButton("重置密码…")
        self.reset_button.clicked.connect(self._reset_password)
        self.toggle_button = QPushButton("停用/启用")
        self.toggle_button.clicked.connect(self._toggle_user)
        self.role_box = QComboBox()
        for role in Role:
            self.role_box.addItem(role.label, role.value)
        self.role_button = QPushButton("设为该角色")
        self.role_button.clicked.connect(self._set_role)
        self.audit_button = QPushButton("操作记录…")
        self.audit_button.setToolTip("全站的操作记录：谁在何时新增、修改、删除了哪条记录")
        self.audit_button.clicked.connect(self.open_audit_log)
        for w in (self.add_button, self.reset_button, self.toggle_button, self.audit_button):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.role_box)
        row.addWidget(self.role_button)
        layout.addLayout(row)
        self.refresh_users()
        return box

    def open_audit_log(self):
        from app.ui.sections.audit_log import AuditLogDialog

        dialog = AuditLogDialog(self.ctx, self)
        dialog.open()
        return dialog

    def activated(self) -> None:
        if self.admin:
            self.refresh_users()
            self.refresh_backups()

    def refresh_users(self) -> None:
        store = self.ctx.store
        users = store.list_users()
        self.users_model.set_users(
            users, {u.username for u in users if not store.has_password_here(u.username)}
        )

    def selected_user(self) -> UserAccount | None:
        rows = self.users_view.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, "请选择用户", "请先在列表中选择一个用户。")
            return None
        return self.users_model.users[rows[0].row()]

    def _after_change(self, message: str):
        def done(result) -> None:
            self.refresh_users()
            text = message
            if isinstance(result, list) and result:  # first-release slots that had to go
                text += (
                    "\n\n数据密钥已更换。以下用户的密码是旧版本程序设置的，需要重置后才能登录："
                    + "、".join(result)
                )
            QMessageBox.information(self, "完成", text)

        return done

    def _add_user(self) -> None:
        dialog = AddUserDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        username = dialog.username.text().strip()
        self.ctx.run(
            self.ctx.store.add_user,
            username,
            dialog.display_name.text(),
            Role(dialog.role.currentData()),
            dialog.password.text(),
            on_done=self._after_change(f"已添加用户 {username}。"),
        )

    def _reset_password(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        dialog = PasswordDialog(
            "重置密码", f"为用户 {user.username}（{user.display_name}）设置新密码。", parent=self
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.ctx.run(
            self.ctx.store.reset_password,
            user.username,
            dialog.new.text(),
            on_done=self._after_change(f"已为 {user.username} 设置新密码。"),
        )

    def _toggle_user(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        if user.active:
            question = f"停用后 {user.username} 将无法登录（其密钥槽被删除）。确定要停用吗？"
            if not confirm(self, "停用用户", question):
                return
            self.ctx.run(
                self.ctx.store.set_user_active,
                user.username,
                False,
                on_done=self._after_change(f"已停用 {user.username}。"),
            )
            return
        dialog = PasswordDialog(
            "重新启用用户", f"重新启用 {user.username} 需要为其设置新密码。", parent=self
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.ctx.run(
            self.ctx.store.set_user_active,
            user.username,
            True,
            dialog.new.text(),
            on_done=self._after_change(f"已启用 {user.username}。"),
        )

    def _set_role(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        role = Role(self.role_box.currentData())
        try:
            self.ctx.store.set_user_role(user.username, role)
        except StoreError as exc:
            self.ctx.show_error(self, exc)
            return
        self._after_change(f"{user.username} 的角色已改为{role.label}。")(None)

    # -------------------------------------------------------------- backups (admin)

    def _backup_box(self) -> QGroupBox:
        box = QGroupBox("数据备份")
        layout = QVBoxLayout(box)
        layout.addWidget(
            styled_label(
                "程序每天首次登录时自动备份，升级前也会先备份。备份文件与数据文件一样加密，"
                "可导出到U盘异地保存。",
                "hint",
            )
        )
        self.backups_model = BackupsModel(self)
        self.backups_view = QTableView()
        self.backups_view.setModel(self.backups_model)
        self.backups_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.backups_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.backups_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.backups_view.verticalHeader().hide()
        self.backups_view.setMinimumHeight(200)
        layout.addWidget(self.backups_view)
        row = QHBoxLayout()
        self.backup_now = QPushButton("立即备份")
        self.backup_now.clicked.connect(self._backup_now)
        export = QPushButton("导出到文件夹…")
        export.clicked.connect(self._export_backup)
        restore = QPushButton("从所选备份恢复…")
        restore.clicked.connect(self._restore_selected)
        restore_file = QPushButton("从备份文件恢复…")
        restore_file.clicked.connect(self._restore_file)
        for w in (self.backup_now, export, restore, restore_file):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(QLabel("保留最近"))
        self.keep = QSpinBox()
        self.keep.setRange(2, 100)
        self.keep.setValue(
            int(self.ctx.store.get_setting(Store.BACKUP_KEEP_SETTING, backup.DEFAULT_KEEP))
        )
        self.keep.setSuffix(" 份")
        self.keep.valueChanged.connect(
            lambda n: self.ctx.store.set_setting(Store.BACKUP_KEEP_SETTING, int(n))
        )
        row.addWidget(self.keep)
        layout.addLayout(row)
        self.refresh_backups()
        return box

    def refresh_backups(self) -> None:
        self.backups_model.set_backups(backup.list_backups(self.ctx.store.data_dir))

    def _selected_backup(self) -> backup.BackupInfo | None:
        rows = self.backups_view.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, "请选择备份", "请先在列表中选择一份备份。")
            return None
        return self.backups_model.backups[rows[0].row()]

    def _backup_now(self) -> None:
        self.backup_now.setEnabled(False)

        def done(path) -> None:
            self.backup_now.setEnabled(True)
            self.refresh_backups()
            QMessageBox.information(self, "备份完成", f"已备份并校验：{path.name}")

        def failed(exc) -> None:
            self.backup_now.setEnabled(True)
            self.ctx.show_error(self, exc, "备份失败")

        self.ctx.run(self.ctx.store.backup, "manual", on_done=done, on_failed=failed)

    def _export_backup(self) -> None:
        info = self._selected_backup()
        if info is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "选择导出位置（如U盘）")
        if not folder:
            return
        self.ctx.run(
            backup.export_backup,
            info.path,
            Path(folder),
            on_done=lambda p: QMessageBox.information(
                self,
                "导出完成",
                f"已导出到 {p}\n（同时复制了密钥文件，恢复时需要管理员密码或恢复码）",
            ),
            on_failed=lambda exc: self.ctx.show_error(self, exc, "导出失败"),
        )

    def _restore_selected(self) -> None:
        info = self._selected_backup()
        if info is not None:
            self._restore(info.path)

    def _restore_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "选择备份文件", "", f"站点备份 (*{backup.BACKUP_SUFFIX})"
        )
        if path:
            self._restore(Path(path))

    def _restore(self, path: Path) -> None:
        dialog = RestoreDialog(path, self.ctx.user.username, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        window = self.window()
        window.pending_restore = (path, dialog.auth())
        window.sign_out()


class BackupsModel(RowsModel):
    HEADERS = ("时间", "类型", "大小")
    REASONS: ClassVar[dict[str, str]] = {
        "daily": "每日自动",
        "manual": "手动",
        "pre-restore": "恢复前",
    }

    @property
    def backups(self) -> list[backup.BackupInfo]:
        return self.rows

    def set_backups(self, backups: list[backup.BackupInfo]) -> None:
        self.set_rows(backups)

    @classmethod
    def reason_label(cls, reason: str) -> str:
        if reason.startswith("pre-migrate"):
            return "升级前自动"
        return cls.REASONS.get(reason, reason)

    def cells(self, b: backup.BackupInfo) -> tuple[str, ...]:
        return (
            short_datetime(b.created, seconds=True),
            self.reason_label(b.reason),
            f"{b.size / 1024 / 1024:.1f} MB",
        )


class RestoreDialog(QDialog):
    """Confirm a restore with the administrator's password or the recovery code."""

    def __init__(self, path: Path, username: str, parent=None):
        super().__init__(parent)
        self.username = username
        self.setWindowTitle("从备份恢复")
        layout = QVBoxLayout(self)
        layout.addWidget(
            styled_label(
                f"将用备份 {path.name} 替换当前数据。备份之后录入的内容会被替换；"
                "替换前，当前数据会另存为一份“恢复前”备份。恢复后需要重新登录。",
                "hint",
            )
        )
        self.form = ValidatedForm()
        self.method = QComboBox()
        self.method.addItem("管理员密码", "password")
        self.method.addItem("恢复码", "recovery")
        self.form.add_field("验证方式：", self.method)
        self.secret = PasswordEdit()
        self.form.add_field("密码或恢复码：", self.secret)
        layout.addLayout(self.form)
        layout.addWidget(self.form.summary)
        layout.addWidget(dialog_buttons(self, "恢复", on_ok=self._check))

    def _check(self) -> None:
        self.form.clear_errors()
        if not self.secret.text().strip():
            self.form.set_error(self.secret, "请输入管理员密码或恢复码")
            return
        self.accept()

    def auth(self) -> dict:
        if self.method.currentData() == "recovery":
            return {"recovery_code": self.secret.text()}
        return {"admin": (self.username, self.secret.text())}
