"""Tabs on the roster's enterprise page: visits, ledger, risk and credit; activities and model units."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from app.domain.activities import ModelUnitStatus
from app.domain.enums import ActivityKind, RiskLevel
from app.store.models import Activity, ActivityEnterprise, Enterprise, ModelUnit
from app.ui.context import AppContext
from app.ui.visits.common import OVERDUE_FG, fmt_date
from app.ui.visits.dialogs import CreditNotesDialog, FindingUpdateDialog, VisitDetailDialog
from app.visits import credit, ledger
from app.visits.ledger import LedgerFilter
from app.visits.risk import enterprise_risk
from app.visits.service import VisitFilter, list_visits


def _table(headers: tuple[str, ...], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def _put(table: QTableWidget, values: tuple, *, red: bool = False) -> None:
    r = table.rowCount()
    table.insertRow(r)
    for c, value in enumerate(values):
        item = QTableWidgetItem("" if value is None else str(value))
        if red:
            item.setForeground(OVERDUE_FG)
        table.setItem(r, c, item)


class VisitsTab(QWidget):
    """走访与信用: the risk level and why, credit standing, the visits and the ledger items."""

    def __init__(self, ctx: AppContext, enterprise_id: str, *, today: date | None = None):
        super().__init__()
        self.setWindowTitle("走访与信用")
        self.ctx = ctx
        self.enterprise_id = enterprise_id
        self.today = today or date.today()
        self.risk = QLabel("")
        self.risk.setWordWrap(True)
        self.standing = QLabel("")
        self.visits = _table(("走访日期", "类型", "走访人员", "发现问题", "欠薪预警指标"), 4)
        self.visits.doubleClicked.connect(lambda i: self.open_visit(i.row()))
        self.findings = _table(("问题类型", "问题描述", "整改期限", "状态", "逾期天数"), 1)
        self.findings.doubleClicked.connect(lambda i: self.follow_finding(i.row()))
        new_visit = QPushButton("新增走访…")
        new_visit.setEnabled(ctx.user.can_write)
        new_visit.clicked.connect(lambda: ctx.navigate("visits", new_visit_for=enterprise_id))
        credit_button = QPushButton("信用记录…")
        credit_button.clicked.connect(self.open_credit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.standing, 1)
        buttons.addWidget(new_visit)
        buttons.addWidget(credit_button)
        col = QVBoxLayout(self)
        col.addWidget(self.risk)
        col.addLayout(buttons)
        col.addWidget(QLabel("<b>走访记录</b>（双击查看）"))
        col.addWidget(self.visits, 1)
        col.addWidget(QLabel("<b>问题台账</b>（双击跟进整改）"))
        col.addWidget(self.findings, 1)
        self.reload()

    def reload(self) -> None:
        store = self.ctx.store
        assessment = enterprise_risk(store, self.enterprise_id, self.today)
        with store.read() as s:
            stored = s.get(Enterprise, self.enterprise_id).risk_level
        lines = [f"<b>欠薪风险：{RiskLevel(stored).label}</b>（{assessment.reason}）"]
        for indicator, sources in assessment.indicators.items():
            lines.append(f"· {indicator.label}：{'；'.join(sources)}")
        self.risk.setText("<br>".join(lines))
        standing = credit.standing(store, self.enterprise_id)
        self.standing.setText(f"信用状况：{standing.label if standing else '无信用记录'}")
        self.visit_rows = list_visits(store, VisitFilter(enterprise_id=self.enterprise_id), 0, 500)
        self.visits.setRowCount(0)
        for v in self.visit_rows:
            _put(
                self.visits,
                (fmt_date(v.visited_on), v.kind.label, v.visitors, v.problem_count or "",
                 "、".join(i.label for i in v.indicators)),
            )  # fmt: skip
        self.finding_rows = ledger.list_findings(
            store, LedgerFilter(enterprise_id=self.enterprise_id), self.today, 0, 500
        )
        self.findings.setRowCount(0)
        for f in self.finding_rows:
            _put(
                self.findings,
                (f.category_label, f.description, fmt_date(f.deadline), f.status.label,
                 f.days_overdue or ""),
                red=f.overdue,
            )  # fmt: skip

    def open_visit(self, row: int) -> None:
        if 0 <= row < len(self.visit_rows):
            dialog = VisitDetailDialog(self.ctx, self.visit_rows[row].id, self)
            dialog.follow_up_requested.connect(
                lambda e, _v: self.ctx.navigate("visits", new_visit_for=e)
            )
            dialog.open()
            self.dialog = dialog

    def follow_finding(self, row: int) -> None:
        if 0 <= row < len(self.finding_rows):
            dialog = FindingUpdateDialog(self.ctx, self.finding_rows[row], self, today=self.today)
            dialog.accepted.connect(self.reload)
            dialog.open()
            self.dialog = dialog

    def open_credit(self) -> None:
        with self.ctx.store.read() as s:
            name = s.get(Enterprise, self.enterprise_id).name
        dialog = CreditNotesDialog(self.ctx, self.enterprise_id, name, self, today=self.today)
        dialog.finished.connect(lambda _r: self.reload())
        dialog.open()
        self.dialog = dialog


class ActivitiesTab(QWidget):
    """参与活动: the activities the enterprise took part in, and its model-unit records."""

    def __init__(self, ctx: AppContext, enterprise_id: str):
        super().__init__()
        self.setWindowTitle("参与活动")
        self.table = _table(("日期", "类别", "活动名称", "参与方式"), 2)
        self.units = _table(("年度", "总分", "状态", "表彰日期"), 2)
        with ctx.store.read() as s:
            rows = s.execute(
                select(Activity, ActivityEnterprise.role)
                .join(ActivityEnterprise, ActivityEnterprise.activity_id == Activity.id)
                .where(
                    ActivityEnterprise.enterprise_id == enterprise_id,
                    ActivityEnterprise.deleted.is_(False),
                    Activity.deleted.is_(False),
                )
                .order_by(Activity.held_on.desc())
            ).all()
            units = s.scalars(
                select(ModelUnit)
                .where(ModelUnit.enterprise_id == enterprise_id, ModelUnit.deleted.is_(False))
                .order_by(ModelUnit.year.desc())
            ).all()
            for a, role in rows:
                _put(
                    self.table,
                    (fmt_date(a.held_on), ActivityKind(a.kind).label, a.title, role or ""),
                )
            for u in units:
                _put(
                    self.units,
                    (u.year, f"{u.total_score:g}" if u.total_score is not None else "",
                     ModelUnitStatus(u.status).label, fmt_date(u.commended_on)),
                )  # fmt: skip
        col = QVBoxLayout(self)
        col.addWidget(QLabel("<b>参加的活动</b>"))
        col.addWidget(self.table, 2)
        col.addWidget(QLabel("<b>和谐劳动关系单位评选</b>"))
        col.addWidget(self.units, 1)


def make_visits_tab(ctx: AppContext, enterprise_id: str) -> QWidget:
    return VisitsTab(ctx, enterprise_id)


def make_activities_tab(ctx: AppContext, enterprise_id: str) -> QWidget:
    return ActivitiesTab(ctx, enterprise_id)
