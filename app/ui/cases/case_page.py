"""The page of one case: header with its deadlines, one button per allowed transition, and tabs for
the summary, the timeline, sessions, agreements, performance and attachments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.cases import agreements, attachments
from app.cases.detail import CaseDetail, load_case
from app.cases.queries import case_timeline
from app.documents.case_documents import available_kinds, load_context, render
from app.domain.case_workflow import (
    ACTIVE,
    AGREED,
    AGREEMENT_ALLOWED,
    EDITABLE,
    PERFORMANCE_ALLOWED,
    SESSIONS_ALLOWED,
    allowed_targets,
)
from app.domain.dates import iso_date, short_datetime
from app.domain.deadlines import ClockState, default_route, term_item_name
from app.domain.enums import AgreementStatus, CaseStatus, TermKind
from app.ui.cases.agreement_dialog import AgreementDialog, describe
from app.ui.cases.common import cn_date, money
from app.ui.cases.dialogs import ExtensionDialog, PerformanceDialog, SessionDialog, TransitionDialog
from app.ui.cases.edit_dialogs import CaseDetailsDialog, PartyDialog
from app.ui.cases.preview import ImageViewer, PreviewDialog
from app.ui.context import AppContext
from app.ui.forms import styled_label

GREY = QColor("#6b7785")
RED = QColor("#b3261e")


def _table(headers: tuple[str, ...]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    t.verticalHeader().setVisible(False)
    return t


def _fill(table: QTableWidget, rows: list[list[str]], ids: list[str]) -> None:
    table.setRowCount(0)
    for r, (values, row_id) in enumerate(zip(rows, ids, strict=True)):
        table.insertRow(r)
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setData(Qt.ItemDataRole.UserRole, row_id)
            table.setItem(r, c, item)


def _selected_id(table: QTableWidget) -> str | None:
    items = table.selectedItems()
    return items[0].data(Qt.ItemDataRole.UserRole) if items else None


class CasePage(QWidget):
    back_requested = Signal()
    #: the case changed (the list reloads)
    changed = Signal()
    #: the detail finished loading (tests wait on it)
    loaded = Signal()

    def __init__(self, ctx: AppContext, today: Callable[[], date] = date.today, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        self.detail: CaseDetail | None = None
        self.case_id: str | None = None
        self._dialogs: list[QDialog] = []
        col = QVBoxLayout(self)
        top = QHBoxLayout()
        back = QPushButton("← 返回案件列表")
        back.clicked.connect(self.back_requested.emit)
        top.addWidget(back)
        self.title = styled_label("", "title")
        top.addWidget(self.title, 1)
        col.addLayout(top)
        self.clock = QLabel()
        self.clock.setWordWrap(True)
        col.addWidget(self.clock)
        self.actions_row = QHBoxLayout()
        col.addLayout(self.actions_row)
        self.tabs = QTabWidget()
        col.addWidget(self.tabs, 1)
        self.summary = QTextBrowser()
        self.tabs.addTab(self.summary, "概况")
        self.timeline = QTreeWidget()
        self.timeline.setHeaderLabels(("日期", "事项", "说明"))
        self.timeline.setRootIsDecorated(False)
        self.timeline.setColumnWidth(0, 120)
        self.timeline.setColumnWidth(1, 240)
        self.tabs.addTab(self.timeline, "时间线")
        self._build_sessions_tab()
        self._build_agreements_tab()
        self._build_performance_tab()
        self._build_attachments_tab()
        self.action_buttons: dict[str, QPushButton] = {}

    # ---------------------------------------------------------- tabs

    def _tab(self, title: str, table: QTableWidget, buttons: list[tuple[str, Callable]]) -> dict:
        page = QWidget()
        col = QVBoxLayout(page)
        col.addWidget(table, 1)
        row = QHBoxLayout()
        made = {}
        for text, handler in buttons:
            b = QPushButton(text)
            b.clicked.connect(handler)
            row.addWidget(b)
            made[text] = b
        row.addStretch(1)
        col.addLayout(row)
        self.tabs.addTab(page, title)
        return made

    def _build_sessions_tab(self) -> None:
        self.sessions = _table(("次数", "时间", "地点", "调解员", "结果"))
        self.session_buttons = self._tab(
            "调解笔录",
            self.sessions,
            [
                ("新增笔录…", self.add_session),
                ("修改所选笔录…", self.edit_session),
                ("打印所选笔录…", self.print_session),
            ],
        )

    def _build_agreements_tab(self) -> None:
        self.agreements = _table(
            ("版本", "状态", "签署日期", "金额合计", "履行期限", "变更原因", "内容校验码")
        )
        self.agreement_buttons = self._tab(
            "调解协议书",
            self.agreements,
            [
                ("拟定/编辑协议书…", self.edit_agreement),
                ("制作新版本…", self.new_agreement_version),
                ("打印所选版本…", self.print_agreement),
                ("附加签署件扫描…", self.attach_scan),
            ],
        )

    def _build_performance_tab(self) -> None:
        self.terms = _table(
            (
                "项",
                "内容",
                "应付（元）",
                "已付（元）",
                "尚欠（元）",
                "履行日期",
                "状态",
                "逾期救济途径",
            )
        )
        self.performance_buttons = self._tab(
            "履行情况", self.terms, [("登记履行…", self.record_payment)]
        )

    def _build_attachments_tab(self) -> None:
        self.files = _table(("文件名", "类型", "大小", "附于", "说明", "时间"))
        self.attachment_buttons = self._tab(
            "附件",
            self.files,
            [
                ("附加扫描件…", self.attach_to_case),
                ("查看…", self.view_attachment),
                ("另存为…", self.save_attachment),
            ],
        )

    # ---------------------------------------------------------- loading

    def show_case(self, case_id: str) -> None:
        self.case_id = case_id
        self.reload()

    def reload(self) -> None:
        if not self.case_id:
            return
        case_id = self.case_id

        def load() -> CaseDetail:
            with self.ctx.store.read() as s:
                return load_case(s, case_id)

        self.ctx.run(
            load,
            on_done=self._show,
            on_failed=lambda exc: self.ctx.show_error(self, exc, "无法打开案件"),
        )

    def _show(self, d: CaseDetail) -> None:
        if d.id != self.case_id:
            return
        self.detail = d
        today = self.today()
        self.title.setText(f"{d.case_no}　{d.status.label}")
        lines = []
        if d.status in ACTIVE:
            clock = d.clock
            color = {"expired": "#b3261e", "due_soon": "#a15c00"}.get(
                clock.state(today).value, "#20324a"
            )
            lines.append(f"<span style='color:{color}'>{escape(clock.describe(today))}</span>")
            if clock.state(today) == ClockState.EXPIRED or clock.may_apply_for_arbitration(today):
                lines.append("收到申请已满十五日：当事人可以依法申请仲裁。")
        limit = d.arbitration_limit()
        lines.append(escape(limit.describe(today)))
        for term, st in d.open_terms(today):
            if st.overdue:
                route = default_route(
                    term.art16, term.payer_enterprise_id in (None, d.respondent_id)
                ).label
                lines.append(
                    f"<span style='color:#b3261e'>第{term.seq}项逾期{st.days_overdue}天未履行：{escape(route)}</span>"
                )
        from app.ui.cases.transfer_dialog import transfer_lines

        lines.extend(transfer_lines(self.ctx.store, d.id))  # 移交自 / 移交至
        self.clock.setText("<br>".join(lines))
        self._show_actions(d, today)
        self.summary.setHtml(self._summary_html(d))
        self._show_timeline(d, today)
        self._show_sessions(d)
        self._show_agreements(d)
        self._show_terms(d, today)
        self._show_files(d)
        self.loaded.emit()

    def _show_actions(self, d: CaseDetail, today: date) -> None:
        while self.actions_row.count():
            item = self.actions_row.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.action_buttons = {}
        can_write = self.ctx.user.can_write
        for target, label, reason in allowed_targets(d.rule_facts(today), today):
            b = QPushButton(label)
            b.setEnabled(reason is None and can_write)
            if reason:
                b.setToolTip(reason)
            b.clicked.connect(lambda _c=False, t=target: self.transition(t))
            self.actions_row.addWidget(b)
            self.action_buttons[target.value] = b
        if d.status in ACTIVE:
            b = QPushButton("延长调解期限…")
            b.setEnabled(can_write)
            b.clicked.connect(self.extend)
            self.actions_row.addWidget(b)
            self.action_buttons["extend"] = b
        if d.current_agreement is not None and d.status in AGREED:
            b = QPushButton("仲裁审查确认/司法确认…")
            b.setEnabled(can_write)
            b.clicked.connect(self.confirmation)
            self.actions_row.addWidget(b)
            self.action_buttons["confirmation"] = b
        if d.status in EDITABLE:
            for key, text, handler in (
                ("edit_details", "修改登记信息…", self.edit_details),
                ("edit_party", "修改当事人信息…", self.edit_party),
            ):
                b = QPushButton(text)
                b.setEnabled(can_write)
                b.clicked.connect(handler)
                self.actions_row.addWidget(b)
                self.action_buttons[key] = b
        from app.ui.cases.transfer_dialog import add_transfer_action

        add_transfer_action(self, d)  # 移交其他站点…
        self.actions_row.addStretch(1)
        printing = QToolButton()
        printing.setText("打印文书")
        printing.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(printing)
        for kind, reason in available_kinds(d, today):
            action = QAction(kind.name + (f"（{reason}）" if reason else ""), menu)
            action.setEnabled(reason is None)
            action.triggered.connect(lambda _c=False, k=kind.code, n=kind.name: self.preview(k, n))
            menu.addAction(action)
        printing.setMenu(menu)
        self.actions_row.addWidget(printing)
        self.print_menu = menu
        self.session_buttons["新增笔录…"].setEnabled(can_write and d.status in SESSIONS_ALLOWED)
        self.session_buttons["修改所选笔录…"].setEnabled(
            can_write and d.status not in (CaseStatus.CLOSED, CaseStatus.ARCHIVED)
        )
        self.agreement_buttons["拟定/编辑协议书…"].setEnabled(
            can_write
            and d.status in AGREEMENT_ALLOWED
            and (d.current_agreement is None or d.draft_agreement is not None)
        )
        self.agreement_buttons["制作新版本…"].setEnabled(
            can_write
            and d.status in AGREEMENT_ALLOWED
            and d.current_agreement is not None
            and d.draft_agreement is None
        )
        self.agreement_buttons["附加签署件扫描…"].setEnabled(can_write and bool(d.agreements))
        self.performance_buttons["登记履行…"].setEnabled(
            can_write and d.status in PERFORMANCE_ALLOWED
        )
        self.attachment_buttons["附加扫描件…"].setEnabled(
            can_write and d.status != CaseStatus.ARCHIVED
        )

    def _summary_html(self, d: CaseDetail) -> str:
        def row(label, value):
            return f"<tr><th align='right' style='padding-right:10px;color:#5f6b7a'>{escape(label)}</th><td>{value}</td></tr>"

        parts = ["<table cellspacing='4'>"]
        how = "口头申请" if d.oral_application else "书面申请"
        parts.append(
            row(
                "收到申请",
                f"{cn_date(d.received_on)}，{escape(d.channel_name)}，{how}"
                + (f"，转办编号{escape(d.intake_ref)}" if d.intake_ref else ""),
            )
        )
        flags = "、".join(
            x
            for x, on in (
                ("集体争议", d.is_collective),
                ("农民工", d.is_migrant_worker),
                ("建设工程欠薪", d.is_construction),
            )
            if on
        )
        if flags:
            parts.append(row("标识", escape(flags)))
        for p in d.applicants:
            rep = "（推举代表）" if p.is_representative else ""
            parts.append(
                row(
                    "申请人",
                    escape(
                        f"{p.name}{rep}，{p.sex or ''}，{cn_date(p.birth_date)}出生，身份证号{p.id_number or ''}，电话{p.phone or ''}，住址{p.address or ''}，岗位{p.job or ''}"
                    ),
                )
            )
        for p in d.respondents:
            parts.append(
                row(
                    p.role.label,
                    escape(
                        f"{p.name}，统一社会信用代码{p.credit_code or '（无）'}，法定代表人{p.legal_rep or ''}，住所{p.address or ''}，电话{p.phone or ''}"
                    ),
                )
            )
        if d.project_name:
            parts.append(row("工程项目", escape(d.project_name)))
        for p in d.agents:
            parts.append(
                row(
                    p.role.label,
                    escape(
                        f"{p.name}，{p.organisation or ''}，{p.phone or ''}，{p.authority or ''}，代理{p.agent_for_name or ''}"
                    ),
                )
            )
        for c in d.claims:
            parts.append(
                row(
                    "请求事项",
                    escape(
                        f"{c.type_name}"
                        + (f"，{money(c.amount)}元" if c.amount is not None else "")
                        + (f"：{c.description}" if c.description else "")
                    ),
                )
            )
        if d.requests:
            parts.append(row("其他请求", escape(d.requests).replace("\n", "<br>")))
        parts.append(row("事实与理由", escape(d.facts or "").replace("\n", "<br>")))
        if d.oral_record:
            parts.append(row("口头申请记录", escape(d.oral_record).replace("\n", "<br>")))
        employment = d.employment_status.label if d.employment_status else "（未登记）"
        if d.employment_ended_on:
            employment += f"（{cn_date(d.employment_ended_on)}）"
        parts.append(row("劳动关系", escape(employment)))
        parts.append(
            row("承办调解员", escape("、".join(x for x in (d.mediator_name, d.co_mediators) if x)))
        )
        if d.extension_note:
            parts.append(row("延长期限", escape(d.extension_note).replace("\n", "<br>")))
        if d.is_declined:
            decision = "、".join(
                x
                for x in (
                    cn_date(d.declined_on or d.outcome_on)
                    if (d.declined_on or d.outcome_on)
                    else "",
                    d.decline_category.label if d.decline_category else "",
                    f"决定人：{d.declined_by}" if d.declined_by else "",
                )
                if x
            )
            parts.append(row("不予受理决定", escape(decision)))
        if d.declined_reason:
            parts.append(row("不予受理理由", escape(d.declined_reason)))
        if d.failure_reason:
            parts.append(row("终止原因", escape(d.failure_reason.label)))
        if d.outcome_note:
            parts.append(row("情况说明", escape(d.outcome_note).replace("\n", "<br>")))
        if d.review_applied_on or d.court_confirmation_on:
            bits = []
            if d.review_applied_on:
                bits.append(f"{cn_date(d.review_applied_on)}共同申请仲裁审查")
            if d.court_confirmation_on:
                bits.append(f"{cn_date(d.court_confirmation_on)}共同申请司法确认")
            if d.confirmation_note:
                bits.append(d.confirmation_note)
            parts.append(row("审查确认", escape("；".join(bits))))
        if d.archive_no:
            parts.append(row("档案号", escape(d.archive_no)))
        parts.append("</table>")
        return "".join(parts)

    def _show_timeline(self, d: CaseDetail, today: date) -> None:
        self.timeline.clear()
        for e in case_timeline(d, today):
            item = QTreeWidgetItem(
                [iso_date(e.when), ("待办：" if e.upcoming else "") + e.title, e.detail]
            )
            if e.upcoming:
                for c in range(3):
                    item.setForeground(c, QBrush(RED if e.when < today else GREY))
            self.timeline.addTopLevelItem(item)

    def _show_sessions(self, d: CaseDetail) -> None:
        rows = [
            [
                f"第{m.session_no}次",
                short_datetime(m.held_at),
                m.place or "",
                m.mediators or "",
                m.outcome or "",
            ]
            for m in d.sessions
        ]
        _fill(self.sessions, rows, [m.id for m in d.sessions])

    def _show_agreements(self, d: CaseDetail) -> None:
        rows = [
            [
                f"第{a.version_no}版",
                a.status.label,
                cn_date(a.signed_on),
                money(a.total),
                cn_date(a.performance_deadline),
                a.change_reason or "",
                (a.content_hash or "")[:16],
            ]
            for a in d.agreements
        ]
        _fill(self.agreements, rows, [a.id for a in d.agreements])

    def _show_terms(self, d: CaseDetail, today: date) -> None:
        current = d.current_agreement
        terms = current.terms if current else []
        rows = []
        for t in terms:
            st = t.status(today, current.performance_deadline)
            payment = t.kind == TermKind.PAYMENT
            due = t.due_on or current.performance_deadline
            rows.append(
                [
                    str(t.seq),
                    (term_item_name(t.item) + "：" if payment else "") + t.description,
                    money(t.amount) if payment else "",
                    money(t.paid) if payment else "",
                    money(st.outstanding) if payment else "",
                    cn_date(due),
                    st.state.label + (f"{st.days_overdue}天" if st.overdue else ""),
                    default_route(t.art16, t.payer_enterprise_id in (None, d.respondent_id)).label
                    if st.overdue
                    else "",
                ]
            )
        _fill(self.terms, rows, [t.id for t in terms])
        for r in range(self.terms.rowCount()):
            if rows[r][6].startswith("逾期"):
                for c in range(self.terms.columnCount()):
                    self.terms.item(r, c).setForeground(QBrush(RED))

    def _show_files(self, d: CaseDetail) -> None:
        owners = {a.id: f"协议书第{a.version_no}版" for a in d.agreements}
        rows = [
            [
                f.filename,
                f.mime_type,
                f"{max(1, f.size // 1024)} KB",
                owners.get(f.owner_id, "案件"),
                f.note or "",
                short_datetime(f.created_at),
            ]
            for f in d.attachments
        ]
        _fill(self.files, rows, [f.id for f in d.attachments])

    # ---------------------------------------------------------- actions

    def _after(self, dialog: QDialog) -> None:
        self._dialogs.append(dialog)

        def finished(result: int) -> None:
            if dialog in self._dialogs:
                self._dialogs.remove(dialog)
            if result == QDialog.DialogCode.Accepted:
                self.ctx.data_changed.emit("dispute_case")
                self.changed.emit()
                self.reload()

        dialog.finished.connect(finished)
        dialog.open()

    def transition(self, target: CaseStatus) -> None:
        self._after(TransitionDialog(self.ctx, self.detail, target, self.today(), self))

    def confirmation(self) -> None:
        from app.ui.cases.dialogs import ConfirmationDialog

        self._after(ConfirmationDialog(self.ctx, self.detail, self.today(), self))

    def extend(self) -> None:
        self._after(ExtensionDialog(self.ctx, self.detail, self.today(), self))

    def edit_details(self) -> None:
        self._after(CaseDetailsDialog(self.ctx, self.detail, self.today(), self))

    def edit_party(self, party_id: str | None = None) -> None:
        self._after(PartyDialog(self.ctx, self.detail, self.today(), self, party_id=party_id))

    def add_session(self) -> None:
        self._after(SessionDialog(self.ctx, self.detail, self.today(), self))

    def edit_session(self) -> None:
        session_id = _selected_id(self.sessions)
        if session_id:
            self._after(
                SessionDialog(self.ctx, self.detail, self.today(), self, session_id=session_id)
            )

    def print_session(self) -> None:
        session_id = _selected_id(self.sessions)
        m = next((m for m in self.detail.sessions if m.id == session_id), None)
        if m is not None:
            self.preview(
                "session_record", f"调解笔录（第{m.session_no}次）", session_no=m.session_no
            )

    def edit_agreement(self) -> None:
        self._after(
            AgreementDialog(
                self.ctx, self.detail, self.today(), self, draft=self.detail.draft_agreement
            )
        )

    def new_agreement_version(self) -> None:
        reason, ok = QInputDialog.getMultiLineText(
            self, "制作新版本", "变更原因（签署后的协议不能修改，变更须制作新版本）："
        )
        if not ok:
            return
        if not reason.strip():
            QMessageBox.warning(self, "制作新版本", "请写明变更原因")
            return
        self._after(
            AgreementDialog(self.ctx, self.detail, self.today(), self, change_reason=reason.strip())
        )

    def print_agreement(self) -> None:
        agreement_id = _selected_id(self.agreements)
        a = next((a for a in self.detail.agreements if a.id == agreement_id), None)
        if a is None:
            a = self.detail.current_agreement or self.detail.latest_agreement
        if a is not None:
            self.preview("agreement", f"调解协议书 {describe(a)}", version_no=a.version_no)

    def record_payment(self) -> None:
        term_id = _selected_id(self.terms)
        current = self.detail.current_agreement
        term = next((t for t in current.terms if t.id == term_id), None) if current else None
        if term is None:
            QMessageBox.information(self, "登记履行", "请先在表中选择要登记的协议事项")
            return
        self._after(PerformanceDialog(self.ctx, self.detail, term, self.today(), self))

    def preview(self, kind: str, title: str, **options) -> PreviewDialog:
        case_id, today, store = self.detail.id, self.today(), self.ctx.store

        def make() -> bytes:
            return render(kind, load_context(store, case_id, today=today), **options)

        dialog = PreviewDialog(
            self.ctx,
            f"{title}：{self.detail.case_no}",
            make,
            self,
            suggested_name=f"{title}{self.detail.case_no}.pdf",
        )
        self._dialogs.append(dialog)
        dialog.finished.connect(
            lambda _r: self._dialogs.remove(dialog) if dialog in self._dialogs else None
        )
        dialog.open()
        return dialog

    # ---------------------------------------------------------- attachments

    def attach_scan(self) -> None:
        agreement_id = _selected_id(self.agreements)
        a = next((a for a in self.detail.agreements if a.id == agreement_id), None)
        a = a or self.detail.current_agreement
        if a is None:
            QMessageBox.information(self, "附加签署件", "请先选择协议书版本")
            return
        if a.status == AgreementStatus.DRAFT:
            QMessageBox.information(
                self, "附加签署件", "草稿尚未签署：请先签署后再附加双方签字盖章的扫描件"
            )
            return
        self._choose_and_attach("mediation_agreement", a.id, f"第{a.version_no}版签署件")

    def attach_to_case(self) -> None:
        self._choose_and_attach("dispute_case", self.detail.id, "")

    def _choose_and_attach(self, owner_entity: str, owner_id: str, note: str) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "选择扫描件", "", "扫描件 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.bmp)"
        )
        if path:
            self.attach_file(owner_entity, owner_id, Path(path), note)

    def attach_file(self, owner_entity: str, owner_id: str, path: Path, note: str = "") -> None:
        """Read the file and store it encrypted (background)."""
        store = self.ctx.store

        def go() -> str:
            return attachments.attach(
                store, owner_entity, owner_id, path.name, path.read_bytes(), note
            )

        def done(_id: str) -> None:
            self.changed.emit()
            self.reload()

        self.ctx.run(
            go, on_done=done, on_failed=lambda exc: self.ctx.show_error(self, exc, "未能附加文件")
        )

    def view_attachment(self) -> None:
        attachment_id = _selected_id(self.files)
        if not attachment_id:
            return
        store = self.ctx.store

        def shown(stored) -> None:
            if stored.mime_type == "application/pdf":
                dialog = PreviewDialog(
                    self.ctx,
                    stored.filename,
                    lambda: stored.content,
                    self,
                    suggested_name=stored.filename,
                )
            else:
                dialog = ImageViewer(stored.filename, stored.content, self)
            self._dialogs.append(dialog)
            dialog.finished.connect(
                lambda _r: self._dialogs.remove(dialog) if dialog in self._dialogs else None
            )
            dialog.open()

        self.ctx.run(attachments.load, store, attachment_id, on_done=shown)

    def save_attachment(self) -> None:
        attachment_id = _selected_id(self.files)
        if not attachment_id:
            return
        stored = attachments.load(self.ctx.store, attachment_id)
        path, _ = QFileDialog.getSaveFileName(self, "另存为", stored.filename)
        if path:
            try:
                Path(path).write_bytes(stored.content)
            except OSError as exc:
                QMessageBox.warning(self, "保存失败", f"无法写入 {path}：{exc.strerror or exc}")


__all__ = ["CasePage", "agreements"]
