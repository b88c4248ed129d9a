"""工作台: this month and the year to date at a glance, what is overdue, the report export."""

from __future__ import annotations

from datetime import date

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import cn_date, days_left_text
from app.domain.enums import CaseStatus, RiskLevel
from app.reports.figures import Outcome, StationFigures
from app.reports.workbench import WorkbenchData, workbench_data
from app.ui.context import AppContext
from app.ui.sections import Section
from app.ui.visits.common import DONE_FG, OVERDUE_BG, OVERDUE_FG, fmt_date
from app.ui.workbench.export_dialog import ExportReportDialog
from app.visits.risk import (  # noqa: F401  (RISK_SETTING: where the day is kept)
    RISK_SETTING,
    affects_risk,
    recompute_all_risks,
    recompute_risks_if_due,
)

RISK_DELAY_MS = 1500
MONTH_COLOUR = QColor("#2f6fb0")
YEAR_COLOUR = QColor("#9bb5d3")
#: short names of the dispute types for the chart's axis
SHORT_TYPE_NAMES = {
    "wages": "工资",
    "overtime": "加班",
    "compensation": "补偿",
    "termination": "解除",
    "social_insurance": "社保",
    "work_injury": "工伤",
    "rest_leave": "休假",
    "other": "其他",
}
STATUS_COLOURS = {
    CaseStatus.REGISTERED: "#9bb5d3",
    CaseStatus.ACCEPTED: "#6f9fd0",
    CaseStatus.IN_MEDIATION: "#2f6fb0",
    CaseStatus.AGREEMENT_REACHED: "#7cc49a",
    CaseStatus.PERFORMING: "#4caf7a",
    CaseStatus.CLOSED: "#2e8b57",
    CaseStatus.ARCHIVED: "#1e5f3b",
    CaseStatus.FAILED: "#c0504d",
    CaseStatus.WITHDRAWN: "#9aa5b1",
    CaseStatus.DECLINED: "#f0a35e",
}
OUTCOME_COLOURS = {
    Outcome.SUCCESS: "#2e8b57",
    Outcome.FAILED: "#c0504d",
    Outcome.WITHDRAWN: "#9aa5b1",
    Outcome.DECLINED: "#f0a35e",
    Outcome.IN_PROGRESS: "#4f81bd",
}


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


class FigureCard(QFrame):
    """One figure: a big number, a label, and the year to date under it."""

    def __init__(self, title: str):
        super().__init__()
        self.setObjectName("card")
        self.setStyleSheet(
            "QFrame#card { background: white; border: 1px solid #d5dbe3; border-radius: 6px; }"
        )
        self.title = QLabel(title)
        self.title.setStyleSheet("color: #5f6b7a;")
        self.value = QLabel("…")
        self.value.setStyleSheet("font-size: 24px; font-weight: bold; color: #20324a;")
        self.detail = QLabel("")
        self.detail.setStyleSheet("color: #5f6b7a;")
        col = QVBoxLayout(self)
        col.setContentsMargins(12, 8, 12, 8)
        col.addWidget(self.title)
        col.addWidget(self.value)
        col.addWidget(self.detail)

    def set(self, value: str, detail: str = "", *, alert: bool = False) -> None:
        self.value.setText(value)
        self.detail.setText(detail)
        colour = OVERDUE_FG.name() if alert else "#20324a"
        self.value.setStyleSheet(f"font-size: 24px; font-weight: bold; color: {colour};")


def _chart(title: str) -> tuple[QChart, QChartView]:
    chart = QChart()
    chart.setTitle(title)
    font = QFont()
    font.setPointSize(10)
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(280)
    return chart, view


def _pie_legend(chart: QChart) -> None:
    """Slices named in a legend beside the pie: labels around a small pie were cut off."""
    legend = chart.legend()
    legend.setVisible(True)
    legend.setAlignment(Qt.AlignmentFlag.AlignRight)


class WorkbenchSection(Section):
    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None
    ):
        super().__init__(ctx, parent)
        self.fixed_today = today
        self.data: WorkbenchData | None = None
        self._alert_cases: list[str] = []
        self._term_cases: list[str] = []
        self.task = None
        self.dialog = None

        self.heading = QLabel("")
        self.heading.setProperty("role", "title")
        self.heading.setStyleSheet("font-size: 20px; font-weight: bold; color: #20324a;")
        self.status = QLabel("")
        self.status.setStyleSheet("color: #5f6b7a;")
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("导出统计报表…")
        self.export_button.setProperty("role", "primary")
        self.export_button.clicked.connect(self.open_export)
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addSpacing(12)
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)

        self.cards = {
            key: FigureCard(title)
            for key, title in (
                ("cases", "本月受理案件"),
                ("workers", "涉及劳动者"),
                ("rate", "调解成功率"),
                ("recovered", "为劳动者追回（本月支付到位）"),
                ("overdue_cases", "逾期案件"),
                ("visits", "本月企业走访"),
                ("open", "待整改问题"),
                ("overdue", "逾期未整改"),
                ("five", "“五个一”进度"),
                ("overdue_terms", "逾期未履行的协议条款"),
            )
        }
        grid = QGridLayout()
        for i, card in enumerate(self.cards.values()):
            grid.addWidget(card, i // 5, i % 5)
        self.cards["overdue"].mousePressEvent = lambda _e: self.ctx.navigate(
            "visits", ledger="overdue"
        )
        self.cards["overdue"].setCursor(Qt.CursorShape.PointingHandCursor)
        self.cards["overdue"].setToolTip("点击查看逾期未整改的问题")

        self.types_chart, types_view = _chart("按争议类型的受理案件（件）")
        self.status_chart, status_view = _chart("本月受理案件当前状态")
        self.outcome_chart, outcome_view = _chart("本年受理案件办理结果")
        charts = QHBoxLayout()
        charts.addWidget(types_view, 5)
        charts.addWidget(status_view, 3)
        charts.addWidget(outcome_view, 3)

        self.five_box = QGroupBox("“五个一”创建活动")
        self.five_row = QHBoxLayout(self.five_box)
        self.five_labels: list[QLabel] = []
        for _ in range(5):
            label = QLabel("")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setMinimumHeight(48)
            label.mousePressEvent = lambda _e: self.ctx.navigate("activities")
            self.five_labels.append(label)
            self.five_row.addWidget(label)

        self.overdue_table = QTableWidget(0, 5)
        self.overdue_table.setHorizontalHeaderLabels(
            ("企业", "问题", "整改期限", "逾期天数", "状态")
        )
        self.overdue_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch
        )
        self.overdue_table.verticalHeader().hide()
        self.overdue_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.overdue_table.doubleClicked.connect(
            lambda _i: self.ctx.navigate("visits", ledger="overdue")
        )
        self.risk_table = QTableWidget(0, 2)
        self.risk_table.setHorizontalHeaderLabels(("企业", "欠薪风险"))
        self.risk_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.risk_table.verticalHeader().hide()
        self.risk_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.alerts_table = QTableWidget(0, 4)
        self.alerts_table.setHorizontalHeaderLabels(("案号", "期限", "期限情况", "提醒"))
        self.terms_table = QTableWidget(0, 5)
        self.terms_table.setHorizontalHeaderLabels(
            ("案号", "条款", "未履行（元）", "约定日期", "逾期天数")
        )
        for table, stretch in ((self.alerts_table, 3), (self.terms_table, 1)):
            table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
            table.verticalHeader().hide()
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            table.setMinimumHeight(170)
            table.doubleClicked.connect(lambda index, t=table: self._open_case(t, index.row()))
        alerts_box = QGroupBox("调解期限与履行期限提醒（双击打开案件）")
        QVBoxLayout(alerts_box).addWidget(self.alerts_table)
        terms_box = QGroupBox("逾期未履行的协议条款（双击打开案件）")
        QVBoxLayout(terms_box).addWidget(self.terms_table)
        case_lists = QHBoxLayout()
        case_lists.addWidget(alerts_box, 1)
        case_lists.addWidget(terms_box, 1)

        overdue_box = QGroupBox("逾期未整改的问题（双击打开问题台账）")
        QVBoxLayout(overdue_box).addWidget(self.overdue_table)
        risk_box = QGroupBox("欠薪预警：高、中风险企业")
        QVBoxLayout(risk_box).addWidget(self.risk_table)
        lists = QHBoxLayout()
        lists.addWidget(overdue_box, 3)
        lists.addWidget(risk_box, 2)

        body = QWidget()
        col = QVBoxLayout(body)
        col.addLayout(top)
        col.addLayout(grid)
        col.addLayout(charts)
        col.addWidget(self.five_box)
        col.addLayout(case_lists)
        col.addLayout(lists)
        # 区级退回补正 (app/ui/corrections.py): open requests on this station's records
        from app.ui.corrections import CorrectionsList

        self.corrections_box = QGroupBox("区级退回补正（双击打开记录）")
        self.corrections = CorrectionsList(ctx, self.today, open_only=True)
        QVBoxLayout(self.corrections_box).addWidget(self.corrections)
        self.corrections.open_changed.connect(
            lambda n: self.corrections_box.setTitle(
                f"区级退回补正：待补正 {n} 条（双击打开记录）" if n else "区级退回补正"
            )
        )
        col.addWidget(self.corrections_box)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(body)
        area.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(area)
        ctx.store_changed.connect(self._data_changed)
        # a case changed somewhere: refresh the enterprises' risk levels shortly after, in the
        # background, whether or not the workbench is on screen (the roster shows the levels)
        self.risk_timer = QTimer(self)
        self.risk_timer.setSingleShot(True)
        self.risk_timer.setInterval(RISK_DELAY_MS)
        self.risk_timer.timeout.connect(self.recompute_risks)
        self.risk_task = None

    # ------------------------------------------------------------------ loading

    def _data_changed(self, entities: frozenset[str]) -> None:
        if affects_risk(entities) and self.ctx.user.can_write:
            self.risk_timer.start()
        if self.isVisible():
            self.refresh()

    def recompute_risks(self) -> None:
        if self.risk_task is not None:
            self.risk_timer.start()  # one at a time: try again shortly
            return

        def done(_changed: int) -> None:
            self.risk_task = None  # the store tells every section about the changed levels

        def failed(exc: BaseException) -> None:
            self.risk_task = None
            self.ctx.show_error(self, exc, "欠薪风险等级更新失败")

        self.risk_task = self.ctx.run(
            recompute_all_risks, self.ctx.store, self.today(), on_done=done, on_failed=failed
        )

    def today(self) -> date:
        return self.fixed_today or date.today()

    def activated(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute in the background; once a day the risk levels are refreshed first."""
        self.corrections.reload()
        if self.task is not None:
            return
        today = self.today()
        store = self.ctx.store
        self.status.setText("正在统计…")
        self.refresh_button.setEnabled(False)

        def load() -> WorkbenchData:
            recompute_risks_if_due(store, today)
            return workbench_data(store, today)

        self.task = self.ctx.run(load, on_done=self.show_data, on_failed=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self.refresh_button.setEnabled(True)
        self.status.setText("统计失败")
        self.ctx.show_error(self, exc, "工作台统计失败")

    def show_data(self, data: WorkbenchData) -> None:
        self.task = None
        self.data = data
        self.refresh_button.setEnabled(True)
        m, y = data.month, data.year
        self.heading.setText(f"{m.station_name} 工作台")
        self.status.setText(f"{cn_date(data.today)} · 本月 {m.period.label} · 本年累计至今日")
        self.cards["cases"].set(f"{m.total.cases} 件", f"本年累计 {y.total.cases} 件")
        self.cards["workers"].set(f"{m.total.workers} 人", f"本年累计 {y.total.workers} 人")
        self.cards["rate"].set(_rate(m.total.success_rate), f"本年 {_rate(y.total.success_rate)}")
        self.cards["recovered"].set(
            f"{m.paid_in_period:,.2f} 元", f"本年累计 {y.paid_in_period:,.2f} 元"
        )
        self.cards["visits"].set(
            f"{m.visits.visits} 次",
            f"本年累计 {y.visits.visits} 次，发现问题 {y.visits.findings_raised} 项",
        )
        self.cards["open"].set(
            f"{m.visits.findings_open} 项", f"本月整改完成 {m.visits.findings_rectified} 项"
        )
        overdue = m.visits.findings_overdue
        self.cards["overdue"].set(
            f"{overdue} 项", "点击查看问题台账" if overdue else "无逾期", alert=overdue > 0
        )
        self.cards["five"].set(f"{y.five_one_done} / 5", f"{y.five_one_year}年")
        self.cards["overdue_cases"].set(
            f"{m.overdue_cases} 件", "调解期限已过或协议逾期未履行", alert=m.overdue_cases > 0
        )
        outstanding = sum((t.outstanding or 0 for t in data.overdue_terms), 0)
        self.cards["overdue_terms"].set(
            f"{len(data.overdue_terms)} 项",
            f"未履行金额 {outstanding:,.2f} 元" if data.overdue_terms else "无逾期",
            alert=bool(data.overdue_terms),
        )
        self._draw_types(m, y)
        self._draw_statuses(m)
        self._draw_outcomes(y)
        self._draw_five(y)
        self._fill_alerts(data)
        self._fill_terms(data)
        self._fill_overdue(data)
        self._fill_risk(data)

    # ------------------------------------------------------------------ drawing

    def _draw_types(self, m: StationFigures, y: StationFigures) -> None:
        chart = self.types_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        month_set = QBarSet("本月")
        month_set.setColor(MONTH_COLOUR)
        year_set = QBarSet("本年累计")
        year_set.setColor(YEAR_COLOUR)
        for bar_set in (month_set, year_set):
            bar_set.setLabelColor(QColor("#20324a"))
        for rm, ry in zip(m.by_type, y.by_type, strict=True):
            month_set.append(rm.cases)
            year_set.append(ry.cases)
        series = QBarSeries()
        series.append(month_set)
        series.append(year_set)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([SHORT_TYPE_NAMES.get(r.code, r.name[:2]) for r in y.by_type])
        chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        values = QValueAxis()
        top = max([r.cases for r in y.by_type] + [1])
        values.setRange(0, top + max(1, top // 4))
        values.setTickCount(min(top + 2, 6))
        values.applyNiceNumbers()
        values.setLabelFormat("%d")
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(values)

    def _draw_statuses(self, m: StationFigures) -> None:
        chart = self.status_chart
        chart.removeAllSeries()
        series = QPieSeries()
        for status, n in m.by_status.items():
            if n:
                piece = series.append(f"{status.label} {n}", n)
                piece.setColor(QColor(STATUS_COLOURS.get(status, "#9aa5b1")))
                piece.setLabelVisible(False)  # the legend names it whole
        total = sum(m.by_status.values())
        chart.setTitle(
            f"本月受理案件当前状态（{total}件）" if total else "本月受理案件当前状态（暂无案件）"
        )
        series.setPieSize(0.8)
        chart.addSeries(series)
        _pie_legend(chart)

    def _draw_outcomes(self, y: StationFigures) -> None:
        chart = self.outcome_chart
        chart.removeAllSeries()
        series = QPieSeries()
        for outcome in Outcome:
            n = y.total.outcomes[outcome]
            if n:
                piece = series.append(f"{outcome.label} {n}", n)
                piece.setColor(QColor(OUTCOME_COLOURS[outcome]))
                piece.setLabelVisible(False)  # the legend names it whole
        if series.count() == 0:
            chart.setTitle("本年受理案件办理结果（暂无案件）")
        else:
            chart.setTitle(f"本年受理案件办理结果（调解成功率 {_rate(y.total.success_rate)}）")
        series.setPieSize(0.8)
        chart.addSeries(series)
        _pie_legend(chart)

    def _draw_five(self, y: StationFigures) -> None:
        self.five_box.setTitle(
            f"{y.five_one_year}年“五个一”创建活动：已完成 {y.five_one_done} / 5 项（点击进入五个一活动）"
        )
        for label, item in zip(self.five_labels, y.five_one, strict=True):
            mark = "√" if item.done else "×"
            colour = DONE_FG.name() if item.done else OVERDUE_FG.name()
            background = "#eaf5ee" if item.done else OVERDUE_BG.name()
            label.setText(
                f"<b>{mark} {item.short}</b><br><span style='font-size:11px'>{item.summary}</span>"
            )
            label.setStyleSheet(
                f"color: {colour}; background: {background}; border-radius: 4px; padding: 4px;"
            )

    def _fill_alerts(self, data: WorkbenchData) -> None:
        table = self.alerts_table
        table.setRowCount(0)
        self._alert_cases = [a.case_id for a in data.case_alerts]
        for alert in data.case_alerts:
            r = table.rowCount()
            table.insertRow(r)
            late = alert.days_left < 0
            for c, text in enumerate(
                (alert.case_no, fmt_date(alert.due_on), days_left_text(alert.days_left),
                 alert.message)
            ):  # fmt: skip
                item = QTableWidgetItem(text)
                item.setToolTip(text)  # the whole text, where the column is too narrow
                if late:
                    item.setForeground(OVERDUE_FG)
                table.setItem(r, c, item)
        table.resizeColumnToContents(0)

    def _fill_terms(self, data: WorkbenchData) -> None:
        table = self.terms_table
        table.setRowCount(0)
        self._term_cases = [t.case_id for t in data.overdue_terms]
        for term in data.overdue_terms:
            r = table.rowCount()
            table.insertRow(r)
            outstanding = f"{term.outstanding:,.2f}" if term.outstanding is not None else ""
            tip = f"付款单位：{term.payer or '未登记'}\n{term.route}"
            for c, text in enumerate(
                (
                    term.case_no, f"第{term.seq}项 {term.description}", outstanding,
                    fmt_date(term.due_on), str(term.days_overdue),
                )
            ):  # fmt: skip
                item = QTableWidgetItem(text)
                item.setForeground(OVERDUE_FG)
                item.setToolTip(tip)
                table.setItem(r, c, item)
        table.resizeColumnToContents(0)

    def _open_case(self, table: QTableWidget, row: int) -> None:
        ids = self._alert_cases if table is self.alerts_table else self._term_cases
        if 0 <= row < len(ids):
            self.ctx.navigate("cases", id=ids[row])

    def _fill_overdue(self, data: WorkbenchData) -> None:
        table = self.overdue_table
        table.setRowCount(0)
        for row in data.overdue_findings:
            r = table.rowCount()
            table.insertRow(r)
            for c, text in enumerate(
                (
                    row.enterprise_name,
                    f"{row.category_label}：{row.description}",
                    fmt_date(row.deadline),
                    str(row.days_overdue),
                    row.status.label,
                )
            ):
                item = QTableWidgetItem(text)
                item.setForeground(OVERDUE_FG)
                table.setItem(r, c, item)
        table.resizeColumnToContents(0)

    def _fill_risk(self, data: WorkbenchData) -> None:
        table = self.risk_table
        table.setRowCount(0)
        for row in data.risky_enterprises:
            r = table.rowCount()
            table.insertRow(r)
            table.setItem(r, 0, QTableWidgetItem(row.name))
            level = QTableWidgetItem(row.level.label)
            if row.level == RiskLevel.HIGH:
                level.setForeground(OVERDUE_FG)
            table.setItem(r, 1, level)

    # ------------------------------------------------------------------ export

    def open_export(self) -> ExportReportDialog:
        self.dialog = ExportReportDialog(self.ctx, self, today=self.today())
        self.dialog.open()
        return self.dialog
