"""调解案件 → 移交案件: cases other stations (or the district) transferred to this station.

接收并登记 opens the ordinary registration dialog prefilled from the transfer (parties,
respondent, claims, facts, the employment status, the original receipt date: the Art. 14 clock
keeps running); once registered the case names the case it came from (移交自) and the
attachments become its own. 不予接收 asks for the category and the reason. Both reach the
district, and the sending station, at the next sync.
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

from app.cases.transfers import (
    IN_STATUS,
    TransferRow,
    intake_draft_state,
    intake_form,
    list_incoming,
    mark_accepted,
    station_label,
    transfer_data,
)
from app.domain import reference
from app.domain.dates import iso_date
from app.domain.enums import EmploymentStatus
from app.domain.validators import mask_id_number
from app.ui.cases.common import to_qdate
from app.ui.cases.intake_dialog import IntakeDialog
from app.ui.cases.transfer_dialog import DeclineTransferDialog
from app.ui.context import AppContext

COLUMNS = ("移交站点", "原案号", "收到申请日期", "申请人", "被申请人", "请求事项", "附件", "状态")


class TransfersTab(QWidget):
    """The list, the selected transfer's content, and the two decisions."""

    case_registered = Signal(str)
    waiting_changed = Signal(int)

    def __init__(self, ctx: AppContext, today: Callable[[], date], parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        self.rows: list[TransferRow] = []
        self.intake: IntakeDialog | None = None
        self.decline_dialog: DeclineTransferDialog | None = None
        col = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.accept_button = QPushButton("接收并登记…")
        self.accept_button.setProperty("role", "primary")
        self.decline_button = QPushButton("不予接收…")
        self.refresh_button = QPushButton("刷新")
        bar.addWidget(self.accept_button)
        bar.addWidget(self.decline_button)
        bar.addStretch(1)
        note = QLabel(
            "移交：其他站点或区级移交本站办理的案件，在同步时收到；收到申请日期沿用原站点的"
            "（十五日调解期限照常计算）。接收登记或不予接收的结果在下次同步时报送区级和移交站点。"
        )
        note.setWordWrap(True)
        bar.addWidget(note, 3)
        bar.addWidget(self.refresh_button)
        col.addLayout(bar)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        for c, width in enumerate((90, 210, 100, 120, 200, 160, 50)):
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

    def reload(self) -> None:
        keep = self.current()
        self.rows = list_incoming(self.ctx.store)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            status = IN_STATUS.get(row.status, row.status)
            if row.status == "accepted":
                status += f"（{row.to_case_no}）"
            if row.status != "new" and not row.reported:
                status += " · 待报送区级"
            values = (station_label(row.from_station), row.from_case_no,
                      iso_date(row.received_on), row.applicants, row.respondent, row.claims,
                      str(row.files) if row.files else "", status)  # fmt: skip
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

    def current(self) -> TransferRow | None:
        rows = {i.row() for i in self.table.selectedItems()}
        if len(rows) != 1:
            return None
        index = rows.pop()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def select_case_no(self, case_no: str) -> None:
        for r, row in enumerate(self.rows):
            if row.from_case_no == case_no:
                self.table.selectRow(r)

    def _selected(self) -> None:
        row = self.current()
        can = self.ctx.user.can_write and row is not None and row.status == "new"
        self.accept_button.setEnabled(can)
        self.decline_button.setEnabled(can)
        if row is None:
            self.detail.setPlainText(
                "选择一件移交的案件查看内容。" if self.rows else "目前没有移交本站的案件。"
            )
            return
        d = transfer_data(self.ctx.store, row.id)
        status = d.get("employment_status")
        employment = EmploymentStatus(status).label if status else "未登记"
        if d.get("employment_ended_on"):
            employment += f"（{d['employment_ended_on']}）"
        lines = [
            f"移交：{station_label(row.from_station)} {row.from_case_no} → 本站"
            f"    收到申请日期：{iso_date(row.received_on)}",
            f"移交理由：{row.reason}",
        ]
        for i, w in enumerate(d.get("workers") or [], start=1):
            lines.append(f"申请人{i}：{w.get('name') or ''}    身份证号："
                         f"{mask_id_number(w.get('id_number'))}    电话：{w.get('phone') or ''}")  # fmt: skip
        e = d.get("respondent") or {}
        lines.append(f"被申请人：{e.get('name') or ''}"
                     + (f"（{e['credit_code']}）" if e.get("credit_code") else ""))  # fmt: skip
        for c in d.get("claims") or []:
            amount = f" {c['amount']} 元" if c.get("amount") else ""
            lines.append(f"请求事项：{reference.dispute_type_name(c.get('dispute_type') or '')}"
                         f"{amount} {c.get('description') or ''}".rstrip())  # fmt: skip
        lines.append(f"劳动关系：{employment}")
        lines.append(f"事实与理由：{d.get('facts') or ''}")
        lines.append(
            "附件：" + ("、".join(f["filename"] for f in d.get("files") or []) or "无")
            + ("（登记后成为本案附件）" if row.status == "new" and row.files else "")
        )  # fmt: skip
        if row.status == "accepted":
            lines.append(f"已接收登记，本站案号：{row.to_case_no}")
        elif row.status == "declined":
            lines.append(f"不予接收，理由：{row.decline_reason}")
        self.detail.setPlainText("\n".join(lines))

    def accept_selected(self) -> IntakeDialog | None:
        row = self.current()
        if row is None or row.status != "new":
            return None
        form = intake_form(self.ctx.store, row.id)
        dialog = IntakeDialog(self.ctx, self, today=self.today())
        dialog.drafts.key = f"case-intake:transfer:{row.id}"  # not the blank form's draft
        dialog.setWindowTitle(
            f"登记调解案件（移交自{station_label(row.from_station)} {row.from_case_no}）"
        )
        dialog.restore_draft_state(intake_draft_state(form))
        dialog.respondent.set_value(form.respondent)
        if form.is_construction:
            dialog.general_contractor.set_value(form.general_contractor)
        if form.infringement_known_on:
            dialog.known.setChecked(True)
            dialog.known_on.setDate(to_qdate(form.infringement_known_on))
        tid = row.id
        dialog.registered.connect(lambda case_id, case_no: self._registered(tid, case_id, case_no))
        self.intake = dialog
        dialog.open()
        return dialog

    def _registered(self, transfer_id: str, case_id: str, case_no: str) -> None:
        def done(_n) -> None:
            self.reload()
            self.case_registered.emit(case_id)

        self.ctx.run(
            mark_accepted,
            self.ctx.store,
            transfer_id,
            case_id,
            case_no,
            on_done=done,
            on_failed=lambda exc: (self.ctx.show_error(self, exc, "未能记录接收"), self.reload()),
        )

    def decline_selected(self) -> DeclineTransferDialog | None:
        row = self.current()
        if row is None or row.status != "new":
            return None
        dialog = DeclineTransferDialog(
            self.ctx, row.id, f"{station_label(row.from_station)} {row.from_case_no}", self
        )
        dialog.finished.connect(lambda _r: self.reload())
        self.decline_dialog = dialog
        dialog.open()
        return dialog
