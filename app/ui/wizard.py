"""First run: choose the station, create the administrator, print the recovery code.

Or (protocol 2) join a station that already has a PC, or restore this PC's station from the
district: server address, code and CA file, the local administrator, then the download with a
progress bar and cancel (``app.sync.join`` in a background task).
"""

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
from app.store.folder import unfinished_folder
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


MODE_NEW, MODE_JOIN, MODE_RESTORE = "new", "join", "restore"
PAGE_STATION, PAGE_JOIN, PAGE_ADMIN, PAGE_RECOVERY, PAGE_DOWNLOAD = range(5)


class StationPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("选择站点")
        self.setSubTitle("本电脑服务于哪个街镇或园区？每台电脑上的程序只保存一个站点的数据。")
        form = ValidatedForm(self)
        self.mode = QComboBox()
        self.mode.addItem("新建站点（本站第一台电脑）", MODE_NEW)
        self.mode.addItem("加入本站（已有站点）", MODE_JOIN)
        self.mode.addItem("从区级服务器恢复本站数据", MODE_RESTORE)
        form.add_field("本电脑：", self.mode, "mode")
        self.mode_hint = styled_label("", "hint")
        self.mode_hint.setWordWrap(True)
        form.addRow("", self.mode_hint)
        self.mode.currentIndexChanged.connect(self._mode_changed)
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
        self._mode_changed()

    def _mode_changed(self) -> None:
        new = self.mode.currentData() == MODE_NEW
        self.station.setEnabled(new)
        self.organisation.setEnabled(new)
        self.mode_hint.setText(
            ""
            if new
            else "站点由区人社局提供的登记码确定；接下来填写区级服务器地址、登记码和 CA 证书，"
            "设置本机管理员密码后下载本站的全部记录和附件。"
        )

    def nextId(self) -> int:
        return PAGE_ADMIN if self.mode.currentData() == MODE_NEW else PAGE_JOIN

    def _update_org(self) -> None:
        from app.store.store import default_organisation_name

        self.organisation.setText(
            default_organisation_name(reference.station(self.station.currentData()))
        )


class JoinPage(QWizardPage):
    """Server address, one-time code and district CA file for joining or restoring."""

    def __init__(self, wizard: FirstRunWizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle("连接区级服务器")
        self.setSubTitle(
            "请向区人社局申请本电脑的一次性登记码（新增电脑或恢复），并取得区级 CA 证书文件。"
        )
        self.form = ValidatedForm(self)
        self.server = QLineEdit()
        self.server.setPlaceholderText("例如 https://10.1.2.3:8443")
        self.form.add_field("服务器地址：", self.server, "server")
        self.code = QLineEdit()
        self.code.setPlaceholderText("例如 ABCD-EFGH-JKLM-NPQR")
        self.form.add_field("登记码：", self.code, "code")
        row = QHBoxLayout()
        self.ca_label = QLabel("尚未选择")
        choose = QPushButton("选择 CA 证书文件…")
        choose.clicked.connect(self._choose_ca)
        row.addWidget(self.ca_label, 1)
        row.addWidget(choose)
        holder = QWidget()
        holder.setLayout(row)
        self.form.add_field("区级 CA 证书：", holder, "ca")
        self.ca_pem: str | None = None

    def _choose_ca(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self, "选择区级 CA 证书", "", "证书 (*.pem *.crt);;所有文件 (*)"
        )
        if path:
            self.load_ca_file(Path(path))

    def load_ca_file(self, path: Path) -> None:
        try:
            self.ca_pem = Path(path).read_text(encoding="utf-8")
            self.ca_label.setText(Path(path).name)
        except (OSError, UnicodeDecodeError):
            self.ca_pem = None
            self.ca_label.setText("无法读取该文件")

    def validatePage(self) -> bool:
        self.form.clear_errors()

        resuming = unfinished_folder(self.wiz.data_dir)
        return self.form.check(self.server, _server_ok, self.server.text()) and (
            resuming or self.form.check(self.code, _code_given, self.code.text())
        )

    def nextId(self) -> int:
        return PAGE_ADMIN


def _server_ok(text: str) -> None:
    from app.store.errors import ValidationError
    from app.sync.client import SyncProblem, normalise_server_url

    try:
        normalise_server_url(text)
    except SyncProblem as problem:
        raise ValidationError(str(problem), field="server") from None


def _code_given(text: str) -> None:
    from app.store.errors import ValidationError

    if not (text or "").strip():
        raise ValidationError("请填写区人社局提供的登记码", field="code")


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

    def initializePage(self) -> None:
        mode = self.wizard().station_page.mode.currentData()
        self.setButtonText(
            QWizard.WizardButton.CommitButton,
            {MODE_NEW: "创建站点", MODE_JOIN: "加入并下载本站数据", MODE_RESTORE: "开始恢复"}[mode],
        )

    def nextId(self) -> int:
        new = self.wizard().station_page.mode.currentData() == MODE_NEW
        return PAGE_RECOVERY if new else PAGE_DOWNLOAD

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

    def nextId(self) -> int:
        return -1


class DownloadPage(QWizardPage):
    """Joins (or restores) in the background with progress and cancel, then shows what came
    down against the district's counts, and the recovery code once."""

    created = Signal(object)

    def __init__(self, wizard: FirstRunWizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle("下载本站数据")
        self.setSubTitle("正在从区级服务器下载本站的全部记录和附件。中断后再次打开程序可继续。")
        layout = QVBoxLayout(self)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.status = styled_label("正在登记本电脑……", "hint")
        self.status.setWordWrap(True)
        self.error = styled_label("", "error")
        self.error.setWordWrap(True)
        self.cancel_button = QPushButton("取消下载")
        self.cancel_button.clicked.connect(self._cancel)
        self.code_label = QLabel()
        self.code_label.setProperty("role", "recovery")
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confirm = QCheckBox("我已打印或抄写恢复码，并将其锁入文件柜")
        self.confirm.toggled.connect(self.completeChanged)
        for w in (self.progress, self.status, self.error, self.cancel_button, self.code_label,
                  self.confirm):  # fmt: skip
            layout.addWidget(w)
        layout.addStretch(1)
        self.code_label.hide()
        self.confirm.hide()
        self.result = None
        self.task: Task | None = None

    def initializePage(self) -> None:
        if self.result is not None or self.task is not None:
            return
        from app.sync.join import join

        j, admin = self.wiz.join_page, self.wiz.admin_page
        self.error.setText("")
        self.task = Task(
            _join_task, join, self.wiz.data_dir, j.server.text(), j.code.text(), j.ca_pem,
            admin.username.text().strip(), admin.password.text(), admin.display_name.text().strip(),
        )  # fmt: skip
        self.task.signals.progress.connect(self._progress)
        self.task.signals.done.connect(self._done)
        self.task.signals.failed.connect(self._failed)
        self.task.signals.cancelled.connect(
            lambda: self._failed(None, "下载已取消：再次打开程序、选择同一方式可继续")
        )
        run_task(self.task)

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(f"{text}……")

    def _cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)

    def _done(self, result) -> None:
        self.result = result
        self.task = None
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.cancel_button.hide()
        lines = [
            f"已下载 {result.station_name} 的记录 {result.received} 条、附件 {result.attachments} 个。"
        ]
        short = [k for k, n in result.district_counts.items() if result.local_counts.get(k, 0) < n]
        lines.append("与区级服务器核对：一致。" if not short else
                     f"与区级服务器核对：{len(short)} 类记录少于区级，请在“同步”页面查看。")  # fmt: skip
        lines += result.notes
        lines.append("其他用户的密码不会从区级传来：请在“设置与用户”中重新添加本机的其他用户。")
        if result.recovery_code:
            lines.append("请现在打印或抄写本电脑的恢复码：")
            self.code_label.setText(result.recovery_code)
            self.code_label.show()
            self.confirm.show()
        else:
            self.confirm.setChecked(True)
        self.status.setText("\n".join(lines))
        self.created.emit(result.store)
        self.completeChanged.emit()

    def _failed(self, exc, text: str | None = None) -> None:
        self.task = None
        self.progress.setRange(0, 1)
        self.cancel_button.setEnabled(True)
        self.error.setText(text or ("未完成：" + user_message(exc) + "。可返回上一步修改后重试。"))

    def isComplete(self) -> bool:
        return self.result is not None and self.confirm.isChecked()

    def nextId(self) -> int:
        return -1


def _join_task(join, data_dir, server, code, ca_pem, admin, password, display_name, *,
               progress, cancel):  # fmt: skip
    return join(data_dir, server, code, ca_pem, admin, password, display_name=display_name,
                progress=progress, cancel=cancel)  # fmt: skip


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
        self.join_page = JoinPage(self)
        self.admin_page = AdminPage()
        self.recovery_page = RecoveryPage(self)
        self.download_page = DownloadPage(self)
        self.recovery_page.created.connect(self.store_created)
        self.download_page.created.connect(self.store_created)
        for page_id, page in (
            (PAGE_STATION, self.station_page),
            (PAGE_JOIN, self.join_page),
            (PAGE_ADMIN, self.admin_page),
            (PAGE_RECOVERY, self.recovery_page),
            (PAGE_DOWNLOAD, self.download_page),
        ):
            self.setPage(page_id, page)
        fit_window(self, 640, 480)
        if unfinished_folder(self.data_dir):  # a join or restore that stopped: go on with it
            self.station_page.mode.setCurrentIndex(2)
            self.station_page.mode_hint.setText(
                "上次的加入或恢复尚未完成：请填写同样的服务器地址，登记码可留空（已登记），"
                "并输入上次设置的管理员用户名和密码，即可继续下载。"
            )

    def reject(self) -> None:
        # Once the store exists, leaving the wizard means going on to the main window.
        if self.recovery_page.code or self.download_page.result is not None:
            return
        if self.download_page.task is not None:
            self.download_page.task.cancel()
        super().reject()
