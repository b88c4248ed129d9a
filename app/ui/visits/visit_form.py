"""The visit form (走访/巡查/回访): checklist, problems with deadlines, risk indicators, follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import FindingStatus
from app.domain.visits import (
    CHECKLIST,
    ChecklistItem,
    CheckStatus,
    RiskIndicator,
    VisitKind,
    default_check_status,
    default_deadline,
    is_overdue,
)
from app.store.errors import StoreError
from app.ui.context import AppContext
from app.ui.drafts import DraftKeeper
from app.ui.forms import SaveControls, ValidatedForm
from app.ui.visits.common import (
    AttachmentList,
    DateEdit,
    error_label,
    fmt_date,
)
from app.ui.widgets.enterprise_picker import EnterprisePicker
from app.ui.widgets.fit import fit_window, scrolling
from app.visits.problems import Problem
from app.visits.service import (
    CheckEntry,
    FindingBrief,
    FollowUpResult,
    NewFinding,
    VisitInput,
    enterprise_brief,
    open_findings,
    record_visit,
)

UNCHANGED = "unchanged"
DRAFT_KEY = "visit:new"


@dataclass
class ChecklistRow:
    item: ChecklistItem
    status: QComboBox
    note: QLineEdit
    deadline: DateEdit
    responsible: QLineEdit
    error: QLabel

    def selected(self) -> CheckStatus | None:
        value = self.status.currentData()
        return CheckStatus(value) if value else None


@dataclass
class FollowUpRow:
    finding: FindingBrief
    status: QComboBox
    note: QLineEdit
    untrustworthy: QCheckBox
    error: QLabel


class VisitForm(QDialog):
    """Fill in one visit; saving writes it, its ledger items and photos in one transaction."""

    saved = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        enterprise_id: str | None = None,
        follow_up_of_id: str | None = None,
        today: date | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.follow_up_of_id = follow_up_of_id
        self.enterprise_id: str | None = None
        self.above_scale: bool | None = None
        self.task = None
        self.setWindowTitle("企业走访登记")
        fit_window(self, 1060, 820)

        body = QWidget()
        col = QVBoxLayout(body)
        col.addWidget(self._basics())
        col.addWidget(self._checklist())
        col.addWidget(self._indicators())
        self.follow_box = self._follow_ups()
        col.addWidget(self.follow_box)
        col.addWidget(self._notes())
        self.summary = self.form.summary
        controls = SaveControls(ctx, self, self.form, on_ok=self.save, title="走访记录未能保存")
        self.save_button, self.status = controls.ok_button, controls.status
        self.save_button.setProperty("role", "primary")
        self.saving = controls.saving
        outer = QVBoxLayout(self)
        outer.addWidget(scrolling(body), 1)
        outer.addLayout(controls.footer())

        if follow_up_of_id:
            self.kind.setCurrentIndex(self.kind.findData(VisitKind.FOLLOW_UP.value))
        if enterprise_id:
            self.picker.set_enterprise(enterprise_id)
            self.enterprise_chosen(enterprise_id)
        # typing is kept as an encrypted draft every few seconds (photos are not: pick them again)
        self.drafts = DraftKeeper(ctx, self, DRAFT_KEY, "企业走访登记")
        self.rejected.connect(self.drafts.discard)

    # ------------------------------------------------------------------ building

    def _basics(self) -> QGroupBox:
        box = QGroupBox("基本情况")
        self.picker = EnterprisePicker(self.ctx, allow_create=False)
        self.picker.selected.connect(self.enterprise_chosen)
        self.picker.cleared.connect(lambda: self.enterprise_chosen(None))
        self.enterprise_info = QLabel("")
        self.enterprise_info.setProperty("role", "hint")
        self.form = form = ValidatedForm(box)

        def add(label: str, key: str, widget: QWidget) -> None:
            form.add_field(label, widget, key)

        form.add_field("走访企业：", self.picker, "enterprise", extra=self.enterprise_info)
        self.visited_on = DateEdit(self.today)
        self.visited_on.dateChanged.connect(lambda _d: self._suggest_deadlines())
        add("走访日期：", "visited_on", self.visited_on)
        self.kind = QComboBox()
        for kind in VisitKind:
            self.kind.addItem(kind.label, kind.value)
        add("走访类型：", "kind", self.kind)
        self.visitors = QLineEdit(self.ctx.user.display_name)
        self.visitors.setPlaceholderText("参加走访的工作人员，多人用顿号分隔")
        add("走访人员：", "visitors", self.visitors)
        self.contact_name = QLineEdit()
        self.contact_name.setPlaceholderText("企业接待人姓名及职务")
        add("企业接待人：", "contact_name", self.contact_name)
        self.contact_phone = QLineEdit()
        add("联系电话：", "contact_phone", self.contact_phone)
        return box

    def _checklist(self) -> QGroupBox:
        box = QGroupBox("检查情况（标记“存在问题”的项目进入问题台账，须填写整改期限和企业责任人）")
        grid = QGridLayout(box)
        for col, header in enumerate(
            ("检查项目", "结果", "情况说明 / 问题描述", "整改期限", "企业责任人")
        ):
            label = QLabel(f"<b>{header}</b>")
            grid.addWidget(label, 0, col)
        self.rows: dict[str, ChecklistRow] = {}
        first_status = None
        r = 1
        for item in CHECKLIST:
            name = QLabel(item.label)
            name.setToolTip(f"{item.hint}\n依据：{item.legal_basis}")
            status = QComboBox()
            status.addItem("未检查", "")
            for s in CheckStatus:
                status.addItem(s.label, s.value)
            note = QLineEdit()
            note.setPlaceholderText(item.hint)
            deadline = DateEdit(default_deadline(self.today, item.code))
            responsible = QLineEdit()
            responsible.setPlaceholderText("整改责任人")
            err = error_label()
            row = ChecklistRow(item, status, note, deadline, responsible, err)
            for key, widget in (
                (f"check:{item.code}", note),
                (f"finding:{item.code}", note),
                (f"finding:{item.code}:description", note),
                (f"finding:{item.code}:deadline", deadline),
                (f"finding:{item.code}:responsible", responsible),
            ):
                self.form.add_target(key, widget, err)
            status.currentIndexChanged.connect(lambda _i, row=row: self._row_changed(row))
            first_status = first_status or status
            grid.addWidget(name, r, 0)
            grid.addWidget(status, r, 1)
            grid.addWidget(note, r, 2)
            grid.addWidget(deadline, r, 3)
            grid.addWidget(responsible, r, 4)
            grid.addWidget(err, r + 1, 2, 1, 3)
            self.rows[item.code] = row
            self._row_changed(row)
            r += 2
        grid.setColumnStretch(2, 1)
        self.checklist_error = self.form.add_target("checklist", first_status)
        grid.addWidget(self.checklist_error, r, 0, 1, 5)
        return box

    def _indicators(self) -> QGroupBox:
        box = QGroupBox("欠薪预警指标")
        col = QVBoxLayout(box)
        self.assessed = QCheckBox("本次走访已核查欠薪风险（未勾选的指标视为未发现）")
        self.assessed.setChecked(True)
        col.addWidget(self.assessed)
        row = QHBoxLayout()
        self.indicator_boxes: dict[RiskIndicator, QCheckBox] = {}
        for indicator in RiskIndicator:
            cb = QCheckBox(indicator.label)
            self.indicator_boxes[indicator] = cb
            row.addWidget(cb)
        row.addStretch(1)
        col.addLayout(row)
        self.assessed.toggled.connect(
            lambda on: [cb.setEnabled(on) for cb in self.indicator_boxes.values()]
        )
        return box

    def _follow_ups(self) -> QGroupBox:
        box = QGroupBox("此前发现问题的整改复查")
        self.follow_grid = QGridLayout(box)
        self.follow_rows: list[FollowUpRow] = []
        box.hide()
        return box

    def _notes(self) -> QGroupBox:
        box = QGroupBox("备注与现场照片")
        form = QFormLayout(box)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("走访中了解到的其他情况、企业诉求、发放的宣传资料等")
        self.notes.setFixedHeight(70)
        form.addRow("备注：", self.notes)
        self.attachments = AttachmentList(self.ctx)
        self.form.add_target("attachments", self.attachments, self.attachments.error)
        form.addRow("照片/附件：", self.attachments)
        return box

    # ------------------------------------------------------------------ behaviour

    def _row_changed(self, row: ChecklistRow) -> None:
        problem = row.selected() == CheckStatus.PROBLEM
        row.deadline.setEnabled(problem)
        row.responsible.setEnabled(problem)
        row.note.setPlaceholderText("问题描述（必填）" if problem else row.item.hint)

    def _suggest_deadlines(self) -> None:
        for row in self.rows.values():
            if row.selected() != CheckStatus.PROBLEM:
                row.deadline.set_value(default_deadline(self.visited_on.value(), row.item.code))

    def enterprise_chosen(self, enterprise_id: str | None) -> None:
        self.enterprise_id = enterprise_id
        self._clear_follow_ups()
        if not enterprise_id:
            self.enterprise_info.setText("")
            return
        try:
            brief = enterprise_brief(self.ctx.store, enterprise_id)
            findings = open_findings(self.ctx.store, enterprise_id)
        except StoreError as exc:
            self.form.set_error("enterprise", str(exc))
            return
        self.above_scale = brief.above_scale
        scale = {True: "规模以上企业", False: "规模以下企业", None: "规模未登记"}[brief.above_scale]
        self.enterprise_info.setText(
            f"{brief.street_name or '街镇未登记'} · {scale} · 欠薪风险：{brief.risk_level.label}"
            + (f" · 待整改问题{len(findings)}项" if findings else "")
        )
        for row in self.rows.values():
            default = default_check_status(row.item, brief.above_scale)
            if default is not None and not row.selected():
                row.status.setCurrentIndex(row.status.findData(default.value))
        self._show_follow_ups(findings)

    def _clear_follow_ups(self) -> None:
        while self.follow_grid.count():
            widget = self.follow_grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.follow_rows = []
        self.follow_box.hide()

    def _show_follow_ups(self, findings: list[FindingBrief]) -> None:
        if not findings:
            return
        for col, header in enumerate(("问题", "整改期限", "复查结果", "复查情况", "")):
            self.follow_grid.addWidget(QLabel(f"<b>{header}</b>"), 0, col)
        for i, f in enumerate(findings):
            r = 1 + 2 * i
            text = QLabel(f"{f.category_label}：{f.description}")
            text.setWordWrap(True)
            deadline = QLabel(fmt_date(f.deadline))
            if is_overdue(f.status, f.deadline, self.today):
                deadline.setText(f"{fmt_date(f.deadline)}（已逾期）")
                deadline.setStyleSheet("color: #b3261e;")
            status = QComboBox()
            status.addItem(f"未变（{f.status.label}）", UNCHANGED)
            for s in (FindingStatus.RECTIFYING, FindingStatus.RECTIFIED, FindingStatus.ESCALATED):
                if s != f.status:
                    status.addItem(s.label, s.value)
            note = QLineEdit()
            note.setPlaceholderText("整改情况；移交劳动监察须写明原因")
            untrustworthy = QCheckBox("记入失信")
            untrustworthy.setEnabled(False)
            untrustworthy.setToolTip("移交劳动监察的，同时在企业信用记录中记一条失信记录")
            status.currentIndexChanged.connect(
                lambda _i, s=status, u=untrustworthy: u.setEnabled(
                    s.currentData() == FindingStatus.ESCALATED.value
                )
            )
            err = error_label()
            self.follow_grid.addWidget(text, r, 0)
            self.follow_grid.addWidget(deadline, r, 1)
            self.follow_grid.addWidget(status, r, 2)
            self.follow_grid.addWidget(note, r, 3)
            self.follow_grid.addWidget(untrustworthy, r, 4)
            self.follow_grid.addWidget(err, r + 1, 0, 1, 5)
            self.follow_rows.append(FollowUpRow(f, status, note, untrustworthy, err))
            self.form.add_target(f"follow_up:{f.id}", note, err)
        self.follow_grid.setColumnStretch(0, 2)
        self.follow_grid.setColumnStretch(3, 2)
        self.follow_box.show()

    # ------------------------------------------------------------------ drafts

    def draft_state(self) -> dict:
        return {
            "enterprise_id": self.enterprise_id,
            "follow_up_of_id": self.follow_up_of_id,
            "visited_on": self.visited_on.value().isoformat(),
            "kind": self.kind.currentData(),
            "visitors": self.visitors.text(),
            "contact_name": self.contact_name.text(),
            "contact_phone": self.contact_phone.text(),
            "checklist": {
                code: {
                    "status": row.status.currentData(),
                    "note": row.note.text(),
                    "deadline": row.deadline.value().isoformat(),
                    "responsible": row.responsible.text(),
                }
                for code, row in self.rows.items()
            },
            "assessed": self.assessed.isChecked(),
            "indicators": [i.value for i, cb in self.indicator_boxes.items() if cb.isChecked()],
            "follow_ups": {
                fr.finding.id: {
                    "status": fr.status.currentData(),
                    "note": fr.note.text(),
                    "untrustworthy": fr.untrustworthy.isChecked(),
                }
                for fr in self.follow_rows
            },
            "notes": self.notes.toPlainText(),
        }

    def restore_draft_state(self, state: dict) -> None:
        self.follow_up_of_id = state.get("follow_up_of_id")
        enterprise_id = state.get("enterprise_id")
        if enterprise_id:
            self.picker.set_enterprise(enterprise_id)
            self.enterprise_chosen(enterprise_id)
        self.visited_on.set_value(date.fromisoformat(state["visited_on"]))
        self.kind.setCurrentIndex(max(0, self.kind.findData(state.get("kind"))))
        self.visitors.setText(state.get("visitors", ""))
        self.contact_name.setText(state.get("contact_name", ""))
        self.contact_phone.setText(state.get("contact_phone", ""))
        for code, entry in state.get("checklist", {}).items():
            row = self.rows.get(code)
            if row is None:
                continue
            row.status.setCurrentIndex(max(0, row.status.findData(entry.get("status") or "")))
            row.note.setText(entry.get("note", ""))
            row.deadline.set_value(date.fromisoformat(entry["deadline"]))
            row.responsible.setText(entry.get("responsible", ""))
        self.assessed.setChecked(state.get("assessed", True))
        for indicator, cb in self.indicator_boxes.items():
            cb.setChecked(indicator.value in state.get("indicators", []))
        for fr in self.follow_rows:
            entry = state.get("follow_ups", {}).get(fr.finding.id)
            if entry:
                fr.status.setCurrentIndex(max(0, fr.status.findData(entry.get("status"))))
                fr.note.setText(entry.get("note", ""))
                fr.untrustworthy.setChecked(bool(entry.get("untrustworthy")))
        self.notes.setPlainText(state.get("notes", ""))

    # ------------------------------------------------------------------ saving

    def collect(self) -> VisitInput:
        checklist: dict[str, CheckEntry] = {}
        findings: list[NewFinding] = []
        for code, row in self.rows.items():
            status = row.selected()
            if status is None:
                continue
            checklist[code] = CheckEntry(status, row.note.text().strip())
            if status == CheckStatus.PROBLEM and row.note.text().strip():
                findings.append(
                    NewFinding(
                        code, row.note.text().strip(), row.deadline.value(), row.responsible.text()
                    )
                )
        follow_ups = []
        for fr in self.follow_rows:
            choice = fr.status.currentData()
            note = fr.note.text().strip()
            if choice == UNCHANGED and not note:
                continue
            status = fr.finding.status if choice == UNCHANGED else FindingStatus(choice)
            follow_ups.append(
                FollowUpResult(
                    fr.finding.id,
                    status,
                    note,
                    mark_untrustworthy=fr.untrustworthy.isEnabled()
                    and fr.untrustworthy.isChecked(),
                )
            )
        follow_up_of = self.follow_up_of_id
        if follow_up_of is None and follow_ups:
            first = next(
                fr.finding for fr in self.follow_rows if fr.finding.id == follow_ups[0].finding_id
            )
            follow_up_of = first.visit_id
        indicators = (
            {i for i, cb in self.indicator_boxes.items() if cb.isChecked()}
            if self.assessed.isChecked()
            else None
        )
        return VisitInput(
            enterprise_id=self.enterprise_id,
            visited_on=self.visited_on.value(),
            kind=VisitKind(self.kind.currentData()),
            visitors=self.visitors.text(),
            contact_name=self.contact_name.text(),
            contact_phone=self.contact_phone.text(),
            checklist=checklist,
            findings=findings,
            risk_indicators=indicators,
            notes=self.notes.toPlainText(),
            follow_up_of_id=follow_up_of,
            follow_ups=follow_ups,
            attachments=list(self.attachments.pending),
        )

    def show_problems(self, problems: list[Problem]) -> None:
        self.form.show_problems(problems)

    def save(self) -> None:
        self.saving.run(
            record_visit, self.ctx.store, self.collect(), today=self.today, on_done=self._saved
        )

    def _saved(self, visit_id: str) -> None:
        self.drafts.discard()
        self.saved.emit(visit_id)
        self.accept()
