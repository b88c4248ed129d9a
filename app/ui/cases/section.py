"""调解案件: the case list (filters, search, paging) and the case page, with intake and batch
printing. Built on the ``Section``/``AppContext`` contract of the main window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.cases.detail import mediator_choices
from app.cases.queries import CaseFilter
from app.documents.case_documents import DocumentUnavailable, load_context, render
from app.documents.kinds import KINDS
from app.domain import reference
from app.domain.case_workflow import ACTIVE
from app.domain.enums import CaseStatus
from app.ui.cases.case_page import CasePage
from app.ui.cases.common import date_edit, from_qdate
from app.ui.cases.intake_dialog import IntakeDialog
from app.ui.cases.list_model import CaseListModel
from app.ui.cases.online_tab import OnlineApplicationsTab
from app.ui.context import AppContext
from app.ui.sections import Section

SEARCH_DEBOUNCE_MS = 300
OPEN_STATES = "open"


def render_batch(
    store, kind: str, case_ids: list[str], folder: Path, today: date, *, progress=None, cancel=None
):
    """Background: one PDF per case into ``folder``; cases the kind does not apply to are listed."""
    written, skipped = [], []
    for i, case_id in enumerate(case_ids):
        if cancel is not None and cancel:
            break
        ctx = load_context(store, case_id, today=today)
        name = ctx.detail.case_no
        for bracket, keep in (("(", ""), (")", "_"), ("（", ""), ("）", "_")):
            name = name.replace(bracket, keep)
        try:
            pdf = render(kind, ctx)
        except DocumentUnavailable as exc:
            skipped.append(f"{ctx.detail.case_no}：{exc}")
        else:
            path = folder / f"{name}_{next(k.name for k in KINDS if k.code == kind)}.pdf"
            path.write_bytes(pdf)
            written.append(path)
        if progress:
            progress(i + 1, len(case_ids), ctx.detail.case_no)
    return written, skipped


class CaseListPage(QWidget):
    def __init__(self, ctx: AppContext, today: Callable[[], date], parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        col = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.new_button = QPushButton("登记新案件…")
        self.new_button.setProperty("role", "primary")
        self.new_button.setEnabled(ctx.user.can_write)
        bar.addWidget(self.new_button)
        self.search = QLineEdit()
        self.search.setPlaceholderText("查找：当事人姓名、身份证号、案号、企业名称")
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        self.batch_button = QPushButton("批量导出文书…")
        bar.addWidget(self.batch_button)
        self.commission_button = QPushButton("仲裁委员会信息…")
        self.commission_button.setToolTip("通知书上印的有管辖权的劳动人事争议仲裁委员会")
        self.commission_button.setEnabled(ctx.user.can_write)
        self.commission_button.clicked.connect(self.edit_commission)
        bar.addWidget(self.commission_button)
        col.addLayout(bar)
        filters = QHBoxLayout()
        self.status = QComboBox()
        self.status.addItem("全部状态", None)
        self.status.addItem("办理中（登记、受理、调解中）", OPEN_STATES)
        for s in CaseStatus:
            self.status.addItem(s.label, s)
        filters.addWidget(self.status)
        self.dispute_type = QComboBox()
        self.dispute_type.addItem("全部争议类型", None)
        for d in reference.known_codes("dispute_type"):  # old cases may hold retired codes
            self.dispute_type.addItem(d.name, d.code)
        filters.addWidget(self.dispute_type)
        self.mediator = QComboBox()
        self.mediator.addItem("全部调解员", None)
        with ctx.store.read() as s:
            for uid, name in mediator_choices(s):
                self.mediator.addItem(name, uid)
        filters.addWidget(self.mediator)
        self.dated = QCheckBox("收到日期")
        self.date_from = date_edit(date(today().year, 1, 1))
        self.date_to = date_edit(today())
        self.date_from.setEnabled(False)
        self.date_to.setEnabled(False)
        filters.addWidget(self.dated)
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("至"))
        filters.addWidget(self.date_to)
        self.overdue = QCheckBox("超过期限")
        self.collective = QCheckBox("集体争议")
        self.migrant = QCheckBox("农民工")
        for w in (self.overdue, self.collective, self.migrant):
            filters.addWidget(w)
        filters.addStretch(1)
        self.count = QLabel("")
        filters.addWidget(self.count)
        col.addLayout(filters)
        self.model = CaseListModel(ctx, today, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for c, width in enumerate((230, 80, 90, 150, 150, 220, 200, 80, 170, 120)):
            self.view.setColumnWidth(c, width)
        self.view.horizontalHeader().setStretchLastSection(True)
        col.addWidget(self.view, 1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DEBOUNCE_MS)
        self.timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self.timer.start())
        for combo in (self.status, self.dispute_type, self.mediator):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        for box in (self.overdue, self.collective, self.migrant):
            box.toggled.connect(lambda _on: self.apply_filter())
        self.dated.toggled.connect(self._dated)
        self.date_from.dateChanged.connect(
            lambda _d: self.dated.isChecked() and self.apply_filter()
        )
        self.date_to.dateChanged.connect(lambda _d: self.dated.isChecked() and self.apply_filter())
        self.model.counted.connect(lambda n: self.count.setText(f"共 {n} 件"))
        self.batch_button.clicked.connect(self.batch_export)

    def _dated(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.apply_filter()

    def edit_commission(self):
        from app.ui.cases.dialogs import CommissionDialog

        dialog = CommissionDialog(self.ctx, self)
        dialog.open()
        return dialog

    def current_filter(self) -> CaseFilter:
        status = self.status.currentData()
        if status == OPEN_STATES:
            statuses = tuple(sorted(ACTIVE, key=list(CaseStatus).index))
        elif status is None:
            statuses = ()
        else:
            statuses = (status,)
        return CaseFilter(
            statuses=statuses,
            dispute_type=self.dispute_type.currentData(),
            mediator_id=self.mediator.currentData(),
            received_from=from_qdate(self.date_from.date()) if self.dated.isChecked() else None,
            received_to=from_qdate(self.date_to.date()) if self.dated.isChecked() else None,
            overdue=self.overdue.isChecked(),
            collective=self.collective.isChecked(),
            migrant=self.migrant.isChecked(),
            text=self.search.text(),
        )

    def apply_filter(self) -> None:
        self.timer.stop()
        self.model.set_filter(self.current_filter())

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.row(r).id for r in rows]

    def batch_export(self) -> None:
        ids = self.selected_ids()
        if not ids:
            QMessageBox.information(
                self, "批量导出文书", "请先在列表中选择案件（可按住 Ctrl 或 Shift 多选）"
            )
            return
        names = [k.name for k in KINDS]
        name, ok = QInputDialog.getItem(
            self, "批量导出文书", f"为所选 {len(ids)} 件案件生成：", names, 0, False
        )
        if not ok:
            return
        folder = QFileDialog.getExistingDirectory(self, "保存到文件夹")
        if folder:
            self.export_to(next(k.code for k in KINDS if k.name == name), ids, Path(folder))

    def export_to(self, kind: str, ids: list[str], folder: Path):
        progress = QProgressDialog("正在生成文书…", "取消", 0, len(ids), self)
        progress.setWindowTitle("批量导出文书")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)

        def done(result) -> None:
            progress.close()
            written, skipped = result
            text = f"已生成 {len(written)} 份文书，保存在：{folder}"
            if skipped:
                text += "\n\n以下案件不适用：\n" + "\n".join(skipped[:20])
            QMessageBox.information(self, "批量导出文书", text)

        task = self.ctx.run(
            render_batch,
            self.ctx.store,
            kind,
            ids,
            folder,
            self.today(),
            on_done=done,
            on_progress=lambda d, t, text: (
                progress.setMaximum(t),
                progress.setValue(d),
                progress.setLabelText(f"正在生成 {text}"),
            ),
            on_failed=lambda exc: (
                progress.close(),
                self.ctx.show_error(self, exc, "批量导出失败"),
            ),
        )
        progress.canceled.connect(task.cancel)
        task.signals.cancelled.connect(progress.close)
        return task


class CasesSection(Section):
    """调解案件."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, today: Callable[[], date] = date.today
    ):
        super().__init__(ctx, parent)
        self.today = today
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 8)
        self.stack = QStackedWidget()
        col.addWidget(self.stack)
        self.list_page = CaseListPage(ctx, self._today, self)
        self.case_page = CasePage(ctx, self._today, self)
        # 案件列表 | 网上申请 (app/ui/cases/online_tab.py)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.list_page, "案件列表")
        self.online_tab = OnlineApplicationsTab(ctx, self._today, self)
        self.tabs.addTab(self.online_tab, "网上申请")
        self.online_tab.waiting_changed.connect(
            lambda n: self.tabs.setTabText(1, f"网上申请（{n}）" if n else "网上申请")
        )
        self.online_tab.case_registered.connect(
            lambda case_id: (self.list_page.model.reload(), self.open_case(case_id))
        )
        # 移交案件 (app/ui/cases/transfer_tab.py): cases other stations transferred here
        from app.ui.cases.transfer_tab import TransfersTab

        self.transfer_tab = TransfersTab(ctx, self._today, self)
        self.tabs.addTab(self.transfer_tab, "移交案件")
        self.transfer_tab.waiting_changed.connect(
            lambda n: self.tabs.setTabText(2, f"移交案件（{n}）" if n else "移交案件")
        )
        self.transfer_tab.case_registered.connect(
            lambda case_id: (self.list_page.model.reload(), self.open_case(case_id))
        )
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.case_page)
        self.list_page.view.doubleClicked.connect(
            lambda index: self.open_case(self.list_page.model.row(index.row()).id)
        )
        self.list_page.view.activated.connect(
            lambda index: self.open_case(self.list_page.model.row(index.row()).id)
        )
        self.list_page.new_button.clicked.connect(self.new_case)
        self.case_page.back_requested.connect(self.show_list)
        self.case_page.changed.connect(self.list_page.model.reload)
        self.intake: IntakeDialog | None = None
        self._started = False

    def _today(self) -> date:
        return self.today()

    def activated(self) -> None:
        if not self._started:
            self._started = True
            self.list_page.apply_filter()
            self.online_tab.reload()
            self.transfer_tab.reload()
        elif self.stack.currentWidget() is self.tabs:
            self.list_page.model.reload()
            self.online_tab.reload()
            self.transfer_tab.reload()
        else:
            self.case_page.reload()

    def navigate(self, **kwargs) -> None:
        case_id = kwargs.get("id") or kwargs.get("case_id")
        if case_id:
            self.open_case(case_id)

    def open_case(self, case_id: str) -> None:
        self.case_page.show_case(case_id)
        self.stack.setCurrentWidget(self.case_page)

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.tabs)

    def new_case(self) -> IntakeDialog:
        self.intake = IntakeDialog(self.ctx, self, today=self._today())
        self.intake.registered.connect(
            lambda case_id, _no: (self.list_page.model.reload(), self.open_case(case_id))
        )
        self.intake.drafts.offer_restore()
        self.intake.open()
        return self.intake
