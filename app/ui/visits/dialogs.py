"""Dialogs of the visits section: a visit's record, a ledger follow-up, an enterprise's credit notes."""

from __future__ import annotations

import html
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import iso_date
from app.domain.enums import CreditNoteKind, FindingStatus
from app.domain.visits import ACTIVE_STATUSES, CHECKLIST, TRANSITIONS
from app.ui.context import AppContext
from app.ui.forms import BackgroundSave, SaveControls, ValidatedForm, dialog_buttons
from app.ui.visits.common import (
    AttachmentList,
    DateEdit,
    OptionalDateEdit,
    fmt_date,
)
from app.ui.widgets.fit import fit_window
from app.visits import credit, ledger
from app.visits.ledger import LedgerRow
from app.visits.service import FollowUpResult, VisitDetail, get_visit

STATUS_COLOURS = {
    "ok": "#1e7b34",
    "problem": "#b3261e",
    "na": "#5f6b7a",
}


def visit_html(v: VisitDetail) -> str:
    esc = html.escape
    parts = [
        f"<h3>{esc(v.enterprise.name)}</h3>",
        f"<p>{iso_date(v.visited_on)} {esc(v.kind.label)} · 走访人员：{esc(v.visitors)}"
        + (f" · 接待人：{esc(v.contact_name)} {esc(v.contact_phone)}" if v.contact_name else "")
        + "</p>",
        "<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
        "<tr><th>检查项目</th><th>结果</th><th>情况说明</th></tr>",
    ]
    for item in CHECKLIST:
        entry = v.checklist.get(item.code)
        if entry is None:
            result, colour, note = "未检查", "#5f6b7a", ""
        else:
            result, colour, note = (
                entry.status.label,
                STATUS_COLOURS[entry.status.value],
                entry.note,
            )
        parts.append(
            f"<tr><td>{esc(item.label)}</td><td style='color:{colour}'>{esc(result)}</td>"
            f"<td>{esc(note)}</td></tr>"
        )
    parts.append("</table>")
    if v.risk_indicators is None:
        parts.append("<p>欠薪预警指标：本次未核查</p>")
    else:
        found = "、".join(i.label for i in v.risk_indicators) or "未发现"
        parts.append(f"<p>欠薪预警指标：{esc(found)}</p>")
    if v.findings:
        parts.append("<p><b>本次发现的问题（已进入问题台账）</b></p><ul>")
        for f in v.findings:
            parts.append(
                f"<li>{esc(f.category_label)}：{esc(f.description)}；整改期限 {fmt_date(f.deadline)}；"
                f"责任人 {esc(f.responsible_person or '')}；现状态：{esc(f.status.label)}</li>"
            )
        parts.append("</ul>")
    if v.follow_ups:
        parts.append("<p><b>整改复查</b></p><ul>")
        for f, status, note in v.follow_ups:
            parts.append(
                f"<li>{esc(f.category_label)}：{esc(f.description)} → {esc(status.label)} {esc(note)}</li>"
            )
        parts.append("</ul>")
    if v.notes:
        parts.append(f"<p>备注：{esc(v.notes)}</p>")
    return "".join(parts)


class VisitDetailDialog(QDialog):
    follow_up_requested = Signal(str, str)  # enterprise id, visit id

    def __init__(self, ctx: AppContext, visit_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.detail = get_visit(ctx.store, visit_id)
        self.setWindowTitle(f"走访记录 · {self.detail.enterprise.name}")
        fit_window(self, 820, 700)
        browser = QTextBrowser()
        browser.setHtml(visit_html(self.detail))
        self.attachments = AttachmentList(ctx)
        self.attachments.add_button.hide()
        self.attachments.remove_button.hide()
        self.attachments.set_stored(self.detail.attachments)
        follow = QPushButton("回访该企业…")
        follow.setEnabled(ctx.user.can_write)
        follow.clicked.connect(self._follow)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        self.history_button = QPushButton("操作记录…")
        self.history_button.clicked.connect(self.show_history)
        buttons = QHBoxLayout()
        buttons.addWidget(self.history_button)
        buttons.addStretch(1)
        buttons.addWidget(follow)
        buttons.addWidget(close)
        col = QVBoxLayout(self)
        col.addWidget(browser, 1)
        col.addWidget(QLabel("照片/附件（双击查看）："))
        col.addWidget(self.attachments)
        col.addLayout(buttons)

    def show_history(self):
        """Who recorded and changed this visit, its findings and photos, and when."""
        from app.ui.widgets.history import HistoryDialog

        dialog = HistoryDialog(
            self.ctx, "enterprise_visit", self.detail.id, self,
            title=f"操作记录 · 走访 {self.detail.enterprise.name}",
        )  # fmt: skip
        dialog.open()
        return dialog

    def _follow(self) -> None:
        self.follow_up_requested.emit(self.detail.enterprise.id, self.detail.id)
        self.accept()


class FindingUpdateDialog(QDialog):
    """整改跟进: record what happened to a ledger item, with its history above."""

    def __init__(
        self,
        ctx: AppContext,
        row: LedgerRow,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.row = row
        self.today = today or date.today()
        self.setWindowTitle(f"整改跟进 · {row.enterprise_name}")
        fit_window(self, 720, 560)
        info = QLabel(
            f"<b>{html.escape(row.category_label)}</b>：{html.escape(row.description)}<br>"
            f"依据：{html.escape(row.legal_basis or '')}<br>"
            f"整改期限：{fmt_date(row.deadline)}"
            + (f"（已逾期{row.days_overdue}天）" if row.overdue else "")
            + f" · 责任人：{html.escape(row.responsible_person or '')} · 当前状态：{row.status.label}"
        )
        info.setWordWrap(True)
        self.history = QTableWidget(0, 3)
        self.history.setHorizontalHeaderLabels(("日期", "状态", "情况"))
        self.history.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for h in ledger.finding_history(ctx.store, row.id):
            r = self.history.rowCount()
            self.history.insertRow(r)
            for c, text in enumerate((fmt_date(h.on), h.status.label, h.note)):
                self.history.setItem(r, c, QTableWidgetItem(text))

        self.form = form = ValidatedForm()
        self.status = QComboBox()
        self.status.addItem(f"状态不变（{row.status.label}）", row.status.value)
        for s in FindingStatus:
            if s in TRANSITIONS[row.status]:
                self.status.addItem(s.label, s.value)
        self.on = DateEdit(self.today)
        self.note = QPlainTextEdit()
        self.note.setFixedHeight(70)
        self.note.setPlaceholderText("整改情况、企业说明；移交劳动监察须写明原因")
        self.new_deadline = OptionalDateEdit(None)
        self.new_deadline.setToolTip("企业申请延期整改的，填写新的整改期限")
        self.untrustworthy = QCheckBox("同时在企业信用记录中记一条失信记录")
        self.untrustworthy.setEnabled(False)
        self.status.currentIndexChanged.connect(self._status_changed)
        form.add_field("跟进结果：", self.status, "status")
        form.add_field("跟进日期：", self.on, "on")
        form.add_field("情况说明：", self.note, "note")
        form.add_field("新的整改期限：", self.new_deadline, "new_deadline")
        form.addRow("", self.untrustworthy)
        controls = SaveControls(ctx, self, form, on_ok=self.save, title="整改跟进未能保存")
        self.save_button, self.busy_line = controls.ok_button, controls.status
        self.save_button.setEnabled(ctx.user.can_write and row.status != FindingStatus.ESCALATED)
        self.saving = controls.saving
        col = QVBoxLayout(self)
        col.addWidget(info)
        col.addWidget(QLabel("整改记录："))
        col.addWidget(self.history, 1)
        col.addLayout(form)
        col.addLayout(controls.footer())
        self._status_changed()

    def _status_changed(self) -> None:
        status = FindingStatus(self.status.currentData())
        self.untrustworthy.setEnabled(status == FindingStatus.ESCALATED)
        self.new_deadline.setEnabled(status in ACTIVE_STATUSES)

    def save(self) -> None:
        status = FindingStatus(self.status.currentData())
        change = FollowUpResult(
            self.row.id,
            status,
            self.note.toPlainText(),
            self.new_deadline.value() if self.new_deadline.isEnabled() else None,
            self.untrustworthy.isEnabled() and self.untrustworthy.isChecked(),
        )
        self.saving.run(
            ledger.update_finding,
            self.ctx.store,
            self.row.id,
            change,
            on=self.on.value(),
            today=self.today,
            expected_version=self.row.version,
            on_done=self._saved,
        )

    def _saved(self, _result) -> None:
        self.accept()


class CreditNotesDialog(QDialog):
    """An enterprise's credit record: 守信 / 失信 / 信用修复, with dates and reasons."""

    def __init__(
        self,
        ctx: AppContext,
        enterprise_id: str,
        enterprise_name: str,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.enterprise_id = enterprise_id
        self.today = today or date.today()
        self.setWindowTitle(f"信用记录 · {enterprise_name}")
        fit_window(self, 720, 480)
        self.standing = QLabel("")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(("日期", "类别", "事由"))
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.kind = QComboBox()
        for kind in CreditNoteKind:
            self.kind.addItem(kind.label, kind.value)
        self.noted_on = DateEdit(self.today)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(
            "事由，如：按期足额支付调解协议款项 / 拖欠工资经调解未履行 / 已补发并作出信用承诺"
        )
        self.add_button = QPushButton("添加记录")
        self.add_button.setEnabled(ctx.user.can_write)
        self.add_button.clicked.connect(self.add)
        self.form = form = ValidatedForm()
        form.add_field("类别：", self.kind, "kind")
        form.add_field("日期：", self.noted_on, "noted_on")
        form.add_field("事由：", self.reason, "credit")
        self.error = form.summary
        close = dialog_buttons(self, "关闭", on_ok=self.reject, cancel_text=None)
        self.saving = BackgroundSave(
            ctx, self, form, buttons=[self.add_button], title="信用记录未能添加"
        )
        col = QVBoxLayout(self)
        col.addWidget(self.standing)
        col.addWidget(self.table, 1)
        col.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.error, 1)
        row.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignRight)
        col.addLayout(row)
        col.addWidget(close)
        self.reload()

    def reload(self) -> None:
        rows = credit.list_credit_notes(self.ctx.store, self.enterprise_id)
        self.table.setRowCount(0)
        for n in rows:
            r = self.table.rowCount()
            self.table.insertRow(r)
            for c, text in enumerate((fmt_date(n.noted_on), n.kind.label, n.reason)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        standing = credit.standing(self.ctx.store, self.enterprise_id)
        self.standing.setText(f"当前信用状况：{standing.label if standing else '无记录'}")

    def add(self) -> None:
        self.saving.run(
            credit.add_credit_note,
            self.ctx.store,
            self.enterprise_id,
            CreditNoteKind(self.kind.currentData()),
            self.noted_on.value(),
            self.reason.text(),
            today=self.today,
            on_done=self._added,
        )

    def _added(self, _result) -> None:
        self.reason.clear()
        self.reload()
