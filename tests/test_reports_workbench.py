"""The workbench (figures, charts, overdue rectifications) and the report export, driven with qtbot."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from app.domain.enums import CaseStatus, FailureReason, RiskLevel
from app.domain.visits import CheckStatus, RiskIndicator
from app.reports import periods
from app.reports.export import ExportCancelled, export_report
from app.store.models import Enterprise
from app.ui.application import setup_application
from app.ui.context import AppContext
from app.ui.workbench.section import RISK_SETTING, WorkbenchSection
from app.ui.workers import CancelToken
from app.visits.service import CheckEntry, NewFinding, VisitInput, record_visit
from tests import visits_factory as fx

TODAY = date(2026, 10, 20)


@pytest.fixture(autouse=True)
def _app(qapp):
    setup_application(qapp)


@pytest.fixture
def station(store):
    with store.unit_of_work() as s:
        a = fx.enterprise(s, "福州闽江软件有限公司")
        b = fx.enterprise(s, "福州三坊建设工程有限公司")
        fx.case(
            s,
            received=date(2026, 10, 3),
            status=CaseStatus.CLOSED,
            claims=[("wages", "9000")],
            workers=2,
            respondent=a,
            agreement_terms=[("wages", "9000", date(2026, 10, 10))],
            payments=[(0, "9000", date(2026, 10, 10))],
        )
        fx.case(
            s,
            received=date(2026, 10, 8),
            status=CaseStatus.FAILED,
            claims=[("overtime", "3000")],
            failure=FailureReason.NO_AGREEMENT,
        )
        fx.case(
            s, received=date(2026, 3, 8), status=CaseStatus.WITHDRAWN, claims=[("wages", "1000")]
        )
        # September: the 15 days ran out on 15 October; a payment due on 10 October is short
        fx.case(
            s,
            received=date(2026, 9, 30),
            status=CaseStatus.IN_MEDIATION,
            claims=[("wages", "5000")],
            respondent=a,
        )
        fx.case(
            s,
            received=date(2026, 9, 10),
            status=CaseStatus.PERFORMING,
            claims=[("wages", "6000")],
            respondent=b,
            agreement_terms=[("wages", "6000", date(2026, 10, 10))],
            payments=[(0, "1000", date(2026, 10, 10))],
        )
        # stale level: nothing recorded supports it any more; the daily recompute clears it
        c = fx.enterprise(s, "福州西湖餐饮有限公司")
        c.risk_level = RiskLevel.MEDIUM
    record_visit(
        store,
        VisitInput(
            a.id,
            date(2026, 9, 1),
            visitors="林站长",
            checklist={"union": CheckEntry(CheckStatus.PROBLEM)},
            findings=[NewFinding("union", "职工60人未建工会", date(2026, 10, 1), "李主任")],
            risk_indicators={RiskIndicator.OWNER_UNREACHABLE, RiskIndicator.UTILITY_ARREARS},
        ),
        today=TODAY,
    )
    return a, b, c


def test_workbench_shows_the_month_and_the_year(qtbot, store, station):
    a, b, c = station
    ctx = AppContext(store)
    section = WorkbenchSection(ctx, today=TODAY)
    qtbot.addWidget(section)
    section.show()
    section.activated()
    qtbot.waitUntil(lambda: section.data is not None, timeout=20000)
    cards = section.cards
    assert cards["cases"].value.text() == "2 件" and cards["cases"].detail.text() == "本年累计 5 件"
    assert cards["workers"].value.text() == "3 人"
    assert cards["rate"].value.text() == "50.0%"
    assert cards["recovered"].value.text() == "10,000.00 元"  # 9,000 + 1,000 on the short term
    assert cards["overdue"].value.text() == "1 项"
    assert cards["five"].value.text() == "0 / 5"
    assert cards["overdue_cases"].value.text() == "2 件"
    assert cards["overdue_terms"].value.text() == "1 项"
    assert cards["overdue_terms"].detail.text() == "未履行金额 5,000.00 元"
    assert section.terms_table.item(0, 2).text() == "5,000.00"
    assert section.terms_table.item(0, 4).text() == "10"
    alerts = [
        section.alerts_table.item(r, 3).text() for r in range(section.alerts_table.rowCount())
    ]
    assert any("调解期限已于" in text for text in alerts), alerts
    assert section.overdue_table.rowCount() == 1
    assert section.overdue_table.item(0, 0).text() == a.name
    assert section.overdue_table.item(0, 3).text() == "19"
    # the chart has both sets, one bar per dispute type
    [series] = section.types_chart.series()
    assert [s.label() for s in series.barSets()] == ["本月", "本年累计"]
    assert series.barSets()[1].at(0) == 4  # wages: October, March and two in September
    assert section.outcome_chart.series()[0].count() == 4  # success, failed, withdrawn, in progress
    labels = [piece.label() for piece in section.status_chart.series()[0].slices()]
    assert labels == ["调解不成 1", "已结案 1"]  # October's two cases by their current state
    # the daily risk refresh ran once and cleared the stale level
    assert store.get_setting(RISK_SETTING) == "2026-10-20"
    with store.read() as s:
        assert s.get(Enterprise, c.id).risk_level == RiskLevel.NONE
        assert s.get(Enterprise, b.id).risk_level == RiskLevel.MEDIUM  # an unpaid wage agreement
        # owner unreachable (visit) and unpaid wages (open case): high
        assert s.get(Enterprise, a.id).risk_level == RiskLevel.HIGH
    rows = range(section.risk_table.rowCount())
    assert [section.risk_table.item(r, 0).text() for r in rows] == [a.name, b.name]
    # clicking the overdue card asks for the ledger's overdue items
    asked = []
    ctx.navigate_requested.connect(lambda key, kw: asked.append((key, kw)))
    qtbot.mouseClick(cards["overdue"], Qt.MouseButton.LeftButton)
    section._open_case(section.terms_table, 0)
    assert asked == [("visits", {"ledger": "overdue"}), ("cases", {"id": section._term_cases[0]})]


def test_export_dialog_writes_both_files(qtbot, store, station, tmp_path):
    section = WorkbenchSection(AppContext(store), today=TODAY)
    qtbot.addWidget(section)
    dialog = section.open_export()
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("quarter"))
    dialog.quarter.setCurrentIndex(dialog.quarter.findData(4))
    assert dialog.path.text().endswith("鼓东街道统计报表2026-Q4.xlsx")
    dialog.path.setText(str(tmp_path / "missing" / "r.xlsx"))
    dialog.start()
    assert "文件夹不存在" in dialog.error.text()
    dialog.path.setText(str(tmp_path / "季报.xlsx"))
    with qtbot.waitSignal(dialog.exported, timeout=20000) as signal:
        dialog.start()
    result = signal.args[0]
    assert [p.name for p in result.written] == ["季报.xlsx", "季报.pdf"]
    assert "已导出" in dialog.status.text() and dialog.export_button.isEnabled()
    ws = load_workbook(tmp_path / "季报.xlsx")["调解统计表"]
    assert "2026年第四季度" in ws["I2"].value
    # a custom range
    dialog.kind.setCurrentIndex(dialog.kind.findData("range"))
    dialog.date_from.set_value(date(2026, 10, 5))
    dialog.date_to.set_value(date(2026, 10, 1))
    dialog.start()
    assert "早于开始日期" in dialog.error.text()


def test_cancelled_export_writes_nothing(store, tmp_path):
    token = CancelToken()
    token.cancel()
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExportCancelled):
        export_report(store, periods.parse_period("2026"), xlsx_path=out / "x.xlsx", cancel=token)
    assert list(out.iterdir()) == []


def test_a_changed_case_updates_risk_levels_in_the_background(qtbot, store):
    ctx = AppContext(store)
    section = WorkbenchSection(ctx, today=TODAY)
    qtbot.addWidget(section)
    section.risk_timer.setInterval(10)
    with store.unit_of_work() as s:
        firm = fx.enterprise(s, "福州某餐饮管理有限公司")
        fx.case(
            s,
            received=date(2026, 10, 12),
            status=CaseStatus.ACCEPTED,
            claims=[("wages", "30000")],
            workers=12,
            collective=True,
            respondent=firm,
        )
    changed = []
    ctx.data_changed.connect(changed.append)
    ctx.data_changed.emit("dispute_case")  # what the case screens say after saving
    qtbot.waitUntil(lambda: "enterprise" in changed, timeout=10000)
    with store.read() as s:
        assert s.get(Enterprise, firm.id).risk_level == RiskLevel.HIGH
