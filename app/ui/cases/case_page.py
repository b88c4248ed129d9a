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
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.cases import actions, agreements, attachments
from app.cases.actions import TONE_COLORS, available_actions, deadline_notes, overdue_text
from app.cases.detail import CaseDetail, load_case
from app.cases.queries import case_timeline
from app.documents.case_documents import available_kinds, load_context, render
from app.domain.dates import iso_date, short_datetime
from app.domain.deadlines import default_route, term_item_name
from app.domain.enums import AgreementStatus, CaseStatus, PartyRole, TermKind
from app.domain.identity import IdDocType
from app.store.attachments import kind_label
from app.ui.cases.agreement_dialog import AgreementDialog, describe
from app.ui.cases.common import cn_date, money
from app.ui.cases.dialogs import (
    ExtensionDialog,
    NewVersionDialog,
    PerformanceDialog,
    SessionDialog,
    TransitionDialog,
)
from app.ui.cases.edit_dialogs import CaseDetailsDialog, PartyDialog
from app.ui.cases.preview import PreviewDialog
from app.ui.context import AppContext
from app.ui.forms import styled_label
from app.ui.widgets.common import button_row
from app.ui.widgets.image_viewer import ImageViewer

GREY = QColor("#6b7785")
RED = QColor(TONE_COLORS["overdue"])


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


def _doc_name(id_type: str | None) -> str:
    """身份证号, or the name of the other document the number is of (护照号码 …)."""
    if not id_type or id_type == IdDocType.RESIDENT_ID.value:
        return "身份证号"
    return f"{IdDocType(id_type).label}号码"


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
        #: why a main action (a status change) is refused now, in words next to its button
        self.refusals = styled_label("", "hint")
        self.refusals.hide()
        col.addWidget(self.refusals)
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
        self.history = None  # the 操作记录 tab, made for each case shown
        self.action_buttons: dict[str, QPushButton] = {}

    # ---------------------------------------------------------- tabs

    def _tab(self, title: str, table: QTableWidget, buttons: list[tuple[str, Callable]]) -> dict:
        page = QWidget()
        col = QVBoxLayout(page)
        col.addWidget(table, 1)
        row, made = button_row(*buttons)
        col.addLayout(row)
        self.tabs.addTab(page, title)
        return {b.text(): b for b in made}

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
            ("版本", "状态", "签署日期", "金额合计", "履行期限", "变更原因", "防篡改校验码")
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
            "履行情况",
            self.terms,
            [("登记履行…", self.record_payment), ("登记回访…", self.record_followup)],
        )
        self.followups_label = QLabel("")
        self.followups_label.setWordWrap(True)
        self.terms.parentWidget().layout().insertWidget(1, self.followups_label)

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
        lines = [
            f"<span style='color:{note.color}'>{escape(note.text)}</span>"
            for note in deadline_notes(d, today)
        ]
        from app.ui.cases.transfer_dialog import transfer_lines

        lines.extend(transfer_lines(d.transfer))  # 移交自 / 移交至 (loaded with the case)
        self.clock.setText("<br>".join(lines))
        self._show_actions(d, today)
        self.summary.setHtml(self._summary_html(d))
        self._show_timeline(d, today)
        self._show_sessions(d)
        self._show_agreements(d)
        self._show_terms(d, today)
        self._show_files(d)
        self._show_history(d)
        self.loaded.emit()

    def _show_actions(self, d: CaseDetail, today: date) -> None:
        while self.actions_row.count():
            item = self.actions_row.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.action_buttons = {}
        can_write = self.ctx.user.can_write
        found = {a.key: a for a in available_actions(d, today, can_write=can_write)}
        self.available = found
        handlers = {
            actions.EXTEND: self.extend,
            actions.CONFIRMATION: self.confirmation,
            actions.EDIT_DETAILS: self.edit_details,
            actions.EDIT_PARTY: lambda: self.edit_party(),
            actions.REFERRAL: self.referral,
        }
        refused: list[str] = []
        for a in found.values():
            if a.main:
                handler = lambda _c=False, t=a.target: self.transition(t)  # noqa: E731
            elif a.key in handlers and a.offered:
                handler = lambda _c=False, h=handlers[a.key]: h()  # noqa: E731
            else:
                continue
            b = QPushButton(a.label)
            b.setEnabled(a.enabled)
            if a.reason:
                b.setToolTip(a.reason)
            b.clicked.connect(handler)
            self.actions_row.addWidget(b)
            self.action_buttons[a.key] = b
            if a.main and not a.enabled and can_write:
                refused.append(f"暂不能“{a.label}”：{a.reason}")
        if not can_write:
            refused = [actions.READ_ONLY]
        # a disabled main action says why in words on the page, not only in its tooltip
        self.refusals.setText("\n".join(refused))
        self.refusals.setVisible(bool(refused))
        from app.ui.cases.transfer_dialog import add_transfer_action

        add_transfer_action(self, d)  # 移交其他站点…
        self.actions_row.addStretch(1)
        # a push button with a menu: its size makes room for the arrow (a tool button cut it off)
        printing = QPushButton("打印文书")
        printing.setToolTip("打印本案的通知书、协议书等文书（Ctrl+P）")
        menu = QMenu(printing)
        for kind, reason in available_kinds(d, today):
            action = QAction(kind.name + (f"（{reason}）" if reason else ""), menu)
            action.setEnabled(reason is None)
            action.triggered.connect(lambda _c=False, k=kind.code, n=kind.name: self.preview(k, n))
            menu.addAction(action)
        printing.setMenu(menu)
        self.actions_row.addWidget(printing)
        self.print_menu = menu
        for buttons, keys in (
            (self.session_buttons, (actions.ADD_SESSION, actions.EDIT_SESSION)),
            (
                self.agreement_buttons,
                (actions.EDIT_AGREEMENT, actions.NEW_AGREEMENT_VERSION, actions.ATTACH_SCAN),
            ),
            (self.performance_buttons, (actions.RECORD_PERFORMANCE, actions.RECORD_FOLLOWUP)),
            (self.attachment_buttons, (actions.ATTACH,)),
        ):
            for key in keys:
                a = found[key]
                b = buttons[a.label]
                b.setEnabled(a.enabled)
                b.setToolTip(a.reason or "")

    def _summary_html(self, d: CaseDetail) -> str:
        def row(label, value):
            return f"<tr><th align='right' style='padding-right:10px;color:#5f6b7a'>{escape(label)}</th><td>{value}</td></tr>"

        parts = ["<table cellspacing='4'>"]
        how = "口头申请" if d.oral_application else "书面申请"
        parts.append(
            row(
                "收到申请",
                f"{cn_date(d.received_on)}，{escape(d.channel_name)}，{how}"
                + (f"，转办编号{escape(d.intake_ref)}" if d.intake_ref else "")
                + (f"，110接处警编号{escape(d.police_incident_no)}" if d.police_incident_no else "")
                + ("，用人单位申请" if d.employer_applied else ""),
            )
        )
        flags = "、".join(
            x
            for x, on in (
                ("集体争议", d.is_collective),
                ("农民工", d.is_migrant_worker),
                ("建设工程欠薪", d.is_construction),
                ("劳务派遣", d.is_dispatch),
            )
            if on
        )
        if flags:
            parts.append(row("标识", escape(flags)))
        if d.referral is not None:
            from app.cases.referral import tracking_lines

            parts.append(row("移送劳动监察", escape("；".join(tracking_lines(d.referral)))))
        for p in d.applicants:
            rep = "（推举代表）" if p.is_representative else ""
            parts.append(
                row(
                    "被申请人（劳动者）" if d.employer_applied else "申请人",
                    escape(
                        "，".join(
                            x
                            for x in (
                                f"{p.name}{rep}",
                                p.sex or "",
                                f"{cn_date(p.birth_date)}出生" if p.birth_date else "",
                                f"{_doc_name(p.id_type)}{p.id_number or ''}",
                                f"电话{p.phone or ''}",
                                f"住址{p.address or ''}",
                                f"岗位{p.job or ''}",
                            )
                            if x
                        )
                    ),
                )
            )
        for p in d.respondents:
            parts.append(
                row(
                    "申请人（用人单位）"
                    if d.employer_applied and p.role == PartyRole.RESPONDENT
                    else p.role.label,
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

    def _show_history(self, d: CaseDetail) -> None:
        """操作记录: the case and its parties, claims, sessions, agreements, payments, files."""
        from app.ui.widgets.history import HistoryView

        if self.history is not None and self.history.record_id == d.id:
            self.history.reload()
            return
        index = self.tabs.indexOf(self.history) if self.history is not None else -1
        if index >= 0:
            self.tabs.removeTab(index)
            self.history.deleteLater()
        self.history = HistoryView(self.ctx, "dispute_case", d.id)
        self.tabs.addTab(self.history, "操作记录")

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
                f"校验码 {a.content_hash[:16]}…" if a.content_hash else "（签署后生成）",
            ]
            for a in d.agreements
        ]
        _fill(self.agreements, rows, [a.id for a in d.agreements])
        for r, a in enumerate(d.agreements):
            if a.signatures:
                # who signed for each party, as recorded at signing
                self.agreements.item(r, 2).setToolTip(
                    "签署情况："
                    + "；".join(
                        f"{x['party']}：{x.get('signer') or ''}（{x['capacity_label']}"
                        + ("，已盖章" if x.get("seal_applied") else "")
                        + "）"
                        for x in a.signatures
                    )
                )
            if a.content_hash:
                self.agreements.item(r, 6).setToolTip(
                    "签署时按协议书内容计算的SHA-256校验码（共64位，此处显示前16位）："
                    "内容有任何改动，校验码都会不同，用于核对打印件与签署件一致。\n"
                    + a.content_hash
                )

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
                    st.state.label + (f"（{overdue_text(st.days_overdue)}）" if st.overdue else ""),
                    default_route(t.art16, t.payer_enterprise_id in (None, d.respondent_id)).label
                    if st.overdue
                    else "",
                ]
            )
        _fill(self.terms, rows, [t.id for t in terms])
        self.followups_label.setText(
            "回访记录："
            + "；".join(
                f"{cn_date(f.followed_on)}{f.method}回访{f.contact}"
                + (f"，已收到{money(f.amount_received)}元" if f.amount_received else "")
                for f in d.followups
            )
            if d.followups
            else ("尚无回访记录" if current else "")
        )
        for r in range(self.terms.rowCount()):
            if rows[r][6].startswith("逾期"):
                for c in range(self.terms.columnCount()):
                    self.terms.item(r, c).setForeground(QBrush(RED))

    def _show_files(self, d: CaseDetail) -> None:
        owners = {a.id: f"协议书第{a.version_no}版" for a in d.agreements}
        rows = [
            [
                f.filename,
                kind_label(f.mime_type),
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
                # other sections hear of the change from the store's change notification
                self.changed.emit()
                self.reload()

        dialog.finished.connect(finished)
        dialog.open()

    def transition(self, target: CaseStatus) -> None:
        self._after(TransitionDialog(self.ctx, self.detail, target, self.today(), self))

    def confirmation(self) -> None:
        from app.ui.cases.dialogs import ConfirmationDialog

        self._after(ConfirmationDialog(self.ctx, self.detail, self.today(), self))

    def referral(self) -> None:
        from app.ui.cases.referral_dialog import ReferralDialog

        self._after(ReferralDialog(self.ctx, self.detail, self.today(), self))

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

    def new_agreement_version(self) -> NewVersionDialog:
        """Ask the reason (the core checks it), then open the new version's editor with it."""
        dialog = NewVersionDialog(self.ctx, self.detail, self)
        self._dialogs.append(dialog)

        def finished(result: int) -> None:
            if dialog in self._dialogs:
                self._dialogs.remove(dialog)
            if result == QDialog.DialogCode.Accepted and dialog.reason:
                self._after(
                    AgreementDialog(
                        self.ctx, self.detail, self.today(), self, change_reason=dialog.reason
                    )
                )

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

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

    def record_followup(self) -> None:
        from app.ui.cases.followup_dialog import FollowUpDialog

        self._after(FollowUpDialog(self.ctx, self.detail, self.today(), self))

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
