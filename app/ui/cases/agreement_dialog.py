"""调解协议书 editor: facts, structured terms (each payment: item, amount, due date, method, payer,
payee; other obligations), performance deadline, copies; save the draft, then sign it.

Signing records who signed for each party and in what capacity, and whether the seal was applied
(``SignDialog``); in a multi-worker case each payment carries its per-worker schedule
(``ScheduleDialog``). After signing the agreement is fixed; a later change is a
new version (the editor opens it with its reason).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.cases import agreements
from app.cases.detail import AgreementInfo, CaseDetail
from app.domain.deadlines import TERM_ITEMS, art16_applies
from app.domain.enums import TermKind
from app.ui.cases.common import cn_date, date_edit, from_qdate, hint, to_qdate
from app.ui.cases.intake_dialog import focus_cell
from app.ui.cases.signing_dialogs import ScheduleDialog, SignDialog
from app.ui.context import AppContext
from app.ui.forms import SaveControls, ValidatedForm, error_label
from app.ui.widgets.fit import fit_window
from app.ui.widgets.form_table import EDITABLE_BG, READ_ONLY_BG, FormTable, edit_item, shown_item

#: problem key (``terms[1].due_on``) -> the column of its cell
TERM_FIELDS = {
    "kind": 0,
    "item": 1,
    "description": 2,
    "amount": 3,
    "due_on": 4,
    "method": 5,
    "payer": 6,
    "payee": 7,
}

TERM_COLUMNS = (
    "类别",
    "项目",
    "内容说明",
    "金额（元）",
    "履行日期",
    "支付方式",
    "付款方",
    "收款人",
    "支付令",
    "分配明细",
)


class AgreementDialog(QDialog):
    """Edit the case's draft agreement (``saved(agreement_id)`` after each save; ``signed``)."""

    saved = Signal(str)
    signed = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        detail: CaseDetail,
        today: date,
        parent: QWidget | None = None,
        *,
        draft: AgreementInfo | None = None,
        change_reason: str | None = None,
    ):
        super().__init__(parent)
        self.ctx, self.detail, self.today = ctx, detail, today
        self.draft_id = draft.id if draft else None
        self.draft_version = None
        self.change_reason = change_reason
        current = detail.current_agreement
        title = "调解协议书"
        if current is not None:
            title += f"（第{(draft.version_no if draft else current.version_no + 1)}版，变更第{current.version_no}版）"
        self.setWindowTitle(f"{title}：{detail.case_no}")
        fit_window(self, 1180, 760)
        col = QVBoxLayout(self)
        if current is not None:
            reason = draft.change_reason if draft else change_reason
            col.addWidget(
                hint(
                    f"已签署的第{current.version_no}版保持不变；本版签署后取代它。变更原因：{reason or ''}"
                )
            )
        self.form = ValidatedForm()
        self.facts = QPlainTextEdit()
        self.facts.setMinimumHeight(80)
        self.form.add_field("争议的主要事实：", self.facts, "facts")
        col.addLayout(self.form)
        col.addWidget(
            QLabel("协议内容（每项付款写明项目、确切金额、履行日期和方式；其他义务写明内容）：")
        )
        # Tab goes through every field of every term, drop-downs and dates too, then out
        self.terms = FormTable(TERM_COLUMNS)
        for i, width in enumerate((80, 150, 200, 100, 110, 100, 160, 100, 60, 100)):
            self.terms.setColumnWidth(i, width)
        self.terms.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.terms.setMinimumHeight(200)
        col.addWidget(self.terms, 1)  # the table takes the room to spare, not the fields below
        self.term_problems = self.form.add_target(
            "terms", self.terms, focus=lambda key: focus_cell(self.terms, key, TERM_FIELDS)
        )
        self.form.alias("terms[", "terms")
        col.addWidget(self.term_problems)
        #: refusals of the signing record (e.g. an agent with only general authority)
        self.sign_problems = error_label()
        col.addWidget(self.sign_problems)
        row = QHBoxLayout()
        add_payment = QPushButton("添加付款事项")
        add_payment.clicked.connect(
            lambda: self.add_term(agreements.TermInput(kind=TermKind.PAYMENT))
        )
        add_duty = QPushButton("添加其他义务")
        add_duty.clicked.connect(
            lambda: self.add_term(agreements.TermInput(kind=TermKind.OBLIGATION, item="other"))
        )
        remove = QPushButton("删除所选事项")
        remove.clicked.connect(self._remove_selected)
        row.addWidget(add_payment)
        row.addWidget(add_duty)
        row.addWidget(remove)
        row.addStretch(1)
        col.addLayout(row)
        col.addWidget(
            hint(
                "标“支付令”的事项属于调解仲裁法第十六条所列（拖欠劳动报酬、工伤医疗费、经济补偿或赔偿金）："
                "用人单位逾期不履行的，劳动者可持协议书向人民法院申请支付令。"
            )
        )
        self.bottom = ValidatedForm()
        self.bottom.join(self.form)  # one routing of problems, one summary line
        self.other_terms = QPlainTextEdit()
        self.other_terms.setMaximumHeight(60)
        self.bottom.add_field("其他约定：", self.other_terms, "other_terms")
        self.deadline = self.bottom.add_field(
            "履行期限：", date_edit(today), "performance_deadline"
        )
        self.copies = QSpinBox()
        self.copies.setRange(2, 20)
        self.copies.setValue(3)
        self.bottom.add_field("协议书份数：", self.copies, "copies")
        col.addLayout(self.bottom)
        controls = SaveControls(
            ctx,
            self,
            self.form,
            "保存草稿",
            on_ok=self.save,
            title="未能保存协议书",
            cancel_text="关闭",
        )
        self.status, self.save_button = controls.status, controls.ok_button
        self.sign_button = controls.buttons.addButton(
            "签署(&G)…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.sign_button.setProperty("role", "primary")
        self.sign_button.setAutoDefault(False)
        self.sign_button.clicked.connect(self.ask_sign)
        self.saving = controls.saving
        self.saving.buttons.append(self.sign_button)
        self.form.add_target("signatures", self.sign_button, self.sign_problems)
        self.form.alias("signatures[", "signatures")
        col.addLayout(controls.footer())
        self.load(agreements.input_from(draft) if draft else agreements.suggested_draft(detail))

    # ---------------------------------------------------------- terms table

    def load(self, data: agreements.AgreementInput) -> None:
        self.facts.setPlainText(data.facts)
        self.terms.setRowCount(0)
        for t in data.terms:
            self.add_term(t)
        self.other_terms.setPlainText(data.other_terms)
        if data.performance_deadline:
            self.deadline.setDate(to_qdate(data.performance_deadline))
        self.copies.setValue(data.copies)

    def add_term(self, t: agreements.TermInput) -> int:
        r = self.terms.rowCount()
        self.terms.insertRow(r)
        kind = QComboBox()
        for k in TermKind:
            kind.addItem(k.label, k)
        kind.setCurrentIndex(kind.findData(TermKind(t.kind)))
        self.terms.setCellWidget(r, 0, kind)
        item = QComboBox()
        for it in TERM_ITEMS:
            item.addItem(it.name, it.code)
        item.setCurrentIndex(max(item.findData(t.item), 0))
        self.terms.setCellWidget(r, 1, item)
        self.terms.setItem(r, 2, edit_item(t.description))
        amount = edit_item("" if t.amount is None else str(t.amount))
        amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.terms.setItem(r, 3, amount)
        due = QDateEdit()
        due.setCalendarPopup(True)
        due.setDisplayFormat("yyyy-MM-dd")
        due.setSpecialValueText("（未定）")
        due.setMinimumDate(to_qdate(date(2000, 1, 1)))
        due.setDate(to_qdate(t.due_on) if t.due_on else due.minimumDate())
        self.terms.setCellWidget(r, 4, due)
        self.terms.setItem(r, 5, edit_item(t.method))
        payer = QComboBox()
        for p in self.detail.respondents:
            payer.addItem(p.name, p.enterprise_id)
        if t.payer_enterprise_id:
            payer.setCurrentIndex(max(payer.findData(t.payer_enterprise_id), 0))
        self.terms.setCellWidget(r, 6, payer)
        payee = QComboBox()
        payee.addItem("申请人" if len(self.detail.applicants) == 1 else "全体申请人", None)
        for p in self.detail.applicants:
            payee.addItem(p.name, p.person_id)
        if t.payee_person_id:
            payee.setCurrentIndex(max(payee.findData(t.payee_person_id), 0))
        self.terms.setCellWidget(r, 7, payee)
        mark = shown_item("")
        self.terms.setItem(r, 8, mark)
        schedule = QPushButton()
        schedule.shares = list(t.schedule or [])
        schedule.clicked.connect(lambda _c=False, b=schedule: self.edit_schedule(b))
        self.terms.setCellWidget(r, 9, schedule)
        self._label_schedule(schedule)
        for widget in (kind, item):
            widget.currentIndexChanged.connect(lambda _i, row_widget=kind: self._refresh_marks())
        self._refresh_marks()
        return r

    def _refresh_marks(self) -> None:
        for r in range(self.terms.rowCount()):
            kind = self.terms.cellWidget(r, 0).currentData()
            item = self.terms.cellWidget(r, 1).currentData()
            payment = kind == TermKind.PAYMENT
            for c in (3, 5):
                cell = self.terms.item(r, c)
                if cell is not None:
                    editable = payment or c == 5
                    flags = cell.flags()
                    cell.setFlags(
                        flags | Qt.ItemFlag.ItemIsEditable
                        if editable
                        else flags & ~Qt.ItemFlag.ItemIsEditable
                    )
                    # a cell that is typed into looks like a field; one that is not, grey
                    cell.setBackground(QBrush(EDITABLE_BG if editable else READ_ONLY_BG))
            self.terms.cellWidget(r, 6).setEnabled(payment)
            self.terms.cellWidget(r, 7).setEnabled(payment)
            self.terms.cellWidget(r, 9).setEnabled(payment and len(self.detail.applicants) > 1)
            mark = self.terms.item(r, 8)
            if mark is not None:
                mark.setText("是" if art16_applies(item, payment) else "")

    def _label_schedule(self, button: QPushButton) -> None:
        n = len(button.shares)
        button.setText(f"{n}人…" if n else "填写…")

    def edit_schedule(self, button: QPushButton) -> None:
        """The per-worker schedule of the row whose button was pressed."""
        row = next(
            (r for r in range(self.terms.rowCount()) if self.terms.cellWidget(r, 9) is button), -1
        )
        if row < 0:
            return
        amount = self.terms.item(row, 3)
        dialog = ScheduleDialog(
            self.detail, row + 1, amount.text() if amount else "", button.shares, self
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        button.shares = dialog.shares()
        if amount is not None and dialog.amount_text() != amount.text().strip():
            amount.setText(dialog.amount_text())
        if button.shares:
            # A schedule replaces a single payee.
            self.terms.cellWidget(row, 7).setCurrentIndex(0)
        self._label_schedule(button)

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.terms.selectedIndexes()}, reverse=True)
        if not rows and self.terms.currentRow() >= 0:
            rows = [self.terms.currentRow()]
        for r in rows:
            self.terms.removeRow(r)

    def value(self) -> agreements.AgreementInput:
        terms = []
        for r in range(self.terms.rowCount()):
            due = self.terms.cellWidget(r, 4)
            due_on = None if due.date() == due.minimumDate() else from_qdate(due.date())
            kind = self.terms.cellWidget(r, 0).currentData()
            text = (self.terms.item(r, 3).text() if self.terms.item(r, 3) else "").strip()
            terms.append(
                agreements.TermInput(
                    kind=kind,
                    item=self.terms.cellWidget(r, 1).currentData(),
                    description=(
                        self.terms.item(r, 2).text() if self.terms.item(r, 2) else ""
                    ).strip(),
                    amount=(text or None) if kind == TermKind.PAYMENT else None,
                    due_on=due_on,
                    method=(self.terms.item(r, 5).text() if self.terms.item(r, 5) else "").strip(),
                    payer_enterprise_id=self.terms.cellWidget(r, 6).currentData(),
                    payee_person_id=self.terms.cellWidget(r, 7).currentData(),
                    schedule=list(self.terms.cellWidget(r, 9).shares)
                    if kind == TermKind.PAYMENT
                    else [],
                )
            )
        return agreements.AgreementInput(
            facts=self.facts.toPlainText(),
            terms=terms,
            other_terms=self.other_terms.toPlainText(),
            performance_deadline=from_qdate(self.deadline.date()),
            copies=self.copies.value(),
        )

    # ---------------------------------------------------------- save and sign

    def save(self, then=None) -> None:
        self._then = then
        self.saving.run(
            agreements.save_draft,
            self.ctx.store,
            self.detail.id,
            self.value(),
            agreement_id=self.draft_id,
            change_reason=self.change_reason,
            on_done=self._draft_saved,
        )

    def _draft_saved(self, agreement_id: str) -> None:
        self.draft_id = agreement_id
        self.status.setText("草稿已保存")
        self.saved.emit(agreement_id)
        then, self._then = self._then, None
        if then is not None:
            then(agreement_id)

    def ask_sign(self) -> None:
        dialog = SignDialog(self.detail, self.today, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        signatures = dialog.signatures()
        self.save(then=lambda agreement_id: self.sign(agreement_id, dialog.signed_on(), signatures))

    def sign(self, agreement_id: str, signed_on: date, signatures=None) -> None:
        self._signing = agreement_id
        self.saving.run(
            agreements.sign,
            self.ctx.store,
            agreement_id,
            signed_on=signed_on,
            today=self.today,
            signatures=signatures,
            on_done=self._signed,
            busy_text="正在签署…",
        )

    def _signed(self, _digest: str) -> None:
        self.signed.emit(self._signing)
        self.accept()


def describe(agreement: AgreementInfo) -> str:
    state = agreement.status.label
    when = f"，{cn_date(agreement.signed_on)}签署" if agreement.signed_on else ""
    return f"第{agreement.version_no}版（{state}{when}）"


__all__ = ["AgreementDialog", "QLineEdit", "SignDialog", "describe"]
