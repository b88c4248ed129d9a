"""Dialogs of the agreement editor added for issue 13 point 4: the per-worker schedule of a
payment term (分配明细) and the signing record (who signed for each party, in what capacity, seal).

Both only collect: the rules (shares adding up to the term, special authority to sign) are in the
core (``app.cases.schedule``, ``app.cases.signing``) and their messages come back through the
editor's problem display.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.cases.detail import CaseDetail
from app.cases.schedule import ShareInput
from app.cases.signing import (
    ENTERPRISE_CAPACITIES,
    SignatureInput,
    agents_of,
    default_signatures,
    signing_parties,
)
from app.domain.enums import SignCapacity
from app.domain.validators import mask_id_number
from app.ui.cases.common import date_edit, from_qdate, hint, to_qdate
from app.ui.forms import ValidatedForm
from app.ui.widgets.fit import fit_window

SCHEDULE_COLUMNS = ("姓名", "身份证号", "金额（元）", "履行日期", "支付方式", "收款账户")


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


class ScheduleDialog(QDialog):
    """Each worker's share of one payment term; rows left without an amount are not included."""

    def __init__(
        self,
        detail: CaseDetail,
        seq: int,
        term_amount: str,
        shares: list[ShareInput],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.detail = detail
        self.setWindowTitle(f"第{seq}项分配明细")
        fit_window(self, 980, 620)
        col = QVBoxLayout(self)
        col.addWidget(
            hint(
                "多名劳动者的案件，每项付款须写明每人的金额、履行日期和支付方式，合计应等于该项金额；"
                "协议书将逐人列明姓名和身份证号。履行日期、支付方式不填的，按该项的日期和方式。"
            )
        )
        self.term_amount = QLineEdit(term_amount)
        self.term_amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        top = QHBoxLayout()
        top.addWidget(QLabel("该项金额（元）："))
        top.addWidget(self.term_amount)
        even = QPushButton("按人数平均分配")
        even.clicked.connect(self.split_evenly)
        top.addWidget(even)
        top.addStretch(1)
        col.addLayout(top)
        self.table = QTableWidget(len(detail.applicants), len(SCHEDULE_COLUMNS))
        self.table.setHorizontalHeaderLabels(SCHEDULE_COLUMNS)
        for i, width in enumerate((90, 170, 110, 120, 110, 220)):
            self.table.setColumnWidth(i, width)
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        by_person = {s.person_id: s for s in shares}
        for r, p in enumerate(detail.applicants):
            s = by_person.get(p.person_id, ShareInput(p.person_id))
            name = QTableWidgetItem(p.name)
            name.setFlags(Qt.ItemFlag.ItemIsEnabled)
            name.setData(Qt.ItemDataRole.UserRole, p.person_id)
            self.table.setItem(r, 0, name)
            masked = QTableWidgetItem(mask_id_number(p.id_number) if p.id_number else "")
            masked.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(r, 1, masked)
            amount = QTableWidgetItem("" if s.amount is None else str(s.amount))
            amount.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, 2, amount)
            due = QDateEdit()
            due.setCalendarPopup(True)
            due.setDisplayFormat("yyyy-MM-dd")
            due.setSpecialValueText("（同该项）")
            due.setMinimumDate(to_qdate(date(2000, 1, 1)))
            due.setDate(to_qdate(s.due_on) if s.due_on else due.minimumDate())
            self.table.setCellWidget(r, 3, due)
            self.table.setItem(r, 4, QTableWidgetItem(s.method))
            self.table.setItem(r, 5, QTableWidgetItem(s.account))
        col.addWidget(self.table, 1)
        self.total = QLabel("")
        col.addWidget(self.total)
        self.table.itemChanged.connect(lambda _i: self._show_total())
        self.term_amount.textChanged.connect(lambda _t: self._show_total())
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        col.addWidget(self.buttons)
        self._show_total()

    def split_evenly(self) -> None:
        total = _amount(self.term_amount.text())
        n = self.table.rowCount()
        if total is None or n == 0:
            return
        part = (total / n).quantize(Decimal("0.01"))
        for r in range(n):
            value = part if r < n - 1 else total - part * (n - 1)
            self.table.item(r, 2).setText(f"{value:.2f}")

    def _show_total(self) -> None:
        amounts = [_amount(self.table.item(r, 2).text()) for r in range(self.table.rowCount())]
        total = sum((a for a in amounts if a is not None), Decimal("0"))
        term = _amount(self.term_amount.text())
        text = f"已分配{sum(1 for a in amounts if a is not None)}人，合计{total:.2f}元"
        if term is not None and total != term:
            diff = total - term
            text += f"，与该项金额{term:.2f}元相差{abs(diff):.2f}元（{'多' if diff > 0 else '少'}）"
        self.total.setText(text)

    def shares(self) -> list[ShareInput]:
        out = []
        for r in range(self.table.rowCount()):
            text = self.table.item(r, 2).text().strip()
            if not text:
                continue
            due = self.table.cellWidget(r, 3)
            out.append(
                ShareInput(
                    person_id=self.table.item(r, 0).data(Qt.ItemDataRole.UserRole),
                    amount=text,
                    due_on=None if due.date() == due.minimumDate() else from_qdate(due.date()),
                    method=self.table.item(r, 4).text().strip(),
                    account=self.table.item(r, 5).text().strip(),
                )
            )
        return out

    def amount_text(self) -> str:
        return self.term_amount.text().strip()


class SignDialog(QDialog):
    """The signing record: for each party who signed and in what capacity, whether the seal was
    applied; the mediator confirms the organisation's signature and seal; the signing date."""

    def __init__(self, detail: CaseDetail, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.detail = detail
        self.setWindowTitle("签署调解协议书")
        fit_window(self, 900, 600)
        col = QVBoxLayout(self)
        col.addWidget(
            hint(
                "调解协议书由双方当事人签名或者盖章，经调解员签名并加盖调解组织印章后生效（调解仲裁法第十四条）。"
                "请逐一登记由谁签署、以何身份；委托代理人代为签署须有特别授权（民事诉讼法第六十二条），"
                "仅有一般授权的不能签署。签署后协议内容将固定，如需变更须制作新版本。"
            )
        )
        self.parties = signing_parties(detail)
        self.table = QTableWidget(len(self.parties), 4)
        self.table.setHorizontalHeaderLabels(("当事人", "签署身份", "签署人", "加盖印章"))
        for i, width in enumerate((260, 260, 160, 90)):
            self.table.setColumnWidth(i, width)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        defaults = {s.party_id: s for s in default_signatures(detail)}
        for r, p in enumerate(self.parties):
            who = QTableWidgetItem(f"{p.role.label} {p.name}")
            who.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(r, 0, who)
            capacity = QComboBox()
            if p.is_person:
                capacity.addItem(SignCapacity.SELF.label, (SignCapacity.SELF, None))
            else:
                for c in ENTERPRISE_CAPACITIES[:2]:
                    capacity.addItem(c.label, (c, None))
            for a in agents_of(detail, p):
                c = (
                    SignCapacity.AGENT_SPECIAL
                    if a.authority == "特别授权"
                    else SignCapacity.AGENT_GENERAL
                )
                capacity.addItem(f"{c.label}：{a.name}", (c, a))
            self.table.setCellWidget(r, 1, capacity)
            signer = QLineEdit(defaults[p.id].signer_name)
            self.table.setCellWidget(r, 2, signer)
            seal = QCheckBox()
            seal.setChecked(defaults[p.id].seal_applied)
            seal.setEnabled(not p.is_person)
            self.table.setCellWidget(r, 3, seal)
            capacity.currentIndexChanged.connect(lambda _i, row=r: self._capacity_changed(row))
            self._capacity_changed(r)
        col.addWidget(self.table, 1)
        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color:#b3261e")
        col.addWidget(self.problems)
        self.mediator_check = QCheckBox("调解员已签名，已加盖调解组织印章")
        col.addWidget(self.mediator_check)
        form = ValidatedForm()
        self.date = form.add_field("签署日期：", date_edit(today), "signed_on")
        col.addLayout(form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("确认签署")
        self.ok.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        col.addWidget(self.buttons)
        self.mediator_check.toggled.connect(self.ok.setEnabled)
        self._today = today

    def _capacity_changed(self, row: int) -> None:
        p = self.parties[row]
        capacity, agent = self.table.cellWidget(row, 1).currentData()
        signer: QLineEdit = self.table.cellWidget(row, 2)
        if agent is not None:
            signer.setText(agent.name)
        elif capacity == SignCapacity.SELF:
            signer.setText(p.name)
        elif capacity == SignCapacity.LEGAL_REP and not signer.text():
            signer.setText(p.legal_rep or "")
        # Only the legal representative's or principal's name is typed; others come from records.
        signer.setReadOnly(capacity not in (SignCapacity.LEGAL_REP, SignCapacity.PRINCIPAL))

    def signatures(self) -> list[SignatureInput]:
        out = []
        for r, p in enumerate(self.parties):
            capacity, agent = self.table.cellWidget(r, 1).currentData()
            out.append(
                SignatureInput(
                    party_id=p.id,
                    capacity=capacity,
                    signer_name=self.table.cellWidget(r, 2).text(),
                    agent_party_id=agent.id if agent else None,
                    seal_applied=self.table.cellWidget(r, 3).isChecked(),
                )
            )
        return out

    def signed_on(self) -> date:
        return from_qdate(self.date.date()) or self._today
