"""Make the populated store of the first released schema (0.1.0, revision 0001) used by
tests/test_upgrade.py. Run once, from the commit tagged v0.1.0-schema:

    LABOR_STATION_KDF_LOG2N=10 .venv/bin/python tests/data/make_release_store.py

The files it writes (tests/data/stores/v0.1.0/) are committed; later code must open and migrate
them. This script runs only against that commit's models (later models may differ).
"""

from __future__ import annotations

import random
import shutil
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.demo import build_demo_station, make_person  # noqa: E402
from app.domain.enums import (  # noqa: E402
    ActivityKind,
    AgreementStatus,
    CaseStatus,
    FindingStatus,
    PartyRole,
    TeamRole,
    TermKind,
)
from app.store.models import (  # noqa: E402
    Activity,
    AgreementTerm,
    CaseClaim,
    CaseCounter,
    CaseParty,
    DisputeCase,
    Enterprise,
    EnterpriseVisit,
    Finding,
    MediationAgreement,
    MediationSession,
    PerformanceRecord,
    TeamMember,
)
from app.store.store import Store  # noqa: E402

OUT = ROOT / "tests" / "data" / "stores" / "v0.1.0"
PASSWORD = "Release-010-pass"


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    build_demo_station(OUT, "GUDONG", PASSWORD, seed=10, today=date(2026, 11, 20))
    rng = random.Random(10)
    with Store.open(OUT, "admin", PASSWORD) as store:
        with store.read() as s:
            enterprises = list(s.query(Enterprise).order_by(Enterprise.name).limit(12))
        with store.unit_of_work() as s:
            for i, e in enumerate(enterprises[:6]):
                worker = make_person(rng, date(2026, 11, 20))
                s.add(worker)
                received = date(2026, 10, 1) + timedelta(days=5 * i)
                case = DisputeCase(
                    case_no=f"(2026)鼓楼鼓东劳调字第{i + 1:04d}号",
                    case_year=2026,
                    case_seq=i + 1,
                    status=[
                        CaseStatus.REGISTERED,
                        CaseStatus.IN_MEDIATION,
                        CaseStatus.PERFORMING,
                        CaseStatus.FAILED,
                        CaseStatus.CLOSED,
                        CaseStatus.ACCEPTED,
                    ][i],
                    intake_channel="walk_in",
                    received_on=received,
                    registered_at=datetime(2026, 10, 1, 9, 0) + timedelta(days=5 * i),
                    respondent_id=e.id,
                    facts="申请人称被申请人拖欠工资。",
                    requests="支付拖欠工资。",
                )
                s.add(case)
                s.add(CaseParty(case_id=case.id, role=PartyRole.APPLICANT, person_id=worker.id))
                s.add(CaseParty(case_id=case.id, role=PartyRole.RESPONDENT, enterprise_id=e.id))
                s.add(CaseClaim(case_id=case.id, dispute_type="wages", amount=Decimal("8600.50")))
                s.add(
                    MediationSession(
                        case_id=case.id,
                        session_no=1,
                        held_at=datetime(2026, 10, 8, 2, 0),
                        place="鼓东街道劳动关系服务室",
                        record="双方陈述意见。",
                    )
                )
                if case.status == CaseStatus.PERFORMING:
                    agreement = MediationAgreement(
                        case_id=case.id,
                        version_no=1,
                        status=AgreementStatus.SIGNED,
                        signed_on=date(2026, 10, 20),
                        performance_deadline=date(2026, 11, 30),
                    )
                    s.add(agreement)
                    term = AgreementTerm(
                        agreement_id=agreement.id,
                        seq=1,
                        kind=TermKind.PAYMENT,
                        item="wages",
                        description="支付拖欠工资",
                        amount=Decimal("8000.00"),
                        due_on=date(2026, 11, 15),
                        method="银行转账",
                        art16=True,
                    )
                    s.add(term)
                    s.add(
                        PerformanceRecord(
                            term_id=term.id,
                            performed_on=date(2026, 11, 10),
                            amount=Decimal("3000.00"),
                            method="银行转账",
                        )
                    )
            s.add(CaseCounter(station_code="GUDONG", year=2026, last_seq=6))
            visit = EnterpriseVisit(
                enterprise_id=enterprises[7].id,
                visited_on=date(2026, 11, 3),
                visitors="陈调解",
                checklist={"labor_contract": {"status": "problem"}},
            )
            s.add(visit)
            s.add(
                Finding(
                    enterprise_id=enterprises[7].id,
                    visit_id=visit.id,
                    category="labor_contract",
                    description="部分职工未签订书面劳动合同",
                    deadline=date(2026, 12, 3),
                    status=FindingStatus.OPEN,
                )
            )
            s.add(
                Activity(
                    kind=ActivityKind.EXPERT_LECTURE,
                    year=2026,
                    title="劳动合同法专题讲座",
                    held_on=date(2026, 6, 18),
                    place="鼓东街道会议室",
                )
            )
            s.add(TeamMember(name="林协调", role=TeamRole.SERVICE_STAFF))
        store.backup("release-fixture")
    for sub in ("logs", "crash"):
        shutil.rmtree(OUT / sub, ignore_errors=True)
    shutil.rmtree(OUT / "backups", ignore_errors=True)
    print("written", OUT)


if __name__ == "__main__":
    main()
