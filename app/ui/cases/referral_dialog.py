"""移送劳动监察…: the referral of a wage-arrears case to labor inspection and its tracking, from
the case page (service: ``app.cases.referral``; the letter: ``app.documents.referral_letter``)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.cases import referral
from app.cases.detail import CaseDetail
from app.domain.dates import cn_date
from app.ui.cases.common import ProblemLabel, date_edit, from_qdate, hint, run_write
from app.ui.context import AppContext
from app.ui.forms import ValidatedForm, dialog_buttons

WORKER_COLUMNS = ("姓名", "欠薪期间", "欠薪金额（元）")


class ReferralDialog(QDialog):
    """The letter's content (workers, chain of contractors, absconding signs, evidence) and what
    the inspection did with it (case number, order to pay, transfer to the police)."""

    def __init__(self, ctx: AppContext, detail: CaseDetail, today: date, parent=None):
        super().__init__(parent)
        self.ctx, self.detail, self.today = ctx, detail, today
        self.setWindowTitle(f"移送劳动保障监察：{detail.case_no}")
        self.setMinimumWidth(720)
        self.resize(780, 640)  # with the title bar within 1366×728; the form scrolls
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        col = QVBoxLayout(body)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        r = detail.referral
        col.addWidget(
            hint(
                "发现欠薪且有逃匿迹象的，可将线索移送劳动保障监察（劳动保障监察条例第九条）。"
                "是否责令支付、是否移送公安机关（刑法第二百七十六条之一）由监察机构认定，本站只登记其告知的情况。"
            )
        )
        self.form = ValidatedForm()
        col.addLayout(self.form)
        f = self.form
        self.referred_on = f.add_field(
            "移送日期：", date_edit(r.referred_on if r else today), "referred_on"
        )
        self.body = f.add_field(
            "监察机构：",
            QLineEdit(r.inspection_body if r else referral.DEFAULT_BODY),
            "inspection_body",
        )
        self.developer = f.add_field(
            "建设单位：", QLineEdit((r.developer or "") if r else ""), "developer"
        )
        self.developer.setPlaceholderText("建设工程项目的建设单位（开发商），非建设工程可不填")
        self.kind = QComboBox()
        self.kind.addItem("（非建设工程）", "")
        for code, label in referral.CONTRACTOR_KINDS:
            self.kind.addItem(label, code)
        if r and r.contractor_kind:
            self.kind.setCurrentIndex(max(0, self.kind.findData(r.contractor_kind)))
        elif detail.is_construction:
            self.kind.setCurrentIndex(self.kind.findData("company"))
        f.add_field("实际招用劳动者的：", self.kind, "contractor_kind")
        self.foreman_name = f.add_field(
            "包工头姓名：", QLineEdit((r.foreman_name or "") if r else ""), "foreman_name"
        )
        self.foreman_id = f.add_field(
            "包工头身份证号：",
            QLineEdit((r.foreman_id_number or "") if r else ""),
            "foreman_id_number",
        )
        self.foreman_phone = f.add_field(
            "包工头电话：", QLineEdit((r.foreman_phone or "") if r else ""), "foreman_phone"
        )
        signs = QWidget()
        signs_col = QVBoxLayout(signs)
        signs_col.setContentsMargins(0, 0, 0, 0)
        self.signs: dict[str, QCheckBox] = {}
        for code, label in referral.ABSCONDING_SIGNS:
            box = QCheckBox(label)
            box.setChecked(bool(r and code in r.absconding))
            signs_col.addWidget(box)
            self.signs[code] = box
        f.add_field("逃匿迹象：", signs, "absconding")
        self.sign_note = QPlainTextEdit((r.absconding_note or "") if r else "")
        self.sign_note.setMaximumHeight(60)
        f.add_field("具体情况：", self.sign_note, "absconding_note")
        self.evidence = QPlainTextEdit("\n".join(r.evidence) if r else "")
        self.evidence.setMaximumHeight(80)
        self.evidence.setPlaceholderText("每行一项，如：考勤记录复印件1份")
        f.add_field("证据材料：", self.evidence, "evidence")
        col.addWidget(hint("被拖欠工资的劳动者（已按请求事项预填，请核对欠薪期间和金额）："))
        self.workers = QTableWidget(0, len(WORKER_COLUMNS))
        self.workers.setHorizontalHeaderLabels(WORKER_COLUMNS)
        self.workers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.workers.setMinimumHeight(120)
        col.addWidget(self.workers)
        self.workers_problem = ProblemLabel()
        col.addWidget(self.workers_problem)
        self._person_ids: list[str] = []
        names = {p.person_id: p.name for p in detail.applicants}
        rows = (
            [referral.ReferralWorker(w["person_id"], w["period"], w["amount"]) for w in r.workers]
            if r
            else referral.default_workers(detail)
        )
        for w in rows:
            i = self.workers.rowCount()
            self.workers.insertRow(i)
            name = QTableWidgetItem(names.get(w.person_id, ""))
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.workers.setItem(i, 0, name)
            self.workers.setItem(i, 1, QTableWidgetItem(w.period or ""))
            self.workers.setItem(i, 2, QTableWidgetItem("" if w.amount is None else str(w.amount)))
            self._person_ids.append(w.person_id)
        # ---- tracking
        col.addWidget(hint("监察机构的处理情况（收到反馈后登记）："))
        self.track = ValidatedForm()
        col.addLayout(self.track)
        t = self.track
        self.case_no = t.add_field(
            "监察案件编号：",
            QLineEdit((r.inspection_case_no or "") if r else ""),
            "inspection_case_no",
        )
        self.ordered = QCheckBox("已责令支付，日期：")
        self.ordered.setChecked(bool(r and r.order_on))
        self.order_on = date_edit(r.order_on if r and r.order_on else today)
        t.add_field("责令支付：", self._pair(self.ordered, self.order_on), "order_on")
        self.order_note = t.add_field(
            "", QLineEdit((r.order_note or "") if r else ""), "order_note"
        )
        self.order_note.setPlaceholderText("文书名称、支付期限等")
        self.police = QCheckBox("监察机构已移送公安机关，日期：")
        self.police.setChecked(bool(r and r.police_transfer_on))
        self.police_on = date_edit(r.police_transfer_on if r and r.police_transfer_on else today)
        t.add_field("移送公安：", self._pair(self.police, self.police_on), "police_transfer_on")
        self.police_note = t.add_field(
            "", QLineEdit((r.police_note or "") if r else ""), "police_note"
        )
        self.police_note.setPlaceholderText("仅登记监察机构告知的情况")
        self.note = t.add_field("其他情况：", QLineEdit((r.note or "") if r else ""), "note")
        if r:
            col.addWidget(hint(f"已于{cn_date(r.referred_on)}登记移送。"))
        self.buttons = dialog_buttons(self, "保存", on_ok=self.submit)
        self.ok_button = self.buttons.ok_button
        outer.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    @staticmethod
    def _pair(check: QCheckBox, edit) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(check)
        row.addWidget(edit)
        row.addStretch(1)
        return box

    def _kind_changed(self) -> None:
        individual = self.kind.currentData() == "individual"
        for w in (self.foreman_name, self.foreman_id, self.foreman_phone):
            w.setEnabled(individual)

    def _cell(self, r: int, c: int) -> str:
        item = self.workers.item(r, c)
        return item.text().strip() if item else ""

    def collect(self) -> tuple[referral.ReferralInput, referral.TrackingInput]:
        form = referral.ReferralInput(
            referred_on=from_qdate(self.referred_on.date()),
            inspection_body=self.body.text(),
            developer=self.developer.text(),
            contractor_kind=self.kind.currentData() or "",
            foreman_name=self.foreman_name.text(),
            foreman_id_number=self.foreman_id.text(),
            foreman_phone=self.foreman_phone.text(),
            absconding=[code for code, box in self.signs.items() if box.isChecked()],
            absconding_note=self.sign_note.toPlainText(),
            evidence=self.evidence.toPlainText(),
            workers=[
                referral.ReferralWorker(pid, self._cell(i, 1), self._cell(i, 2))
                for i, pid in enumerate(self._person_ids)
            ],
        )
        tracking = referral.TrackingInput(
            inspection_case_no=self.case_no.text(),
            order_on=from_qdate(self.order_on.date()) if self.ordered.isChecked() else None,
            order_note=self.order_note.text(),
            police_transfer_on=from_qdate(self.police_on.date())
            if self.police.isChecked()
            else None,
            police_note=self.police_note.text(),
            note=self.note.text(),
        )
        return form, tracking

    def submit(self) -> None:
        form, tracking = self.collect()
        run_write(
            self.ctx,
            self,
            referral.save_referral,
            self.ctx.store,
            self.detail.id,
            form,
            tracking=tracking,
            today=self.today,
            on_done=lambda _r: self.accept(),
            forms=[self.form, self.track],
            tables={"workers": self.workers_problem},
            busy=(self.ok_button,),
            title="未能保存移送",
        )
