"""Report benchmark: the year's figures, the .xlsx and the PDF on a busy station's store.

    .venv/bin/python bench/reports.py [--cases 20000]

Fills an encrypted store with ``--cases`` cases received over the year (claims, applicants, signed
agreements with payment terms and payments), 3,000 visits with findings and 400 activities, then
times, as the median of 5 runs:

* baseline: one SQL pass that reads every case row of the year with its claims (the least any
  report over these cases must do);
* figures: ``compute_figures`` for the year (cases by type and result, amounts, visits, ledger,
  activities, five "one", risk), and the workbench (month + year to date + lists);
* the .xlsx and the one-page PDF.

Goal: the year's figures ≤ 10× the baseline (a ratio, so that a busy shared machine does not
decide it). The workbench runs in the background and is printed for information.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LABOR_STATION_KDF_LOG2N", "10")
os.environ.setdefault("LABOR_STATION_TESTING", "1")  # the low KDF cost is allowed

from sqlalchemy import func, insert, select, update

from app.domain.enums import (
    ActivityKind,
    AgreementStatus,
    CaseStatus,
    FindingStatus,
    PartyRole,
    TermKind,
)
from app.reports import periods
from app.reports.figures import compute_figures
from app.reports.pdf import summary_pdf
from app.reports.workbench import workbench_data
from app.reports.xlsx import build_workbook
from app.store import changes
from app.store.models import (
    Activity,
    AgreementTerm,
    CaseClaim,
    CaseParty,
    DisputeCase,
    Enterprise,
    EnterpriseVisit,
    Finding,
    MediationAgreement,
    PerformanceRecord,
    Person,
    new_id,
)
from app.store.store import Store

YEAR = 2026
TODAY = date(YEAR, 12, 20)
TYPES = ["wages", "wages", "wages", "overtime", "compensation", "termination", "social_insurance",
         "work_injury", "rest_leave", "other"]  # fmt: skip
STATUSES = [CaseStatus.CLOSED] * 4 + [CaseStatus.PERFORMING, CaseStatus.FAILED, CaseStatus.WITHDRAWN,
            CaseStatus.IN_MEDIATION, CaseStatus.DECLINED]  # fmt: skip


def fill(store: Store, n_cases: int, rng: random.Random) -> None:
    def day() -> date:
        return date(YEAR, 1, 1) + timedelta(days=rng.randrange(0, 350))

    with store.unit_of_work() as s:
        stamp = changes.stamp_new(s)
        firms = [dict(stamp, id=new_id(), name=f"福州企业{i}有限公司", street_code="GUDONG",
                      risk_level="none", source="manual", credit_code_accepted=False) for i in range(2000)]  # fmt: skip
        s.execute(insert(Enterprise), firms)
        rows = {m: [] for m in (DisputeCase, Person, CaseParty, CaseClaim, MediationAgreement,
                                AgreementTerm, PerformanceRecord)}  # fmt: skip
        for i in range(n_cases):
            case_id, received, status = new_id(), day(), rng.choice(STATUSES)
            rows[DisputeCase].append(dict(
                stamp, id=case_id, case_no=f"(2026)鼓楼鼓东劳调字第{i + 1:05d}号", case_year=YEAR,
                case_seq=i + 1, status=status.value, intake_channel="walk_in", received_on=received,
                registered_at=stamp["created_at"], respondent_id=rng.choice(firms)["id"],
                is_collective=False, is_migrant_worker=False, is_construction=False,
                oral_application=False, failure_reason="no_agreement" if status == CaseStatus.FAILED else None,
            ))  # fmt: skip
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                person = new_id()
                rows[Person].append(dict(stamp, id=person, name="工人"))
                rows[CaseParty].append(dict(stamp, id=new_id(), case_id=case_id, role=PartyRole.APPLICANT.value,
                                            person_id=person, is_representative=False, sort_order=0))  # fmt: skip
            kind = rng.choice(TYPES)
            amount = rng.randrange(1000, 80000)
            rows[CaseClaim].append(
                dict(stamp, id=new_id(), case_id=case_id, dispute_type=kind, amount=amount)
            )
            if status in (CaseStatus.CLOSED, CaseStatus.PERFORMING) and rng.random() < 0.8:
                agreement, term = new_id(), new_id()
                rows[MediationAgreement].append(dict(stamp, id=agreement, case_id=case_id, version_no=1,
                                                     status=AgreementStatus.DRAFT.value, copies=3))  # fmt: skip
                rows[AgreementTerm].append(dict(stamp, id=term, agreement_id=agreement, seq=1,
                                                kind=TermKind.PAYMENT.value, item=kind, description="支付",
                                                amount=amount // 2, due_on=received + timedelta(days=20), art16=True))  # fmt: skip
                rows[PerformanceRecord].append(dict(stamp, id=new_id(), term_id=term, amount=amount // 2,
                                                    performed_on=min(received + timedelta(days=20), TODAY)))  # fmt: skip
        for model, values in rows.items():
            for start in range(0, len(values), 5000):
                s.execute(insert(model), values[start : start + 5000])
        # signed once their terms are in: the store's triggers refuse terms added to a signed one
        s.execute(update(MediationAgreement.__table__).values(status=AgreementStatus.SIGNED.value))
        visits, findings = [], []
        for _ in range(3000):
            visit = new_id()
            on = day()
            visits.append(dict(stamp, id=visit, enterprise_id=rng.choice(firms)["id"], visited_on=on,
                               kind="visit", visitors="林站长", checklist={}, risk_indicators=[]))  # fmt: skip
            if rng.random() < 0.3:
                findings.append(dict(stamp, id=new_id(), enterprise_id=visits[-1]["enterprise_id"],
                                     visit_id=visit, category="union", description="未建工会",
                                     deadline=on + timedelta(days=30),
                                     status=rng.choice(list(FindingStatus)).value))  # fmt: skip
        s.execute(insert(EnterpriseVisit), visits)
        s.execute(insert(Finding), findings)
        s.execute(insert(Activity), [
            dict(stamp, id=new_id(), kind=rng.choice(list(ActivityKind)).value, year=YEAR, title="活动",
                 held_on=day(), participant_count=rng.randrange(10, 200)) for _ in range(400)
        ])  # fmt: skip


def median_time(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store, _ = Store.create(Path(tmp) / "bench", "GUDONG", "admin", "站长", "Bench-pass-2026")
        t0 = time.perf_counter()
        fill(store, args.cases, random.Random(7))
        print(
            f"filled {args.cases} cases, 3000 visits, 400 activities in {time.perf_counter() - t0:.1f} s"
        )
        year = periods.year(YEAR)

        def baseline():
            with store.read() as s:
                s.execute(
                    select(
                        DisputeCase.id, DisputeCase.status, CaseClaim.dispute_type, CaseClaim.amount
                    )
                    .join(CaseClaim, CaseClaim.case_id == DisputeCase.id)
                    .where(
                        DisputeCase.received_on >= year.start, DisputeCase.received_on <= year.end
                    )
                ).all()
                s.scalar(select(func.count()).select_from(CaseParty))

        figures = compute_figures(store, year, TODAY)
        base = median_time(baseline)
        year_t = median_time(lambda: compute_figures(store, year, TODAY))
        month_t = median_time(lambda: compute_figures(store, periods.month(YEAR, 10), TODAY))
        bench_t = median_time(lambda: workbench_data(store, TODAY), runs=3)
        xlsx_t = median_time(lambda: build_workbook(figures).save(io.BytesIO()))
        pdf_t = median_time(lambda: summary_pdf(figures))
        store.close()
    print(f"baseline (read the year's cases and claims): {base * 1000:8.1f} ms")
    print(
        f"figures for the year:                        {year_t * 1000:8.1f} ms  ratio {year_t / base:5.1f}x  (goal ≤ 10x)"
    )
    print(f"figures for a month:                         {month_t * 1000:8.1f} ms")
    print(f"workbench (month + year to date + lists):    {bench_t * 1000:8.1f} ms")
    print(f".xlsx statistical report:                    {xlsx_t * 1000:8.1f} ms")
    print(f"one-page PDF summary:                        {pdf_t * 1000:8.1f} ms")
    print(
        f"check: {figures.total.cases} cases, {figures.total.workers} workers, success rate {figures.total.success_rate:.1%}"
    )


if __name__ == "__main__":
    main()
