"""案件登记: the intake form, in the order of the paper application (调解申请书).

Receipt and channel, oral application with its on-the-spot record (Art. 12), the applicants (ID
number first: sex and birth date follow from it), the respondent from the roster or new, the
construction-project parties (Art. 30 of the migrant-wages regulation), the claims, facts and
requests, handling details, agents. Validation messages appear next to the fields; rows of a table
get their messages under the table. Typing is kept as an encrypted draft every few seconds.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.cases.detail import mediator_choices
from app.cases.enterprises import EnterpriseInput
from app.cases.intake import (
    AUTHORITIES,
    COLLECTIVE_MIN_WORKERS,
    AgentInput,
    ClaimInput,
    EnterpriseChoice,
    IntakeForm,
    WorkerInput,
    employment_warnings,
    oral_record_template,
    register_case,
)
from app.domain import reference
from app.domain.enums import EmploymentStatus
from app.domain.identity import CARRIES_BIRTH, IdDocType, check_identity
from app.store.models import utcnow
from app.ui.cases.common import date_edit, from_qdate, hint, to_qdate
from app.ui.cases.enterprise_dialog import NewEnterpriseDialog
from app.ui.context import AppContext
from app.ui.drafts import DraftKeeper, KeepsDraft
from app.ui.forms import SaveControls, ValidatedForm, styled_label
from app.ui.widgets.common import button_row
from app.ui.widgets.enterprise_picker import EnterprisePicker
from app.ui.widgets.fit import fit_window
from app.ui.widgets.form_table import ChoiceDelegate, FormTable, edit_item, shown_item

WORKER_COLUMNS = (
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "联系电话",
    "住址",
    "工作岗位",
    "推举代表",
)
# the columns of the applicants' table
W_NAME, W_DOC, W_NUMBER, W_SEX, W_BORN, W_PHONE, W_ADDRESS, W_JOB, W_REP = range(9)
#: problem key (``workers[2].id_number``) -> the column its cell is in
WORKER_FIELDS = {
    "name": W_NAME,
    "id_type": W_DOC,
    "id_number": W_NUMBER,
    "sex": W_SEX,
    "phone": W_PHONE,
    "address": W_ADDRESS,
    "job": W_JOB,
}
AGENT_COLUMNS = ("代理哪一方", "姓名", "单位", "联系电话", "代理权限", "被代理的申请人")
AGENT_FIELDS = {
    "side": 0,
    "name": 1,
    "id_number": 1,
    "organisation": 2,
    "phone": 3,
    "authority": 4,
    "for_worker": 5,
}
CLAIM_FIELDS = {"dispute_type": 0, "amount": 1, "description": 2}
#: (value, label) of the identity documents a worker may be registered with
DOC_CHOICES = [(d.value, d.label) for d in IdDocType]


def focus_cell(table: QTableWidget, key: str, columns: dict[str, int]) -> None:
    """The focus on the cell a problem key names (``workers[1].id_number``: row 1, its column;
    a cell holding a widget, such as a drop-down: that widget); the table itself when the key
    names no cell."""
    found = re.match(r"\w+\[(\d+)\]\.(\w+)", key)
    row, column = (int(found.group(1)), columns.get(found.group(2))) if found else (None, None)
    if row is None or column is None or row >= table.rowCount():
        table.setFocus(Qt.FocusReason.OtherFocusReason)
        return
    table.setCurrentCell(row, column)
    table.scrollTo(table.model().index(row, column))
    (table.cellWidget(row, column) or table).setFocus(Qt.FocusReason.OtherFocusReason)
    table.setCurrentCell(row, column)


def confirm_employment(dialog, status, claim_types) -> bool:
    """The employment-status warnings of the core, shown next to the field (never a modal box).

    The first save with a warning only shows it; saving again with the same content goes on.
    True: save now.
    """
    warnings = employment_warnings(status, claim_types)
    label = dialog.employment_warning
    if not warnings:
        label.hide()
        dialog._employment_warned = None
        return True
    text = "\n".join(warnings) + "\n如确认无误，请再次点击保存。"
    label.setText(text)
    label.show()
    if getattr(dialog, "_employment_warned", None) == warnings:
        return True
    dialog._employment_warned = warnings
    dialog.employment_status.setFocus()
    return False


class EnterpriseField(QWidget):
    """The shared roster picker, plus a new enterprise created with the case."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.new: EnterpriseInput | None = None
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        self.picker = EnterprisePicker(ctx)
        self.note = hint("")
        self.note.hide()
        col.addWidget(self.picker)
        col.addWidget(self.note)
        self.picker.selected.connect(self._picked)
        self.picker.cleared.connect(self._cleared)
        self.picker.create_requested.connect(self._create)

    def _picked(self, _enterprise_id: str) -> None:
        self.new = None
        self.note.hide()
        self.changed.emit()

    def _cleared(self) -> None:
        self.changed.emit()

    def _create(self, typed: str) -> None:
        dialog = NewEnterpriseDialog(
            typed, is_admin=self.ctx.user.is_admin, parent=self, initial=self.new
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_new(dialog.value())

    def set_new(self, value: EnterpriseInput) -> None:
        self.new = value
        self.picker.enterprise_id = None
        self.picker.edit.setText(value.name)
        code = f"，统一社会信用代码{value.credit_code}" if value.credit_code else ""
        self.note.setText(f"将新建企业：{value.name}{code}（登记案件时保存到企业名录）")
        self.note.show()
        self.changed.emit()

    def value(self) -> EnterpriseChoice:
        if self.picker.enterprise_id:
            return EnterpriseChoice(enterprise_id=self.picker.enterprise_id)
        if self.new is not None and self.picker.edit.text().strip() == self.new.name:
            return EnterpriseChoice(new=self.new)
        return EnterpriseChoice()

    def set_value(self, choice: EnterpriseChoice) -> None:
        if choice.enterprise_id:
            self.picker.set_enterprise(choice.enterprise_id)
        elif choice.new is not None:
            self.set_new(choice.new)


def remove_selected_rows(table: QTableWidget) -> None:
    rows = sorted({i.row() for i in table.selectedIndexes()}, reverse=True)
    if not rows and table.currentRow() >= 0:
        rows = [table.currentRow()]
    for r in rows:
        table.removeRow(r)


class CaseFormParts:
    """Sections the intake form shares with the correction of a registered case
    (:class:`app.ui.cases.edit_dialogs.CaseDetailsDialog`): the claims with facts and requests,
    and the handling details. The host is a QDialog with ``ctx``, ``today``, ``body`` (the
    column the groups go into), ``forms``, ``tables`` and a ``save`` method."""

    def _scrolling_body(self, outer: QVBoxLayout) -> None:
        """The long form scrolls inside (``body``, the column the groups go into) while the
        buttons under it stay in view; ``forms`` and ``tables`` start empty."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        self.body = QVBoxLayout(body)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.forms: list[ValidatedForm] = []
        self.tables: dict[str, QLabel] = {}

    def _save_row(self, save_text: str, title: str) -> QVBoxLayout:
        """Under the scrolling body: the summary line of the problems, the status line and the
        button row (``status``, ``save_button``); ``saving`` runs the save in the background."""
        controls = SaveControls(
            self.ctx, self, self.problems, save_text, on_ok=self.save, title=title
        )
        self.status, self.save_button = controls.status, controls.ok_button
        self.save_button.setProperty("role", "primary")
        self.saving = controls.saving
        return controls.footer()

    @property
    def problems(self) -> ValidatedForm:
        """The form every group's problems go through (the first; the others join it)."""
        return self.forms[0]

    def _table_target(self, name: str, table: QTableWidget, columns: dict[str, int]) -> QLabel:
        """``table`` as the target of the problems keyed ``name[i].field``: their messages under
        it, the focus on the cell of the first one."""
        label = self.problems.add_target(
            name, table, focus=lambda key: focus_cell(table, key, columns)
        )
        self.problems.alias(f"{name}[", name)
        self.tables[name] = label
        return label

    def _group(self, title: str) -> QVBoxLayout:
        box = QGroupBox(title)
        col = QVBoxLayout(box)
        self.body.addWidget(box)
        return col

    def _form(self, col: QVBoxLayout | None) -> ValidatedForm:
        """A form of one group (placed in ``col`` unless None: the caller places it)."""
        form = ValidatedForm()
        if col is not None:
            col.addLayout(form)
        if self.forms:
            form.join(self.forms[0])
        else:
            form.focus_topmost = True
        self.forms.append(form)
        return form

    def _build_claims(self, title: str = "四、请求事项") -> None:
        col = self._group(title)
        self.claims = FormTable(("争议类型", "请求金额（元）", "说明"))
        self.claims.setColumnWidth(0, 200)
        self.claims.setColumnWidth(1, 140)
        self.claims.horizontalHeader().setStretchLastSection(True)
        self.claims.setMinimumHeight(110)
        col.addWidget(self.claims)
        form = self._form(None)
        col.addWidget(self._table_target("claims", self.claims, CLAIM_FIELDS))
        row, _ = button_row(
            ("添加请求事项", self.add_claim),
            ("删除所选请求事项", lambda: remove_selected_rows(self.claims)),
        )
        col.addLayout(row)
        col.addLayout(form)
        self.requests = QPlainTextEdit()
        self.requests.setPlaceholderText("其他请求（可不填）")
        self.requests.setMaximumHeight(70)
        form.add_field("其他请求：", self.requests, "requests")
        self.facts = QPlainTextEdit()
        self.facts.setMinimumHeight(110)
        form.add_field("事实与理由：", self.facts, "facts")

    def _build_handling(self, title: str = "五、办理信息") -> None:
        col = self._group(title)
        form = self._form(col)
        self.migrant = QCheckBox(
            "申请人为农民工（保障农民工工资支付条例第四条：街道应及时调解欠薪纠纷）"
        )
        form.addRow("", self.migrant)
        self.employment_status = QComboBox()
        self.employment_status.addItem("（请选择）", None)
        for value, label in EmploymentStatus.choices():
            self.employment_status.addItem(label, value)
        self.employment_status.setToolTip(
            "决定仲裁时效的计算（调解仲裁法第二十七条）：只有登记为“劳动关系存续”时，"
            "通知书才会告知拖欠劳动报酬的请求不受一年时效限制"
        )
        form.add_field("劳动关系：", self.employment_status, "employment_status")
        self.employment_ended_on = date_edit(self.today)
        self.employment_ended_on.setEnabled(False)
        self.employment_status.currentIndexChanged.connect(
            lambda _i: self.employment_ended_on.setEnabled(
                self.employment_status.currentData() == EmploymentStatus.ENDED.value
            )
        )
        form.add_field("解除或终止日期：", self.employment_ended_on, "employment_ended_on")
        self.employment_warning = styled_label("", "error")
        self.employment_warning.setWordWrap(True)
        self.employment_warning.hide()
        form.addRow("", self.employment_warning)
        known = QWidget()
        known_row = QHBoxLayout(known)
        known_row.setContentsMargins(0, 0, 0, 0)
        self.known = QCheckBox("已知，日期：")
        self.known_on = date_edit(self.today)
        self.known_on.setEnabled(False)
        self.known.toggled.connect(self.known_on.setEnabled)
        known_row.addWidget(self.known)
        known_row.addWidget(self.known_on)
        known_row.addWidget(hint("用于计算一年的仲裁时效（调解仲裁法第二十七条）"))
        known_row.addStretch(1)
        form.add_field("知道权利被侵害之日：", known, "infringement_known_on")
        self.mediator = QComboBox()
        with self.ctx.store.read() as s:
            for uid, name in mediator_choices(s):
                self.mediator.addItem(name, uid)
        index = self.mediator.findData(self.ctx.user.id)
        if index >= 0:
            self.mediator.setCurrentIndex(index)
        form.add_field("承办调解员：", self.mediator, "mediator_id")
        self.co_mediators = form.add_field("协办调解员：", QLineEdit(), "co_mediators")
        self._handling_form = form

    def add_claim(self, values: ClaimInput | None = None) -> int:
        values = values if isinstance(values, ClaimInput) else ClaimInput()
        r = self.claims.rowCount()
        self.claims.insertRow(r)
        combo = QComboBox()
        combo.addItem("（请选择）", "")
        for item in reference.choices("dispute_type", values.dispute_type):
            combo.addItem(item.name, item.code)
        index = combo.findData(values.dispute_type)
        combo.setCurrentIndex(max(index, 0))
        self.claims.setCellWidget(r, 0, combo)
        self.claims.setItem(r, 1, edit_item("" if values.amount is None else str(values.amount)))
        self.claims.setItem(r, 2, edit_item(values.description))
        return r

    def _cell(self, table: QTableWidget, r: int, c: int) -> str:
        item = table.item(r, c)
        return item.text().strip() if item else ""

    def claim_inputs(self) -> list[ClaimInput]:
        return [
            ClaimInput(
                dispute_type=self.claims.cellWidget(r, 0).currentData() or "",
                amount=self._cell(self.claims, r, 1) or None,
                description=self._cell(self.claims, r, 2),
            )
            for r in range(self.claims.rowCount())
        ]


class IntakeDialog(KeepsDraft, CaseFormParts, QDialog):
    """Register a new case; ``registered(case_id, case_no)`` once it is saved."""

    registered = Signal(str, str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, today: date | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.setWindowTitle("登记调解案件")
        fit_window(self, 1000, 820)
        outer = QVBoxLayout(self)
        self._scrolling_body(outer)
        self._build_receipt()
        self._build_workers()
        self._build_respondent()
        self._build_claims()
        self._build_handling()
        self.accept_now = QCheckBox("符合受理条件，当场受理")
        self._handling_form.addRow("", self.accept_now)
        self._build_agents()
        outer.addLayout(self._save_row("登记", "未能登记"))
        self.add_worker()
        self.add_claim()
        self.drafts = DraftKeeper(ctx, self, key="case-intake:new", form_name="案件登记")

    # ---------------------------------------------------------- sections of the form

    def _build_receipt(self) -> None:
        col = self._group("一、受理信息")
        form = self._form(col)
        self.received_on = form.add_field("收到申请日期：", date_edit(self.today), "received_on")
        self.channel = QComboBox()
        for item in reference.intake_channels():
            self.channel.addItem(item.name, item.code)
        form.add_field("来源渠道：", self.channel, "channel")
        self.channel_ref = form.add_field("转办编号：", QLineEdit(), "channel_ref")
        self.channel_ref.setPlaceholderText("110警情号、12345工单号、信访件编号等（可不填）")
        self.police_incident_no = form.add_field(
            "110接处警编号：", QLineEdit(), "police_incident_no"
        )
        self.police_incident_no.setPlaceholderText(
            "劳动者就本争议报过110的，填写接处警编号（可不填）"
        )
        self.applicant_side = QComboBox()
        self.applicant_side.addItem("劳动者申请", "worker")
        self.applicant_side.addItem("用人单位申请（劳动者为被申请人）", "employer")
        form.add_field("申请方：", self.applicant_side, "applicant_side")
        way = QWidget()
        way_row = QHBoxLayout(way)
        way_row.setContentsMargins(0, 0, 0, 0)
        self.written = QRadioButton("书面申请")
        self.oral = QRadioButton("口头申请")
        self.written.setChecked(True)
        way_row.addWidget(self.written)
        way_row.addWidget(self.oral)
        way_row.addStretch(1)
        form.add_field("申请方式：", way, "oral")
        self.oral_box = QWidget()
        oral_col = QVBoxLayout(self.oral_box)
        oral_col.setContentsMargins(0, 0, 0, 0)
        oral_col.addWidget(
            hint(
                "口头申请的，应当场记录申请人基本情况、申请调解的争议事项、理由和时间（调解仲裁法第十二条）。"
            )
        )
        self.oral_record = QPlainTextEdit()
        self.oral_record.setMinimumHeight(90)
        oral_col.addWidget(self.oral_record)
        draft_button = QPushButton("根据已填内容生成记录草稿")
        draft_button.clicked.connect(self._draft_oral_record)
        oral_col.addWidget(draft_button, 0, Qt.AlignmentFlag.AlignLeft)
        form.add_field("当场记录：", self.oral_box, "oral_record")
        self._receipt_form = form
        self.oral.toggled.connect(self._oral_toggled)
        self._oral_toggled(False)

    def _build_workers(self) -> None:
        col = self._group("二、申请人（劳动者）")
        col.addWidget(
            hint(
                "先选证件类型（默认居民身份证）、填证件号码，性别和出生日期自动读出；没有内地身份证的，"
                "可选港澳台居民居住证、来往内地（大陆）通行证、外国人永久居留身份证或护照。"
                f"劳动者一方{COLLECTIVE_MIN_WORKERS}人以上并有共同请求的为集体争议，"
                "可以推举代表参加调解（调解仲裁法第七条），在“推举代表”列勾选。"
            )
        )
        # Tab goes through the cells that are typed into (not sex and birth date, read from the
        # number) and, after the last, out of the table to 添加申请人
        self.workers = FormTable(WORKER_COLUMNS)
        self.workers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.workers.horizontalHeader().setStretchLastSection(False)
        for i, width in enumerate((76, 128, 158, 40, 88, 104, 168, 80, 62)):
            self.workers.setColumnWidth(i, width)
        self.workers.setMinimumHeight(130)
        self.doc_types = ChoiceDelegate(DOC_CHOICES, self.workers)
        self.workers.setItemDelegateForColumn(W_DOC, self.doc_types)
        self.workers.itemChanged.connect(self._worker_changed)
        col.addWidget(self.workers)
        self.worker_count = hint("")
        col.addWidget(self.worker_count)
        col.addWidget(self._table_target("workers", self.workers, WORKER_FIELDS))
        row, _ = button_row(
            ("添加申请人", self.add_worker),
            ("删除所选申请人", lambda: self._remove_rows(self.workers)),
        )
        col.addLayout(row)

    def _build_respondent(self) -> None:
        col = self._group("三、被申请人（用人单位）")
        form = self._form(col)
        self.respondent = EnterpriseField(self.ctx)
        form.add_field("被申请人：", self.respondent, "respondent")
        self.construction = QCheckBox(
            "建设工程领域拖欠农民工工资（项目、施工总承包单位、分包单位分别列为当事人）"
        )
        form.addRow("", self.construction)
        self.project_name = form.add_field("工程项目名称：", QLineEdit(), "project_name")
        self.general_contractor = EnterpriseField(self.ctx)
        form.add_field("施工总承包单位：", self.general_contractor, "general_contractor")
        self.construction_hint = hint(
            "依《保障农民工工资支付条例》第三十条，分包单位拖欠农民工工资的，由施工总承包单位先行清偿。上方“被申请人”填分包单位（用人单位）。"
        )
        form.addRow("", self.construction_hint)
        self.dispatch = QCheckBox("劳务派遣用工（上方填劳务派遣单位，用工单位为共同当事人）")
        form.add_field("", self.dispatch, "is_dispatch")
        self.host_employer = EnterpriseField(self.ctx)
        form.add_field("用工单位：", self.host_employer, "host_employer")
        self._respondent_form = form
        self.construction.toggled.connect(self._construction_toggled)
        self._construction_toggled(False)
        self.dispatch.toggled.connect(self._dispatch_toggled)
        self._dispatch_toggled(False)
        self.applicant_side.currentIndexChanged.connect(self._side_changed)

    def _build_agents(self) -> None:
        col = self._group("六、委托代理人（可不填）")
        self.agents = FormTable(AGENT_COLUMNS)
        for i, width in enumerate((110, 90, 200, 120, 100, 120)):
            self.agents.setColumnWidth(i, width)
        self.agents.setMinimumHeight(90)
        col.addWidget(self.agents)
        col.addWidget(self._table_target("agents", self.agents, AGENT_FIELDS))
        row, _ = button_row(
            ("添加委托代理人", self.add_agent),
            ("删除所选代理人", lambda: self._remove_rows(self.agents)),
        )
        col.addLayout(row)

    # ---------------------------------------------------------- rows

    def add_worker(self, values: WorkerInput | None = None) -> int:
        values = values if isinstance(values, WorkerInput) else WorkerInput()
        self.workers.blockSignals(True)
        r = self.workers.rowCount()
        self.workers.insertRow(r)
        for c, text in (
            (W_NAME, values.name),
            (W_NUMBER, values.id_number),
            (W_PHONE, values.phone),
            (W_ADDRESS, values.address),
            (W_JOB, values.job),
        ):
            self.workers.setItem(r, c, edit_item(text))
        doc = values.id_type or IdDocType.RESIDENT_ID.value
        kind = edit_item(self.doc_types.label_of(doc))
        kind.setData(Qt.ItemDataRole.UserRole, doc)
        self.workers.setItem(r, W_DOC, kind)
        self.workers.setItem(r, W_SEX, shown_item())
        self.workers.setItem(r, W_BORN, shown_item())
        rep = edit_item("")
        rep.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        rep.setCheckState(
            Qt.CheckState.Checked if values.is_representative else Qt.CheckState.Unchecked
        )
        self.workers.setItem(r, W_REP, rep)
        self.workers.blockSignals(False)
        self._fill_from_id(r)
        self._update_worker_count()
        return r

    def set_doc_type(self, row: int, doc: IdDocType | str) -> None:
        """The identity document of applicant ``row`` (as choosing it in the table does)."""
        item = self.workers.item(row, W_DOC)
        value = IdDocType(doc).value
        item.setData(Qt.ItemDataRole.UserRole, value)
        item.setText(self.doc_types.label_of(value))

    def doc_type(self, row: int) -> str:
        item = self.workers.item(row, W_DOC)
        return (
            item.data(Qt.ItemDataRole.UserRole) if item else None
        ) or IdDocType.RESIDENT_ID.value

    def _worker_changed(self, item: QTableWidgetItem) -> None:
        if item.column() in (W_DOC, W_NUMBER):
            self._fill_from_id(item.row())
        self._update_worker_count()

    def _fill_from_id(self, r: int) -> None:
        number_item = self.workers.item(r, W_NUMBER)
        number = (number_item.text() if number_item else "").strip()
        doc = IdDocType(self.doc_type(r))
        self.workers.blockSignals(True)
        sex = born = ""
        if number:
            result = check_identity(doc, number, today=self.today)
            if result.ok:
                if result.birth_date is not None:
                    sex, born = result.sex or "", result.birth_date.isoformat()
                number_item.setToolTip("")
            else:
                number_item.setToolTip(result.message)
                born = "（" + result.message + "）"
        if not sex and doc not in CARRIES_BIRTH and not born:
            born = "（证件号不含出生日期）" if number else ""
        self.workers.item(r, W_SEX).setText(sex)
        self.workers.item(r, W_BORN).setText(born)
        self.workers.blockSignals(False)

    def _update_worker_count(self) -> None:
        n = self.workers.rowCount()
        if n >= COLLECTIVE_MIN_WORKERS:
            self.worker_count.setText(
                f"共{n}名申请人：集体争议，推举了代表的请在“推举代表”列勾选。"
            )
        else:
            self.worker_count.setText(f"共{n}名申请人。")

    def add_agent(self, values: AgentInput | None = None) -> int:
        values = values if isinstance(values, AgentInput) else AgentInput()
        r = self.agents.rowCount()
        self.agents.insertRow(r)
        side = QComboBox()
        side.addItem("申请人", "applicant")
        side.addItem("被申请人", "respondent")
        side.setCurrentIndex(0 if values.side == "applicant" else 1)
        self.agents.setCellWidget(r, 0, side)
        for c, text in ((1, values.name), (2, values.organisation), (3, values.phone)):
            self.agents.setItem(r, c, edit_item(text))
        authority = QComboBox()
        authority.addItems(AUTHORITIES)
        authority.setCurrentText(values.authority)
        self.agents.setCellWidget(r, 4, authority)
        target = QComboBox()
        target.addItem("全体申请人", None)
        for i in range(self.workers.rowCount()):
            name = self.workers.item(i, W_NAME).text() if self.workers.item(i, W_NAME) else ""
            target.addItem(f"申请人{i + 1} {name}", i)
        if values.for_worker is not None:
            target.setCurrentIndex(values.for_worker + 1)
        self.agents.setCellWidget(r, 5, target)
        return r

    def _remove_rows(self, table: QTableWidget) -> None:
        remove_selected_rows(table)
        if table is self.workers:
            self._update_worker_count()

    # ---------------------------------------------------------- behaviour

    def _oral_toggled(self, on: bool) -> None:
        self._receipt_form.setRowVisible(self.oral_box.parentWidget(), on)

    def _construction_toggled(self, on: bool) -> None:
        form = self._respondent_form
        for name in ("project_name", "general_contractor"):
            form.setRowVisible(form.widget_named(name).parentWidget(), on)
        form.setRowVisible(self.construction_hint, on)
        label = form.labelForField(self.respondent.parentWidget())
        if isinstance(label, QLabel):
            label.setText("分包单位（用人单位）：" if on else "被申请人：")
        if on:
            self.migrant.setChecked(True)

    def _side_changed(self) -> None:
        """The group titles say who applied (the workers stay in the table of workers)."""
        employer = self.applicant_side.currentData() == "employer"
        for box in self.findChildren(QGroupBox):
            title = box.title()
            if title.startswith("二、"):
                box.setTitle("二、被申请人（劳动者）" if employer else "二、申请人（劳动者）")
            elif title.startswith("三、"):
                box.setTitle("三、申请人（用人单位）" if employer else "三、被申请人（用人单位）")

    def _dispatch_toggled(self, on: bool) -> None:
        form = self._respondent_form
        form.setRowVisible(self.host_employer.parentWidget(), on)

    def _draft_oral_record(self) -> None:
        form = self.collect()
        self.oral_record.setPlainText(
            oral_record_template(form, self.ctx.user.display_name, utcnow())
        )

    def collect(self) -> IntakeForm:
        workers = [
            WorkerInput(
                name=self._cell(self.workers, r, W_NAME),
                id_type=self.doc_type(r),
                id_number=self._cell(self.workers, r, W_NUMBER),
                phone=self._cell(self.workers, r, W_PHONE),
                address=self._cell(self.workers, r, W_ADDRESS),
                job=self._cell(self.workers, r, W_JOB),
                is_representative=self.workers.item(r, W_REP).checkState() == Qt.CheckState.Checked,
            )
            for r in range(self.workers.rowCount())
        ]
        claims = self.claim_inputs()
        agents = [
            AgentInput(
                side=self.agents.cellWidget(r, 0).currentData(),
                name=self._cell(self.agents, r, 1),
                organisation=self._cell(self.agents, r, 2),
                phone=self._cell(self.agents, r, 3),
                authority=self.agents.cellWidget(r, 4).currentText(),
                for_worker=self.agents.cellWidget(r, 5).currentData(),
            )
            for r in range(self.agents.rowCount())
        ]
        construction = self.construction.isChecked()
        return IntakeForm(
            received_on=from_qdate(self.received_on.date()),
            channel=self.channel.currentData(),
            channel_ref=self.channel_ref.text(),
            oral=self.oral.isChecked(),
            oral_record=self.oral_record.toPlainText() if self.oral.isChecked() else "",
            workers=workers,
            respondent=self.respondent.value(),
            is_construction=construction,
            project_name=self.project_name.text() if construction else "",
            general_contractor=self.general_contractor.value()
            if construction
            else EnterpriseChoice(),
            claims=claims,
            facts=self.facts.toPlainText(),
            requests=self.requests.toPlainText(),
            is_migrant_worker=self.migrant.isChecked(),
            employment_status=self.employment_status.currentData(),
            employment_ended_on=from_qdate(self.employment_ended_on.date())
            if self.employment_status.currentData() == EmploymentStatus.ENDED.value
            else None,
            infringement_known_on=from_qdate(self.known_on.date())
            if self.known.isChecked()
            else None,
            agents=agents,
            mediator_id=self.mediator.currentData(),
            co_mediators=self.co_mediators.text(),
            accept_now=self.accept_now.isChecked(),
            police_incident_no=self.police_incident_no.text(),
            applicant_side=self.applicant_side.currentData(),
            is_dispatch=self.dispatch.isChecked(),
            host_employer=self.host_employer.value()
            if self.dispatch.isChecked()
            else EnterpriseChoice(),
        )

    def save(self) -> None:
        form = self.collect()
        if not confirm_employment(
            self, form.employment_status, [c.dispute_type for c in form.claims]
        ):
            return
        self.saving.run(
            register_case,
            self.ctx.store,
            form,
            today=self.today,
            on_done=self._saved,
            busy_text="正在登记…",
        )

    def _saved(self, result) -> None:
        # the store's change notification tells the case list (no hand-written signal here)
        self.status.setText(f"已登记：{result.case_no}")
        self.registered.emit(result.case_id, result.case_no)
        self.accept()  # the draft goes (KeepsDraft)

    # ---------------------------------------------------------- drafts (rows added at run time)

    def draft_state(self) -> dict:
        form = self.collect()
        return {
            "received_on": form.received_on.isoformat() if form.received_on else None,
            "channel": form.channel,
            "channel_ref": form.channel_ref,
            "oral": form.oral,
            "oral_record": self.oral_record.toPlainText(),
            "workers": [vars(w) | {"sex": None} for w in form.workers],
            "claims": [
                {"dispute_type": c.dispute_type, "amount": c.amount, "description": c.description}
                for c in form.claims
            ],
            "facts": form.facts,
            "requests": form.requests,
            "migrant": form.is_migrant_worker,
            "employment_status": form.employment_status,
            "employment_ended_on": form.employment_ended_on.isoformat()
            if form.employment_ended_on
            else None,
            "construction": form.is_construction,
            "project_name": self.project_name.text(),
            "co_mediators": form.co_mediators,
            "agents": [vars(a) for a in form.agents],
            "police_incident_no": form.police_incident_no,
            "applicant_side": form.applicant_side,
            "dispatch": form.is_dispatch,
        }

    def restore_draft_state(self, state: dict) -> None:
        if state.get("received_on"):
            self.received_on.setDate(to_qdate(date.fromisoformat(state["received_on"])))
        index = self.channel.findData(state.get("channel"))
        if index >= 0:
            self.channel.setCurrentIndex(index)
        self.channel_ref.setText(state.get("channel_ref", ""))
        self.oral.setChecked(bool(state.get("oral")))
        self.oral_record.setPlainText(state.get("oral_record", ""))
        self.workers.setRowCount(0)
        for w in state.get("workers", []):
            self.add_worker(
                WorkerInput(**{k: v for k, v in w.items() if k in WorkerInput.__dataclass_fields__})
            )
        self.claims.setRowCount(0)
        for c in state.get("claims", []):
            self.add_claim(ClaimInput(**c))
        self.facts.setPlainText(state.get("facts", ""))
        self.requests.setPlainText(state.get("requests", ""))
        self.migrant.setChecked(bool(state.get("migrant")))
        index = self.employment_status.findData(state.get("employment_status"))
        self.employment_status.setCurrentIndex(max(0, index))
        if state.get("employment_ended_on"):
            self.employment_ended_on.setDate(
                to_qdate(date.fromisoformat(state["employment_ended_on"]))
            )
        self.construction.setChecked(bool(state.get("construction")))
        self.project_name.setText(state.get("project_name", ""))
        self.co_mediators.setText(state.get("co_mediators", ""))
        self.police_incident_no.setText(state.get("police_incident_no", ""))
        side = self.applicant_side.findData(state.get("applicant_side", "worker"))
        self.applicant_side.setCurrentIndex(max(0, side))
        self.dispatch.setChecked(bool(state.get("dispatch")))
        self.agents.setRowCount(0)
        for a in state.get("agents", []):
            self.add_agent(AgentInput(**a))
