"""Demo step: enterprise visits with findings in every ledger state (some overdue), credit notes."""

from __future__ import annotations

import random
import struct
import zlib
from datetime import date, timedelta

from sqlalchemy import select

from app.domain.enums import CreditNoteKind, FindingStatus
from app.domain.visits import CHECKLIST, CheckStatus, RiskIndicator, VisitKind, default_deadline
from app.store.attachments import NewAttachment
from app.store.models import Enterprise
from app.store.store import Store
from app.visits import credit, ledger
from app.visits.service import (
    CheckEntry,
    FollowUpResult,
    NewFinding,
    VisitInput,
    open_findings,
    record_visit,
)

PROBLEMS = {
    "labor_contract": "部分新入职员工未签订书面劳动合同",
    "social_insurance": "试用期员工未参加社会保险",
    "wage_payment": "上月工资延迟发放",
    "working_hours": "综合计算工时制未经审批",
    "rest_leave": "未安排带薪年休假",
    "union": "职工超过25人未建立工会",
    "mediation_committee": "未设立劳动争议调解委员会",
    "collective_contract": "集体合同已到期未续签",
    "labor_dispatch": "劳务派遣用工比例超过10%",
}
VISITORS = ["林站长、陈调解", "陈调解、黄服务", "林站长、黄服务", "陈调解"]
CONTACTS = ["人事经理", "行政主管", "办公室主任", "财务负责人"]


def demo_photo(seed: int, width: int = 96, height: int = 64) -> bytes:
    """A small generated PNG standing in for a photo taken on the visit."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row += bytes(
                ((x * 2 + seed * 37) % 256, (y * 3 + seed * 11) % 256, (x + y + seed * 53) % 256)
            )
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def _visit(
    rng: random.Random,
    e: Enterprise,
    on: date,
    problems: list[str],
    indicators: set,
    *,
    photo: int | None = None,
) -> VisitInput:
    checklist = {}
    findings = []
    for item in CHECKLIST:
        if item.above_scale_only and not e.above_scale:
            checklist[item.code] = CheckEntry(CheckStatus.NOT_APPLICABLE)
        elif item.code in problems:
            checklist[item.code] = CheckEntry(CheckStatus.PROBLEM, PROBLEMS[item.code])
            findings.append(
                NewFinding(
                    item.code,
                    PROBLEMS[item.code],
                    default_deadline(on, item.code),
                    rng.choice(CONTACTS),
                )
            )
        elif item.code == "publicity":
            checklist[item.code] = CheckEntry(
                CheckStatus.OK, f"发放宣传册{rng.choice((10, 20, 30))}份"
            )
        elif rng.random() < 0.85:
            checklist[item.code] = CheckEntry(CheckStatus.OK)
    return VisitInput(
        enterprise_id=e.id,
        visited_on=on,
        kind=rng.choice([VisitKind.VISIT, VisitKind.VISIT, VisitKind.INSPECTION]),
        visitors=rng.choice(VISITORS),
        contact_name=f"{e.legal_rep or '企业'}（{rng.choice(CONTACTS)}）",
        checklist=checklist,
        findings=findings,
        risk_indicators=indicators,
        notes="走访时向企业宣讲《保障农民工工资支付条例》" if rng.random() < 0.3 else "",
        attachments=[NewAttachment(f"走访现场{photo}.png", demo_photo(photo))]
        if photo is not None
        else [],
    )


def demo_visits(store: Store, rng: random.Random, today: date) -> str:
    with store.read() as s:
        firms = list(
            s.scalars(
                select(Enterprise)
                .where(Enterprise.street_code == store.station.code, Enterprise.deleted.is_(False))
                .order_by(Enterprise.created_at)
                .limit(40)
            )
        )
    if len(firms) < 24:
        return "走访：企业不足，未生成"
    d = lambda days: today - timedelta(days=days)  # noqa: E731
    R = RiskIndicator
    visits = 0
    # (enterprise, days ago, problems, indicators); deadlines: wages 15 days, others 30
    plan = [
        (0, 120, ["wage_payment", "social_insurance"], {R.UNPAID_WAGES, R.UNPAID_SOCIAL_INSURANCE}),
        (1, 95, ["labor_contract", "union"], set()),
        (2, 70, ["working_hours"], set()),
        (3, 60, ["wage_payment"], {R.UNPAID_WAGES, R.OWNER_UNREACHABLE}),
        (4, 50, ["rest_leave", "collective_contract"], set()),
        (5, 40, ["labor_dispatch"], {R.UTILITY_ARREARS}),
        (6, 20, ["social_insurance"], {R.UNPAID_SOCIAL_INSURANCE}),
        (7, 10, ["labor_contract"], set()),
        (8, 5, ["union"], {R.UTILITY_ARREARS, R.UNPAID_SOCIAL_INSURANCE}),
        (9, 3, [], set()),
    ]
    for i, (index, days, problems, indicators) in enumerate(plan):
        record_visit(
            store,
            _visit(
                rng, firms[index], d(days), problems, indicators, photo=i if i % 3 == 0 else None
            ),
            today=today,
        )
        visits += 1
    for index in range(10, 24):
        record_visit(
            store, _visit(rng, firms[index], d(rng.randrange(2, 150)), [], set()), today=today
        )
        visits += 1

    # follow-ups: firm 0 rectified its wages but escalated the insurance; firm 1 is rectifying;
    # firm 2 rectified; firm 4 rectifying but overdue.
    def follow(
        index: int,
        days: int,
        outcomes: dict[str, tuple[FindingStatus, str]],
        indicators: set,
        untrustworthy=False,
    ):
        e = firms[index]
        open_items = {f.category: f for f in open_findings(store, e.id)}
        results = [
            FollowUpResult(
                open_items[c].id,
                status,
                note,
                mark_untrustworthy=untrustworthy and status == FindingStatus.ESCALATED,
            )
            for c, (status, note) in outcomes.items()
        ]
        first = next(iter(open_items.values()))
        record_visit(
            store,
            VisitInput(
                enterprise_id=e.id,
                visited_on=d(days),
                kind=VisitKind.FOLLOW_UP,
                visitors=rng.choice(VISITORS),
                checklist={
                    c: CheckEntry(CheckStatus.OK)
                    for c, (s, _n) in outcomes.items()
                    if s == FindingStatus.RECTIFIED
                },
                risk_indicators=indicators,
                follow_up_of_id=first.visit_id,
                follow_ups=results,
            ),
            today=today,
        )

    follow(
        0,
        100,
        {
            "wage_payment": (FindingStatus.RECTIFIED, "已补发工资并提供银行流水"),
            "social_insurance": (FindingStatus.ESCALATED, "经两次督促仍未补缴，移交劳动保障监察"),
        },
        {R.UNPAID_SOCIAL_INSURANCE},
        untrustworthy=True,
    )
    follow(
        1,
        80,
        {
            "labor_contract": (FindingStatus.RECTIFIED, "已补签劳动合同"),
            "union": (FindingStatus.RECTIFYING, "已向街道总工会提出建会申请"),
        },
        set(),
    )
    follow(
        2, 45, {"working_hours": (FindingStatus.RECTIFIED, "已取得综合计算工时工作制审批")}, set()
    )
    follow(4, 25, {"rest_leave": (FindingStatus.RECTIFYING, "已制定年休假安排，尚未落实")}, set())
    visits += 4
    # a ledger follow-up without a visit
    row = next(
        r
        for r in ledger.list_findings(store, ledger.LedgerFilter(enterprise_id=firms[5].id), today)
    )
    ledger.update_finding(
        store,
        row.id,
        FollowUpResult(row.id, FindingStatus.RECTIFYING, "企业承诺三个月内调整派遣用工比例"),
        on=d(30),
        today=today,
    )

    credit.add_credit_note(
        store,
        firms[0].id,
        CreditNoteKind.UNTRUSTWORTHY,
        d(118),
        "拖欠职工工资两个月，经督促后补发",
        today=today,
    )
    credit.add_credit_note(
        store,
        firms[0].id,
        CreditNoteKind.REPAIRED,
        d(60),
        "已全额补发并作出守信承诺，申请信用修复",
        today=today,
    )
    for index in (10, 11, 12):
        credit.add_credit_note(
            store,
            firms[index].id,
            CreditNoteKind.TRUSTWORTHY,
            d(rng.randrange(20, 90)),
            "按时足额支付工资，全年无劳动保障违法记录",
            today=today,
        )
    s = ledger.ledger_summary(store, today)
    return (
        f"企业走访 {visits} 次；问题台账：待整改 {s.open}、整改中 {s.rectifying}、已整改 {s.rectified}、"
        f"移交监察 {s.escalated}（逾期 {s.overdue}）；信用记录 6 条"
    )
