"""调解案件 → 网上申请: the online applications the district routed to this station.

受理并登记 opens the ordinary registration dialog prefilled from the application (received date,
applicant, employer, claims, facts; the mediator checks and completes it); once registered the
application is marked accepted and its evidence becomes the case's attachments. 不予受理 asks
for the reason the applicant will see. Decisions reach the district at the next sync.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.cases.online import (
    STATUS_LABELS,
    OnlineRow,
    application_data,
    decline,
    intake_draft_state,
    intake_form,
    list_applications,
    mark_accepted,
)
from app.domain import reference
from app.domain.dates import iso_date
from app.domain.validators import mask_id_number
from app.ui.cases.intake_dialog import IntakeDialog
from app.ui.context import AppContext

COLUMNS = ("受理编号", "收到日期", "申请人", "用人单位", "请求事项", "证据", "状态")


class OnlineApplicationsTab(QWidget):
    """The list, the selected application's details, and the two decisions."""

    #: a case was registered from an application: (case id)
    case_registered = Signal(str)
    #: the number of applications waiting for a decision changed
    waiting_changed = Signal(int)

    def __init__(self, ctx: AppContext, today: Callable[[], date], parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        self.rows: list[OnlineRow] = []
        self.intake: IntakeDialog | None = None
        col = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.accept_button = QPushButton("受理并登记…")
        self.accept_button.setProperty("role", "primary")
        self.decline_button = QPushButton("不予受理…")
        self.refresh_button = QPushButton("刷新")
        for b in (self.accept_button, self.decline_button):
            bar.addWidget(b)
        bar.addStretch(1)
        self.note = QLabel(
            "网上申请在同步时从区级收到；受理或不予受理的决定在下次同步时报送区级，申请人可在网上查询。"
        )
        self.note.setWordWrap(True)
        bar.addWidget(self.note, 3)
        bar.addWidget(self.refresh_button)
        col.addLayout(bar)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        for c, width in enumerate((150, 90, 130, 220, 300, 50)):
            self.table.setColumnWidth(c, width)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        split.addWidget(self.table)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        split.addWidget(self.detail)
        split.setSizes([300, 260])
        col.addWidget(split, 1)
        self.table.itemSelectionChanged.connect(self._selected)
        self.accept_button.clicked.connect(self.accept_selected)
        self.decline_button.clicked.connect(self.decline_selected)
        self.refresh_button.clicked.connect(self.reload)
        self._selected()

    # ---------------------------------------------------------- list

    def reload(self) -> None:
        keep = self.current()
        self.rows = list_applications(self.ctx.store)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            status = STATUS_LABELS.get(row.status, row.status)
            if row.status == "accepted":
                status += f"（{row.case_no}）"
            if row.status != "new" and not row.reported:
                status += " · 待报送区级"
            values = (row.reference, iso_date(row.received_on), row.applicant, row.employer,
                      row.claims.replace("\n", " "), str(row.files) if row.files else "", status)  # fmt: skip
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                self.table.setItem(r, c, item)
        if keep:
            for r, row in enumerate(self.rows):
                if row.id == keep.id:
                    self.table.selectRow(r)
        self.waiting_changed.emit(sum(1 for row in self.rows if row.status == "new"))
        self._selected()

    def current(self) -> OnlineRow | None:
        rows = {i.row() for i in self.table.selectedItems()}
        if len(rows) != 1:
            return None
        index = rows.pop()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def select_reference(self, ref: str) -> None:
        for r, row in enumerate(self.rows):
            if row.reference == ref:
                self.table.selectRow(r)

    def _selected(self) -> None:
        row = self.current()
        can = self.ctx.user.can_write and row is not None and row.status == "new"
        self.accept_button.setEnabled(can)
        self.decline_button.setEnabled(can)
        if row is None:
            self.detail.setPlainText(
                "选择一份申请查看详情。" if self.rows else "目前没有网上申请。"
            )
            return
        d = application_data(self.ctx.store, row.id)
        kind = "用人单位" if d.get("applicant_kind") == "employer" else "劳动者"
        lines = [
            f"受理编号：{row.reference}    收到日期：{iso_date(row.received_on)}"
            f"    来源：{'网上申请' if d.get('source') == 'web' else '外部平台导入'}",
            f"申请人（{kind}）：{d.get('applicant_name') or ''}    身份证号："
            f"{mask_id_number(d.get('id_number'))}    电话：{d.get('phone') or ''}",
            f"用人单位：{d.get('employer_name') or ''}"
            + (f"（{d['employer_credit_code']}）" if d.get("employer_credit_code") else ""),
            f"争议类型：{reference.dispute_type_name(d.get('dispute_type') or '')}"
            + (f"    涉及金额：{d['amount']} 元" if d.get("amount") else ""),
            f"请求事项：{d.get('claims') or ''}",
            f"事实和理由：{d.get('facts') or ''}",
            "证据材料："
            + ("、".join(e["filename"] for e in d.get("evidence") or []) or "无")
            + ("（受理登记后成为案件附件）" if row.status == "new" and row.files else ""),
        ]
        if row.status == "accepted":
            lines.append(f"已受理，案号：{row.case_no}")
        elif row.status == "declined":
            lines.append(f"不予受理，理由：{row.decline_reason}")
        self.detail.setPlainText("\n".join(lines))

    # ---------------------------------------------------------- decisions

    def accept_selected(self) -> IntakeDialog | None:
        row = self.current()
        if row is None or row.status != "new":
            return None
        form = intake_form(self.ctx.store, row.id)
        dialog = IntakeDialog(self.ctx, self, today=self.today())
        dialog.drafts.key = f"case-intake:online:{row.id}"  # not the blank form's draft
        dialog.setWindowTitle(f"登记调解案件（网上申请 {row.reference}）")
        dialog.restore_draft_state(intake_draft_state(form))
        dialog.respondent.set_value(form.respondent)
        app_id = row.id
        dialog.registered.connect(
            lambda case_id, case_no: self._registered(app_id, case_id, case_no)
        )
        self.intake = dialog
        dialog.open()
        return dialog

    def _registered(self, app_id: str, case_id: str, case_no: str) -> None:
        def done(_n) -> None:
            self.reload()
            self.case_registered.emit(case_id)

        self.ctx.run(
            mark_accepted,
            self.ctx.store,
            app_id,
            case_id,
            case_no,
            on_done=done,
            on_failed=lambda exc: (self.ctx.show_error(self, exc, "未能记录受理"), self.reload()),
        )

    def decline_selected(self, reason: str | None = None) -> None:
        row = self.current()
        if row is None or row.status != "new":
            return
        if reason is None:  # asked in a form; the core checks it and it shows under the field
            from app.ui.cases.dialogs import OnlineDeclineDialog

            dialog = OnlineDeclineDialog(self.ctx, row.id, row.reference, self)
            dialog.accepted.connect(self.reload)
            dialog.open()
            self.decline_dialog = dialog
            return
        self.ctx.run(
            decline,
            self.ctx.store,
            row.id,
            reason,
            on_done=lambda _r: self.reload(),
            on_failed=lambda exc: self.ctx.show_error(self, exc, "未能记录不予受理"),
        )
