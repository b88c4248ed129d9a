"""履行回访 dialog: date, method, contact, amount received (booked against the open payments)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit

from app.cases import followup
from app.cases.detail import CaseDetail
from app.domain.deadlines import term_item_name
from app.domain.enums import TermKind
from app.ui.cases.common import cn_date, date_edit, from_qdate, hint, money
from app.ui.cases.dialogs import _Dialog
from app.ui.context import AppContext


class FollowUpDialog(_Dialog):
    ok_text = "登记回访"

    def __init__(self, ctx: AppContext, detail: CaseDetail, today: date, parent=None):
        super().__init__(ctx, f"履行回访：{detail.case_no}", parent)
        self.detail, self.today = detail, today
        self.col.insertWidget(
            0,
            hint(
                "每个履行期限届满后请回访当事人，核实协议是否履行。申请人反映已收到的金额，"
                "将登记为对应付款事项的履行（未指定事项的，按履行日期先后冲抵）。"
            ),
        )
        self.on = self.form.add_field("回访日期：", date_edit(today), "followed_on")
        self.method = QComboBox()
        self.method.addItems(followup.METHODS)
        self.form.add_field("回访方式：", self.method, "method")
        first = detail.applicants[0] if detail.applicants else None
        default_contact = f"申请人{first.name} {first.phone or ''}".strip() if first else ""
        self.contact = self.form.add_field("回访对象：", QLineEdit(default_contact), "contact")
        self.amount = self.form.add_field("新收到金额（元）：", QLineEdit(), "amount_received")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount.setPlaceholderText("尚未登记的收款；未收到填0，未问及可不填")
        self.term = QComboBox()
        self.term.addItem("按履行日期先后冲抵", None)
        current = detail.current_agreement
        for t in current.terms if current else []:
            if t.kind == TermKind.PAYMENT and (t.amount or 0) > t.paid:
                self.term.addItem(
                    f"第{t.seq}项 {term_item_name(t.item)} 尚欠{money((t.amount or 0) - t.paid)}元"
                    f"（{cn_date(t.due_on or current.performance_deadline)}）",
                    t.id,
                )
        self.form.add_field("对应事项：", self.term, "term_id")
        self.note = self.form.add_field("回访情况：", QLineEdit(), "note")
        done = [f"{cn_date(f.followed_on)}{f.method}回访{f.contact}" for f in detail.followups]
        if done:
            label = QLabel("已有回访：" + "；".join(done))
            label.setWordWrap(True)
            self.col.addWidget(label)
        self.finish_layout()

    def submit(self) -> None:
        self.run(
            followup.record_followup,
            self.ctx.store,
            self.detail.id,
            followup.FollowUpInput(
                followed_on=from_qdate(self.on.date()),
                method=self.method.currentText(),
                contact=self.contact.text(),
                amount_received=self.amount.text().strip() or None,
                term_id=self.term.currentData(),
                note=self.note.text(),
            ),
            today=self.today,
        )
