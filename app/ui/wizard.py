"""First run: choose the station, create the administrator, print the recovery code."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.domain import reference
from app.domain.dates import cn_date
from app.store.errors import StoreError
from app.store.store import Store, check_display_name, check_username
from app.ui.context import user_message
from app.ui.forms import PasswordEdit, ValidatedForm, styled_label
from app.ui.widgets.fit import fit_window
from app.ui.workers import Task, run_task


def recovery_sheet_html(station_name: str, code: str) -> str:
    return f"""
    <h2 style="text-align:center">劳动关系服务站 数据恢复码</h2>
    <p>站点：{station_name}</p>
    <p>生成日期：{cn_date(date.today())}</p>
    <p style="font-size:20pt; font-family:monospace; text-align:center; border:1px solid #000;
       padding:12px">{code}</p>
    <p>忘记管理员密码时，凭此恢复码可以重新设置密码。任何人拿到此恢复码都能打开本站点的数据，
    请将本页锁入文件柜，不要拍照、不要存在电脑或手机里。</p>
    <p>保管人签字：__________________　　日期：__________________</p>
    """


def print_recovery_sheet(parent: QWidget, station_name: str, code: str) -> bool:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("打印恢复码")
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    doc = QTextDocument()
    doc.setHtml(recovery_sheet_html(station_name, code))
    doc.print_(printer)
    return True


class StationPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("选择站点")
        self.setSubTitle("本电脑服务于哪个街镇或园区？每台电脑上的程序只保存一个站点的数据。")
        form = ValidatedForm(self)
        self.station = QComboBox()
        for s in reference.stations():
            self.station.addItem(f"{s.name}", s.code)
        form.add_field("街镇/园区：", self.station, "station")
        self.organisation = QLineEdit()
        form.add_field("调解组织名称：", self.organisation, "organisation")
        form.addRow("", styled_label("打印文书时使用的组织全称，可在“设置与用户”中修改。", "hint"))
        self.station.currentIndexChanged.connect(self._update_org)
        self._update_org()
        self.registerField("station", self.station, "currentData")

    def _update_org(self) -> None:
        from app.store.store import default_organisation_name

        self.organisation.setText(
            default_organisation_name(reference.station(self.station.currentData()))
        )


class AdminPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("创建站点管理员")
        self.setSubTitle("站点管理员负责添加调解员账号、重置密码和保管恢复码。")
        self.form = ValidatedForm(self)
        self.username = QLineEdit("admin")
        self.form.add_field("用户名：", self.username, "username")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("例如：林站长")
        self.form.add_field("姓名：", self.display_name, "display_name")
        self.password = PasswordEdit("至少10个字符，不要用常见密码")
        self.form.add_field("密码：", self.password, "password")
        self.confirm = PasswordEdit()
        self.form.add_field("确认密码：", self.confirm, "confirm")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "创建站点")

    def validatePage(self) -> bool:
        self.form.clear_errors()
        return (
            self.form.check(self.username, check_username, self.username.text())
            and self.form.check(self.display_name, check_display_name, self.display_name.text())
            and self.form.check_new_password(self.password, self.confirm, self.username.text())
        )


class RecoveryPage(QWizardPage):
    """Creates the store in the background, then shows the recovery code once."""

    created = Signal(object)

    def __init__(self, wizard: FirstRunWizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle("打印恢复码")
        self.setSubTitle("忘记管理员密码时，只有恢复码能找回数据。恢复码只显示这一次。")
        layout = QVBoxLayout(self)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.status = styled_label("正在创建加密的站点数据文件……", "hint")
        self.error = styled_label("", "error")
        self.code_label = QLabel()
        self.code_label.setProperty("role", "recovery")
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.print_button = QPushButton("打印恢复码…")
        self.print_button.clicked.connect(self._print)
        self.confirm = QCheckBox("我已打印或抄写恢复码，并将其锁入文件柜")
        self.confirm.toggled.connect(self.completeChanged)
        for w in (self.busy, self.status, self.error, self.code_label):
            layout.addWidget(w)
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.confirm)
        layout.addStretch(1)
        self.code = ""
        self.task: Task | None = None
        for w in (self.code_label, self.print_button, self.confirm):
            w.hide()

    def initializePage(self) -> None:
        if self.code or self.task is not None:
            return
        admin: AdminPage = self.wiz.admin_page
        station: StationPage = self.wiz.station_page
        self.task = Task(
            create_station,
            self.wiz.data_dir,
            station.station.currentData(),
            admin.username.text().strip(),
            admin.display_name.text().strip(),
            admin.password.text(),
            station.organisation.text().strip(),
        )
        self.task.signals.done.connect(self._created)
        self.task.signals.failed.connect(self._failed)
        run_task(self.task)

    def _created(self, result) -> None:
        store, code = result
        self.code = code
        self.busy.hide()
        self.status.setText("站点已创建。请现在打印恢复码，或用笔抄写下来：")
        self.code_label.setText(code)
        for w in (self.code_label, self.print_button, self.confirm):
            w.show()
        self.created.emit(store)
        self.completeChanged.emit()

    def _failed(self, exc) -> None:
        self.busy.hide()
        self.status.hide()
        self.error.setText("创建站点失败：" + user_message(exc) + "。请关闭向导后重试。")
        self.task = None

    def _print(self) -> None:
        name = reference.station(self.wiz.station_page.station.currentData()).name
        if print_recovery_sheet(self, name, self.code):
            self.confirm.setChecked(True)

    def isComplete(self) -> bool:
        return bool(self.code) and self.confirm.isChecked()


def create_station(data_dir, station_code, username, display_name, password, organisation):
    store, code = Store.create(data_dir, station_code, username, display_name or username, password)
    if organisation and organisation != store.station.organisation_name:
        # If this fails the default name stays; it can be changed in settings.
        with contextlib.suppress(StoreError):
            store.update_station_profile(organisation_name=organisation, address=None, phone=None)
    return store, code


class FirstRunWizard(QWizard):
    store_created = Signal(object)

    def __init__(self, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.setWindowTitle("劳动关系服务站 · 初次设置")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步")
        self.setButtonText(QWizard.WizardButton.BackButton, "上一步")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成，进入系统")
        self.station_page = StationPage()
        self.admin_page = AdminPage()
        self.recovery_page = RecoveryPage(self)
        self.recovery_page.created.connect(self.store_created)
        for page in (self.station_page, self.admin_page, self.recovery_page):
            self.addPage(page)
        fit_window(self, 640, 480)

    def reject(self) -> None:
        # Once the store exists, leaving the wizard means going on to the main window.
        if self.recovery_page.code:
            return
        super().reject()
