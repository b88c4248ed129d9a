"""Report figures against a hand-computed fixture; the .xlsx table and the one-page PDF."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.activities.service import ActivityInput, save_activity
from app.domain import reference
from app.domain.enums import ActivityKind, CaseStatus, FailureReason, FindingStatus
from app.domain.visits import CheckStatus
from app.reports import periods
from app.reports.figures import Outcome, case_outcome, compute_figures
from app.reports.pdf import summary_pdf, write_pdf
from app.reports.xlsx import write_xlsx
from app.store.errors import ValidationError
from app.visits.service import (
    CheckEntry,
    FollowUpResult,
    NewFinding,
    VisitInput,
    open_findings,
    record_visit,
)
from tests import visits_factory as fx

TODAY = date(2026, 11, 5)
OCT = periods.parse_period("2026-10")
S = CaseStatus


@pytest.fixture
def october(store):
    """Eight cases received in October 2026 and one in September; visits and activities.

    Hand-computed figures for October (see the test): 8 cases, 20 workers, 99,000.00 claimed,
    2 success / 2 failed / 2 withdrawn / 1 declined / 1 in progress, success rate 50 %, 39,500.00
    agreed, 38,000.00 recovered by 31 October, 43,000.00 paid in October.
    """
    d = date
    with store.unit_of_work() as s:
        a = fx.enterprise(s, "福州闽江软件有限公司", "GUDONG")
        b = fx.enterprise(s, "福州三坊建设工程有限公司", "GUDONG")
        fx.case(
            s,
            received=d(2026, 10, 3),
            status=S.PERFORMING,
            claims=[("wages", "10000"), ("overtime", "2000")],
            respondent=a,
            agreement_terms=[
                ("wages", "8000", d(2026, 10, 20)),
                ("overtime", "1500", d(2026, 10, 31)),
            ],
            payments=[(0, "8000", d(2026, 10, 20)), (1, "500", d(2026, 11, 2))],
        )
        fx.case(
            s,
            received=d(2026, 10, 8),
            status=S.CLOSED,
            claims=[("wages", "36000")],
            workers=12,
            collective=True,
            migrant=True,
            respondent=b,
            agreement_terms=[("wages", "30000", d(2026, 10, 25))],
            payments=[(0, "30000", d(2026, 10, 25))],
        )
        fx.case(
            s,
            received=d(2026, 10, 10),
            status=S.FAILED,
            claims=[("termination", None), ("compensation", "20000")],
            failure=FailureReason.NO_AGREEMENT,
        )
        fx.case(
            s, received=d(2026, 10, 12), status=S.WITHDRAWN, claims=[("social_insurance", "5000")]
        )
        fx.case(
            s,
            received=d(2026, 10, 15),
            status=S.DECLINED,
            claims=[("wages", "3000")],
            declined_reason="不属于劳动争议受理范围",
        )
        fx.case(
            s,
            received=d(2026, 10, 28),
            status=S.IN_MEDIATION,
            claims=[("work_injury", "15000")],
            workers=2,
        )
        fx.case(
            s,
            received=d(2026, 10, 30),
            status=S.CLOSED,
            claims=[("rest_leave", None)],
            failure=FailureReason.PARTY_REFUSED,
        )
        fx.case(s, received=d(2026, 10, 20), status=S.CLOSED, claims=[("compensation", "8000")])
        # September: outside the cohort, but its payment on 5 October was paid in October
        fx.case(
            s,
            received=d(2026, 9, 28),
            status=S.CLOSED,
            claims=[("wages", "5000")],
            agreement_terms=[("wages", "5000", d(2026, 10, 5))],
            payments=[(0, "5000", d(2026, 10, 5))],
        )
    # visits: two in October at A (2 problems, one rectified on the follow-up); one in September
    # at B whose problem is overdue on the report day; one in November.
    record_visit(
        store,
        VisitInput(
            b.id,
            d(2026, 9, 20),
            visitors="林站长",
            checklist={"social_insurance": CheckEntry(CheckStatus.PROBLEM, "3人未参保")},
            findings=[NewFinding("social_insurance", "3人未参保", d(2026, 10, 10), "赵经理")],
        ),
        today=TODAY,
    )
    record_visit(
        store,
        VisitInput(
            a.id,
            d(2026, 10, 5),
            visitors="林站长",
            checklist={
                "wage_payment": CheckEntry(CheckStatus.PROBLEM),
                "union": CheckEntry(CheckStatus.PROBLEM),
            },
            findings=[
                NewFinding("wage_payment", "9月工资延发", d(2026, 10, 20), "王经理"),
                NewFinding("union", "未建工会", d(2026, 12, 31), "李主任"),
            ],
        ),
        today=TODAY,
    )
    wage = next(f for f in open_findings(store, a.id) if f.category == "wage_payment")
    record_visit(
        store,
        VisitInput(
            a.id,
            d(2026, 10, 25),
            visitors="陈调解",
            checklist={"wage_payment": CheckEntry(CheckStatus.OK)},
            follow_ups=[FollowUpResult(wage.id, FindingStatus.RECTIFIED, "已补发")],
        ),
        today=TODAY,
    )
    record_visit(
        store,
        VisitInput(
            b.id,
            d(2026, 11, 1),
            visitors="陈调解",
            checklist={"labor_contract": CheckEntry(CheckStatus.OK)},
        ),
        today=TODAY,
    )
    for kind, held, people, materials in (
        (ActivityKind.EXPERT_LECTURE, d(2026, 10, 15), 80, None),
        (ActivityKind.PUBLICITY, d(2026, 10, 20), 200, 500),
        (ActivityKind.OBSERVATION, d(2026, 9, 10), 30, None),
    ):
        save_activity(
            store,
            ActivityInput(
                kind=kind,
                title=kind.label,
                held_on=held,
                place="鼓东街道",
                speaker="郑律师",
                participant_count=people,
                materials_count=materials,
            ),
            today=TODAY,
        )
    return a, b


def test_periods():
    assert (OCT.start, OCT.end, OCT.label) == (date(2026, 10, 1), date(2026, 10, 31), "2026年10月")
    q = periods.parse_period("2026-q3")
    assert (q.start, q.end, q.label, q.key) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
        "2026年第三季度",
        "2026-Q3",
    )
    y = periods.parse_period("2026")
    assert (y.start, y.end, y.label) == (date(2026, 1, 1), date(2026, 12, 31), "2026年")
    assert periods.parse_period("2028-02").end == date(2028, 2, 29)
    r = periods.parse_period("2026-10-01..2026-10-15")
    assert r.label == "2026年10月1日至2026年10月15日" and r.days == 15
    for bad, message in (
        ("2026-13", "月份应在1到12之间"),
        ("十月", "无法识别"),
        ("2026-10-15..2026-10-01", "早于开始日期"),
        ("2026-10-01..2026-10-32", "不是有效的日期"),
    ):
        with pytest.raises(ValidationError, match=message):
            periods.parse_period(bad)


def test_case_outcomes():
    def o(status, agreement=False, failed=False, declined=False):
        return case_outcome(status, has_agreement=agreement, failed=failed, declined=declined)

    assert o(S.REGISTERED) == Outcome.IN_PROGRESS
    assert o(S.IN_MEDIATION) == Outcome.IN_PROGRESS
    assert o(S.AGREEMENT_REACHED) == Outcome.SUCCESS
    assert o(S.CLOSED, agreement=True) == Outcome.SUCCESS
    assert o(S.ARCHIVED, failed=True) == Outcome.FAILED
    assert o(S.CLOSED, declined=True) == Outcome.DECLINED
    assert o(S.CLOSED) == Outcome.WITHDRAWN


def test_figures_match_the_hand_computed_fixture(store, october):
    f = compute_figures(store, OCT, TODAY)
    t = f.total
    assert (t.cases, t.workers, t.claimed) == (8, 20, Decimal("99000.00"))
    assert {o: t.outcomes[o] for o in Outcome} == {
        Outcome.SUCCESS: 2,
        Outcome.FAILED: 2,
        Outcome.WITHDRAWN: 2,
        Outcome.DECLINED: 1,
        Outcome.IN_PROGRESS: 1,
    }
    assert t.success_rate == 0.5
    assert (t.agreed, t.recovered) == (Decimal("39500.00"), Decimal("38000.00"))
    assert f.paid_in_period == Decimal("43000.00")
    rows = {r.code: r for r in f.by_type}

    def summary(code):
        r = rows[code]
        return (
            r.cases,
            r.workers,
            r.claimed,
            r.outcomes[Outcome.SUCCESS],
            r.outcomes[Outcome.FAILED],
            r.outcomes[Outcome.WITHDRAWN],
            r.outcomes[Outcome.DECLINED],
            r.outcomes[Outcome.IN_PROGRESS],
            r.agreed,
            r.recovered,
        )

    D = Decimal
    assert summary("wages") == (3, 14, D("49000.00"), 2, 0, 0, 1, 0, D("38000.00"), D("38000.00"))
    assert summary("overtime") == (1, 1, D("2000.00"), 1, 0, 0, 0, 0, D("1500.00"), D("0.00"))
    assert summary("compensation") == (2, 2, D("28000.00"), 0, 1, 1, 0, 0, D("0.00"), D("0.00"))
    assert summary("termination") == (1, 1, D("0.00"), 0, 1, 0, 0, 0, D("0.00"), D("0.00"))
    assert summary("social_insurance") == (1, 1, D("5000.00"), 0, 0, 1, 0, 0, D("0.00"), D("0.00"))
    assert summary("work_injury") == (1, 2, D("15000.00"), 0, 0, 0, 0, 1, D("0.00"), D("0.00"))
    assert summary("rest_leave") == (1, 1, D("0.00"), 0, 1, 0, 0, 0, D("0.00"), D("0.00"))
    assert summary("other") == (0, 0, D("0.00"), 0, 0, 0, 0, 0, D("0.00"), D("0.00"))
    assert rows["wages"].success_rate == 1.0 and rows["other"].success_rate is None
    assert {s: n for s, n in f.by_status.items() if n} == {
        S.PERFORMING: 1,
        S.CLOSED: 3,
        S.FAILED: 1,
        S.WITHDRAWN: 1,
        S.DECLINED: 1,
        S.IN_MEDIATION: 1,
    }
    assert (f.collective_cases, f.migrant_cases) == (1, 1)
    v = f.visits
    assert (
        v.visits,
        v.enterprises_visited,
        v.findings_raised,
        v.findings_rectified,
        v.findings_escalated,
    ) == (
        2,
        1,
        2,
        1,
        0,
    )
    assert (v.findings_open, v.findings_overdue) == (2, 1)
    assert f.activities_by_kind[ActivityKind.EXPERT_LECTURE] == 1
    assert f.activities_by_kind[ActivityKind.PUBLICITY] == 1
    assert f.activities_by_kind[ActivityKind.OBSERVATION] == 0
    assert (f.activity_participants, f.materials_handed_out) == (280, 500)
    assert f.five_one_year == 2026 and f.five_one_done == 2  # lecture and observation


def test_quarter_and_range_figures(store, october):
    q4 = compute_figures(store, periods.parse_period("2026-Q4"), TODAY)
    assert q4.total.cases == 8 and q4.visits.visits == 3  # November's visit too
    q3 = compute_figures(store, periods.parse_period("2026-Q3"), TODAY)
    assert q3.total.cases == 1 and q3.paid_in_period == Decimal("0.00")
    first_half = compute_figures(store, periods.parse_period("2026-10-01..2026-10-12"), TODAY)
    assert first_half.total.cases == 4 and first_half.total.claimed == Decimal("73000.00")
    assert first_half.paid_in_period == Decimal("5000.00")


def test_xlsx_statistical_table(store, october, tmp_path):
    path = write_xlsx(compute_figures(store, OCT, TODAY), tmp_path / "2026-10.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["调解统计表", "工作情况"]
    ws = wb["调解统计表"]
    assert ws["A1"].value == "鼓东街道劳动争议调解工作统计表"
    assert "2026年10月" in ws["I2"].value
    assert (
        ws["E3"].value == "办理结果（件）"
        and ws["E4"].value == "调解成功"
        and ws["I4"].value == "办理中"
    )
    header = [ws.cell(row=3, column=c).value for c in range(1, 13)]
    assert header[0] == "争议类型" and header[3] == "请求金额\n（元）"
    # one row per dispute type of the reference list, then 合计 (the list may grow: 确认劳动关系)
    types = reference.dispute_types()
    total_row = 5 + len(types)
    rows = {
        ws.cell(row=r, column=1).value: [ws.cell(row=r, column=c).value for c in range(2, 13)]
        for r in range(5, total_row + 1)
    }
    assert list(rows)[:-1] == [t.name for t in types] and list(rows)[-1] == "合计"
    assert rows["劳动报酬/拖欠工资"] == [3, 14, 49000, 2, 0, 0, 1, 0, 1, 38000, 38000]
    assert rows["合计"] == [8, 20, 99000, 2, 2, 2, 1, 1, 0.5, 39500, 38000]
    assert rows["其他"][8] == "—"
    assert rows["确认劳动关系"][:3] == [0, 0, 0]
    assert ws.cell(row=total_row, column=4).number_format == "#,##0.00"
    assert ws.cell(row=total_row, column=10).number_format == "0.0%"
    assert "A3:A4" in {str(m) for m in ws.merged_cells.ranges}
    assert ws.page_setup.orientation == "landscape"
    work = {row[0]: row[1] for row in wb["工作情况"].iter_rows(values_only=True) if row and row[0]}
    assert work["本期实际支付到位金额（元）"] == 43000
    assert work["走访/巡查/回访（次）"] == 2
    assert work["制表日逾期未整改（项）"] == 1


def test_one_page_pdf_with_embedded_font(store, october, tmp_path):
    f = compute_figures(store, OCT, TODAY)
    path = write_pdf(f, tmp_path / "summary.pdf")
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in (
        "鼓东街道劳动关系工作统计摘要",
        "2026年10月",
        "99,000.00",
        "50.0%",
        "43,000.00",
        "劳动报酬/拖欠工资",
    ):
        assert expected in text, expected
    # every font the page draws with is embedded (ReportLab lists Helvetica as a resource of every
    # page, but the canvas starts in the CJK font and never selects it)
    page = reader.pages[0]
    used = set(re.findall(rb"/(F[\w+]+) [\d.]+ Tf", page.get_contents().get_data()))
    resources = page["/Resources"]["/Font"]
    assert used
    for name in used:
        font = resources["/" + name.decode()].get_object()
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, (name, font["/BaseFont"])
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "WenQuanYiMicroHei" in fonts and " yes yes yes " in fonts


def test_empty_period_makes_a_valid_report(store, tmp_path):
    f = compute_figures(store, periods.parse_period("2025-01"), TODAY)
    assert f.total.cases == 0 and f.total.success_rate is None
    write_xlsx(f, tmp_path / "empty.xlsx")
    assert len(PdfReader(__import__("io").BytesIO(summary_pdf(f))).pages) == 1


def test_payments_under_a_replaced_agreement_still_count_as_recovered(store):
    """3,000 paid under version 1, then the agreement is revised (the rest later) and 2,000 paid
    under version 2: the workers got 5,000; the amount agreed is version 2's."""
    from app.cases import agreements
    from app.cases.detail import load_case
    from app.cases.performance import PerformanceInput, record_performance
    from tests.cases_support import agreement_input, signed

    case_id, _v1 = signed(store)
    with store.read() as s:
        wages_v1 = load_case(s, case_id).current_agreement.terms[0]
    paid_on = date(2026, 3, 18)
    record_performance(store, wages_v1.id, PerformanceInput(paid_on, "3000", "银行转账"),
                       today=paid_on)  # fmt: skip
    v2 = agreements.new_version(store, case_id, "被申请人申请分期支付余款")
    revised = agreement_input()
    revised.terms[0].amount = Decimal("5000")
    revised.terms[0].due_on = date(2026, 4, 30)
    revised.performance_deadline = date(2026, 4, 30)
    agreements.save_draft(store, case_id, revised, agreement_id=v2)
    agreements.sign(store, v2, signed_on=date(2026, 3, 20), today=date(2026, 3, 20))
    with store.read() as s:
        wages_v2 = load_case(s, case_id).current_agreement.terms[0]
    record_performance(store, wages_v2.id, PerformanceInput(date(2026, 3, 25), "2000", "现金"),
                       today=date(2026, 3, 25))  # fmt: skip

    f = compute_figures(store, periods.month(2026, 3), today=date(2026, 3, 31))
    assert f.total.recovered == Decimal("5000")
    assert f.total.agreed == Decimal("9000.50")  # version 2: 5,000 wages + 4,000.50 compensation
    wages = next(r for r in f.by_type if r.code == "wages")
    assert wages.recovered == Decimal("5000") and wages.agreed == Decimal("5000")
    assert f.paid_in_period == Decimal("5000")
