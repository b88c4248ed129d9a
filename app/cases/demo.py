"""Demo step of the cases area: cases in every state, with sessions, agreements (signed, one
superseded by a second version) and performance (paid, partly paid, overdue). Invented data."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.cases import agreements, followup, performance, referral, sessions, workflow
from app.cases.agreements import AgreementInput, TermInput
from app.cases.detail import load_case
from app.cases.enterprises import EnterpriseInput
from app.cases.intake import (
    AgentInput,
    ClaimInput,
    EnterpriseChoice,
    IntakeForm,
    WorkerInput,
    oral_record_template,
    register_case,
)
from app.cases.schedule import ShareInput
from app.domain.dates import compact_date
from app.domain.enums import CaseStatus, FailureReason, TermKind
from app.store.models import DisputeCase, Enterprise

S = CaseStatus

FACTS = {
    "wages": "申请人于{start}入职被申请人处，从事{job}工作，月工资{salary}元。被申请人自{owed}起拖欠申请人工资，经多次催讨未果。",
    "overtime": "申请人在被申请人处工作期间，经常延长工作时间，被申请人未依法支付加班工资。",
    "compensation": "被申请人以经营困难为由解除与申请人的劳动合同，未依法支付经济补偿。",
    "termination": "被申请人未提前通知即口头辞退申请人，申请人认为被申请人违法解除劳动合同。",
    "social_insurance": "被申请人未为申请人依法缴纳社会保险费。",
    "work_injury": "申请人在工作中受伤，已认定为工伤，被申请人未支付工伤医疗费。",
    "rest_leave": "申请人工作满一年以上，被申请人未安排带薪年休假，也未支付未休年休假工资报酬。",
    "other": "申请人要求被申请人返还押金并出具离职证明，被申请人未予办理。",
    "employment_status": "申请人自{start}起在被申请人处从事{job}工作，双方未订立书面劳动合同，被申请人否认与申请人存在劳动关系。",
}
JOBS = [
    "服务员",
    "厨师",
    "收银员",
    "保洁员",
    "保安",
    "程序员",
    "客服",
    "仓管员",
    "钢筋工",
    "木工",
    "电工",
]


def _at(day: date, hour: int) -> datetime:
    """Local time on ``day``, as an aware datetime."""
    return datetime.combine(day, time(hour, 0)).astimezone()


class _Builder:
    """Runs the scenarios. First in ``recording`` mode (registrations are only collected, so that
    they can be made in date order: case numbers follow the day cases came in), then for real,
    with each registration taken from the ones made."""

    def __init__(self, store, rng: random.Random, today: date, registered: list[str] | None = None):
        from app import demo

        self.store, self.rng, self.today, self.demo = store, rng, today, demo
        self.recording = registered is None
        self.requests: list[tuple[date, dict]] = []
        self.registered = list(registered or [])
        with store.read() as s:
            self.enterprises = list(
                s.scalars(
                    select(Enterprise.id)
                    .where(Enterprise.street_code == store.station.code)
                    .order_by(Enterprise.name)
                )
            )
        self.seq = 0
        self.now = datetime.now(UTC)

    def worker(self, **extra) -> WorkerInput:
        rng = self.rng
        male = rng.random() < 0.6
        born = date(rng.randrange(1968, 2003), rng.randrange(1, 13), rng.randrange(1, 29))
        return WorkerInput(
            name=self.demo.person_name(rng),
            id_number=self.demo.id_number(rng, born, male),
            phone=self.demo.mobile(rng),
            address=self.demo.address(rng),
            job=rng.choice(JOBS),
            **extra,
        )

    def register(self, received: date, **options) -> str:
        if self.recording:
            self.requests.append((received, options))
            return f"#{len(self.requests) - 1}"
        return self.registered.pop(0)

    def register_all(self) -> list[str]:
        """Register the recorded cases oldest first; ids in the order they were asked for."""
        order = sorted(range(len(self.requests)), key=lambda i: self.requests[i][0])
        ids: dict[int, str] = {}
        for i in order:
            received, options = self.requests[i]
            ids[i] = self._register(received, **options)
        return [ids[i] for i in range(len(self.requests))]

    def _register(self, received: date, *, types=("wages",), workers: int = 1, **extra) -> str:
        rng = self.rng
        salary = rng.choice([3500, 4200, 4800, 5500, 6800, 8000])
        claims = []
        for t in types:
            amount = (
                None
                if t in ("termination", "social_insurance", "employment_status")
                # a claim of several workers: each worker's months
                else Decimal(salary * rng.choice([1, 2, 3]) * workers)
            )
            claims.append(ClaimInput(t, amount))
        people = [self.worker(is_representative=workers >= 10 and i < 2) for i in range(workers)]
        job = people[0].job
        facts = FACTS[types[0]].format(
            start=f"{received.year - 1}年{rng.randrange(1, 13)}月",
            job=job,
            salary=salary,
            owed=f"{received.year}年{max(1, received.month - 2)}月",
        )
        values = dict(
            received_on=received,
            channel=rng.choice(
                ["walk_in", "walk_in", "hotline_12345", "police_110", "online", "petition"]
            ),
            workers=people,
            respondent=EnterpriseChoice(enterprise_id=rng.choice(self.enterprises)),
            claims=claims,
            facts=facts,
            requests="请求被申请人依法支付上述款项。",
        )
        if any(t in ("compensation", "termination") for t in types):
            values["employment_status"] = "ended"
            values["employment_ended_on"] = received - timedelta(days=rng.randrange(5, 40))
        else:
            values["employment_status"] = rng.choice(["ongoing", "ongoing", "unknown"])
        if values["channel"] in ("hotline_12345", "police_110", "petition"):
            values["channel_ref"] = f"{compact_date(received)}{rng.randrange(1000, 9999)}"
        values.update(extra)
        form = IntakeForm(**values)
        if form.oral and not form.oral_record:
            form.oral_record = oral_record_template(form, "陈调解", _at(received, 9))
        case_id = register_case(self.store, form, today=received).case_id
        # Demo cases are back-dated: registered on the day they came in, as at a real station.
        with self.store.unit_of_work() as s:
            s.get(DisputeCase, case_id).registered_at = _at(received, 9)
        return case_id

    def accept(self, case_id: str, on: date) -> None:
        if self.recording:
            return
        workflow.change_status(self.store, case_id, S.ACCEPTED, on=on, today=on)

    def session(
        self, case_id: str, on: date, outcome: str = "双方意见分歧，约定再次调解。"
    ) -> None:
        if self.recording:
            return
        with self.store.read() as s:
            d = load_case(s, case_id)
        sessions.add_session(
            self.store,
            case_id,
            sessions.SessionInput(
                held_at=_at(on, 9),
                ended_at=_at(on, 11),
                place=f"{self.store.station.name}劳动关系服务室",
                mediators="陈调解",
                recorder="林记录",
                attendees=f"申请人{d.applicant_names(3)}；被申请人{d.respondent.name}委托代理人（人事主管）",
                record=(
                    "调解员告知双方当事人的权利义务及调解的自愿原则。\n"
                    f"申请人陈述：{d.facts}\n"
                    "被申请人答辩：认可拖欠事实，但称资金周转困难，希望分期支付。\n"
                    "调解员意见：根据《劳动合同法》和《保障农民工工资支付条例》，用人单位应按时足额支付工资。"
                ),
                outcome=outcome,
            ),
            today=on,
            now=self.now,
        )

    def agree(
        self,
        case_id: str,
        signed_on: date,
        *,
        due: list[int],
        fraction: float = 0.9,
        contractor_pays_first: bool = False,
    ) -> str:
        if self.recording:
            return ""
        with self.store.read() as s:
            d = load_case(s, case_id)
        total = sum((c.amount or Decimal(0) for c in d.claims), Decimal(0)) or Decimal(5000)
        agreed = (total * Decimal(str(fraction))).quantize(Decimal("1"))
        parts = len(due)
        terms = []
        for i, days in enumerate(due):
            amount = (
                (agreed / parts).quantize(Decimal("0.01"))
                if i < parts - 1
                else agreed - sum((t.amount for t in terms), Decimal(0))
            )
            terms.append(
                TermInput(
                    kind=TermKind.PAYMENT,
                    item="wages"
                    if d.claims[0].dispute_type in ("wages", "overtime")
                    else "compensation",
                    description=f"第{i + 1}期款项",
                    amount=amount,
                    due_on=signed_on + timedelta(days=days),
                    method="银行转账",
                )
            )
        if len(d.applicants) > 1:
            # Several workers: each payment carries each worker's share (issue 13 point 4).
            for t in terms:
                t.schedule = self.shares(d, t.amount)
        if contractor_pays_first:
            # 保障农民工工资支付条例 Art. 30: the general contractor clears the arrears first
            gc = next(p for p in d.respondents if p.role.value == "general_contractor")
            terms[0].payer_enterprise_id = gc.enterprise_id
        terms.append(
            TermInput(
                kind=TermKind.OBLIGATION,
                item="other",
                description="被申请人为申请人出具工资结算清单",
                due_on=signed_on + timedelta(days=min(due)),
            )
        )
        draft = agreements.save_draft(
            self.store,
            case_id,
            AgreementInput(
                facts=d.facts or "",
                terms=terms,
                other_terms="双方就本劳动争议再无其他纠纷。",  # the parties' own term
                performance_deadline=signed_on + timedelta(days=max(due)),
                copies=3,
            ),
        )
        agreements.sign(self.store, draft, signed_on=signed_on, today=signed_on)
        return draft

    def shares(self, d, amount: Decimal) -> list[ShareInput]:
        """Each worker's share of ``amount`` (uneven, as real wage arrears are), paid to an
        invented bank account; the shares add up to the amount."""
        weights = [self.rng.randrange(8, 13) for _ in d.applicants]
        out, left = [], amount
        for i, p in enumerate(d.applicants):
            if i < len(d.applicants) - 1:
                part = (amount * weights[i] / sum(weights)).quantize(Decimal("0.01"))
                left -= part
            else:
                part = left
            account = "6217" + "".join(str(self.rng.randrange(10)) for _ in range(15))
            out.append(ShareInput(p.person_id, part, method="银行转账", account=account))
        return out

    def follow_up(
        self,
        case_id: str,
        on: date,
        method: str,
        received: Decimal | None = None,
        note: str = "",
        *,
        term_paid: int | None = None,
    ) -> None:
        """A follow-up visit; ``term_paid``: the worker reports that term paid in full."""
        if self.recording:
            return
        with self.store.read() as s:
            d = load_case(s, case_id)
        first = d.applicants[0]
        if term_paid is not None:
            t = next(t for t in d.current_agreement.terms if t.seq == term_paid)
            received = t.amount - t.paid
        followup.record_followup(
            self.store,
            case_id,
            followup.FollowUpInput(
                on, method, f"申请人{first.name} {first.phone or ''}".strip(), received, note=note
            ),
            today=on,
        )

    def pay(self, case_id: str, seq: int, on: date, fraction: float = 1.0) -> None:
        if self.recording:
            return
        with self.store.read() as s:
            term = next(t for t in load_case(s, case_id).current_agreement.terms if t.seq == seq)
        amount = (
            None
            if term.amount is None
            else (term.amount * Decimal(str(fraction))).quantize(Decimal("0.01"))
        )
        performance.record_performance(
            self.store,
            term.id,
            performance.PerformanceInput(on, amount, "银行转账", "申请人确认收到"),
            today=on,
        )

    def status(self, case_id: str, target: CaseStatus, on: date, **kw) -> None:
        if self.recording:
            return
        workflow.change_status(self.store, case_id, target, on=on, today=on, **kw)

    def refer(self, case_id: str, on: date) -> None:
        """Refer a wage case to labor inspection, then record what the inspection did."""
        if self.recording:
            return
        with self.store.read() as s:
            d = load_case(s, case_id)
        workers = referral.default_workers(d)
        for w in workers:
            w.period = f"{on.year - 1}年10月至{on.year}年{max(1, on.month - 1)}月"
            w.amount = w.amount or Decimal(self.rng.choice([6000, 8400, 12000]))
        referral.save_referral(
            self.store,
            case_id,
            referral.ReferralInput(
                referred_on=on,
                developer="福州某置业发展有限公司",
                contractor_kind="individual",
                foreman_name=self.demo.person_name(self.rng),
                foreman_phone=self.demo.mobile(self.rng),
                absconding=["unreachable", "premises_closed"],
                absconding_note="包工头自调解前一日起电话关机，工地项目部已撤离。",
                evidence="考勤记录复印件1份\n包工头出具的工资欠条1张\n工友微信群聊天记录截图4页",
                workers=workers,
            ),
            tracking=referral.TrackingInput(
                inspection_case_no=f"鼓人社监〔{on.year}〕{self.rng.randrange(10, 99)}号",
                order_on=on + timedelta(days=3),
                order_note="劳动保障监察限期整改指令书，限7日内支付",
                police_transfer_on=on + timedelta(days=12),
                police_note="逾期未支付，监察大队告知已移送公安机关",
            ),
            today=on + timedelta(days=12),
        )

    def extend(self, case_id: str, until: date, note: str, on: date) -> None:
        if not self.recording:
            workflow.extend_mediation(self.store, case_id, until, note, today=on)

    def revise(self, case_id: str, reason: str, signed_on: date, change) -> None:
        """A second version of the signed agreement: ``change(AgreementInput)`` edits a copy."""
        if self.recording:
            return
        version = agreements.new_version(self.store, case_id, reason)
        with self.store.read() as s:
            detail = load_case(s, case_id)
        data = agreements.input_from(detail.draft_agreement)
        change(data)
        agreements.save_draft(self.store, case_id, data, agreement_id=version)
        agreements.sign(self.store, version, signed_on=signed_on, today=signed_on)


def demo_cases(store, rng: random.Random, today: date) -> str:
    recorder = _Builder(store, rng, today)
    _scenarios(recorder, today)
    ids = recorder.register_all()
    made = _scenarios(_Builder(store, rng, today, registered=ids), today)
    with store.read() as s:
        states: dict[CaseStatus, int] = {}
        for case_id in made:
            st = load_case(s, case_id).status
            states[st] = states.get(st, 0) + 1
    summary = "、".join(
        f"{st.label}{n}"
        for st, n in sorted(states.items(), key=lambda kv: list(CaseStatus).index(kv[0]))
    )
    return f"调解案件 {len(made)} 件（{summary}）"


def _scenarios(b: _Builder, today: date) -> list[str]:
    rng = b.rng
    T = today
    d = timedelta
    made = []

    # Registered, not yet accepted (one oral application, one referral).
    made.append(b.register(T - d(1)))
    made.append(b.register(T, oral=True, types=("wages", "overtime")))
    made.append(b.register(T - d(2), types=("termination", "compensation"), is_migrant_worker=True))
    # Accepted.
    for offset in (5, 6):
        case = b.register(T - d(offset), types=("social_insurance",))
        b.accept(case, T - d(offset))
        made.append(case)
    # In mediation: running, due soon, past the 15 days, extended with consent.
    for offset in (4, 13, 20):
        case = b.register(T - d(offset))
        b.accept(case, T - d(offset))
        b.session(case, T - d(offset) + d(2))
        made.append(case)
    case = b.register(T - d(17), types=("wages", "compensation"))
    b.accept(case, T - d(17))
    b.session(case, T - d(15))
    b.extend(
        case, T + d(10), "双方当事人在第二次调解时当场同意延长调解期限，已在笔录上签字", T - d(3)
    )
    made.append(case)
    # Collective construction wage case of migrant workers, in mediation.
    case = b.register(
        T - d(9),
        workers=12,
        is_construction=True,
        is_migrant_worker=True,
        project_name="鼓楼区某安置房二期工程",
        general_contractor=EnterpriseChoice(
            new=EnterpriseInput(
                name="福建八闽建设工程有限公司",
                credit_code=b.demo.credit_code(rng),
                legal_rep=b.demo.person_name(rng),
            )
        ),
        agents=[
            AgentInput(
                side="applicant",
                name=b.demo.person_name(rng),
                organisation="福建鼓楼律师事务所",
                phone=b.demo.mobile(rng),
                authority="特别授权",
            )
        ],
    )
    b.accept(case, T - d(9))
    b.session(case, T - d(7))
    made.append(case)
    # Declined (one closed), failed (one closed), withdrawn.
    case = b.register(T - d(12), types=("other",))
    b.status(
        case,
        S.DECLINED,
        T - d(11),
        reason="该争议已由鼓楼区劳动人事争议仲裁委员会立案受理",
        decline_category="pending_elsewhere",
    )
    made.append(case)
    case = b.register(T - d(40), types=("other",))
    b.status(
        case,
        S.DECLINED,
        T - d(39),
        reason="双方为承揽合同关系（承揽合同纠纷）",
        decline_category="not_labor_dispute",
    )
    b.status(case, S.CLOSED, T - d(38))
    made.append(case)  # declined, then closed: the decline notice still prints
    case = b.register(T - d(14), types=("wages",))
    b.status(
        case,
        S.DECLINED,
        T - d(13),
        reason="被申请人书面表示不同意调解",
        decline_category="respondent_refused",
    )
    made.append(case)
    case = b.register(T - d(16), types=("wages",))
    b.status(
        case,
        S.DECLINED,
        T - d(15),
        reason="用人单位及劳动合同履行地均在仓山区，应向仓山区有关街道调解组织申请",
        decline_category="out_of_scope",
    )
    made.append(case)
    case = b.register(T - d(25), types=("termination", "compensation"))
    b.accept(case, T - d(25))
    b.session(case, T - d(22), "双方对赔偿金额分歧较大，未能达成协议。")
    b.status(
        case,
        S.FAILED,
        T - d(8),
        failure_reason=FailureReason.NO_AGREEMENT,
        reason="双方对赔偿金额分歧较大",
    )
    made.append(case)
    case = b.register(T - d(30), types=("rest_leave",))
    b.accept(case, T - d(30))
    b.status(
        case,
        S.FAILED,
        T - d(28),
        failure_reason=FailureReason.PARTY_REFUSED,
        reason="被申请人明确拒绝调解",
    )
    b.status(case, S.CLOSED, T - d(27))
    made.append(case)
    case = b.register(T - d(10))
    b.accept(case, T - d(10))
    b.session(case, T - d(8))
    b.status(case, S.WITHDRAWN, T - d(6), reason="被申请人已自行支付，申请人书面撤回调解申请")
    made.append(case)
    # Construction wage case: agreement whose first term the general contractor pays first.
    case = b.register(
        T - d(11),
        workers=3,
        is_construction=True,
        is_migrant_worker=True,
        project_name="鼓楼区某学校改扩建工程",
        general_contractor=EnterpriseChoice(
            new=EnterpriseInput(
                name="福建闽都建工集团有限公司",
                credit_code=b.demo.credit_code(rng),
                legal_rep=b.demo.person_name(rng),
            )
        ),
    )
    b.accept(case, T - d(11))
    b.session(case, T - d(9), "双方达成调解协议，工资由施工总承包单位先行清偿。")
    b.agree(case, T - d(8), due=[10, 20], contractor_pays_first=True)
    made.append(case)
    # Agreement reached, terms still running.
    for offset in (6, 8):
        case = b.register(T - d(offset))
        b.accept(case, T - d(offset))
        b.session(case, T - d(offset) + d(1), "双方达成调解协议。")
        b.agree(case, T - d(offset) + d(2), due=[10, 25])
        made.append(case)
    # Performing: partly paid, overdue, and one with a second version superseding the first.
    case = b.register(T - d(30), types=("wages", "overtime"))
    b.accept(case, T - d(30))
    b.session(case, T - d(28), "双方达成调解协议。")
    b.agree(case, T - d(27), due=[10, 40])
    b.status(case, S.PERFORMING, T - d(26))
    b.pay(case, 1, T - d(18))
    b.pay(case, 3, T - d(20))
    made.append(case)  # first instalment paid, second still running
    case = b.register(T - d(45))
    b.accept(case, T - d(45))
    b.session(case, T - d(43), "双方达成调解协议。")
    b.agree(case, T - d(42), due=[12, 20])
    b.status(case, S.PERFORMING, T - d(41))
    b.pay(case, 1, T - d(29), 0.5)
    b.follow_up(case, T - d(27), "上门", Decimal(0), "被申请人称资金周转困难，余款尚未支付")
    made.append(case)  # first instalment half paid, both overdue: payment-order route; the
    # second due date has no follow-up yet: the workbench reminds
    case = b.register(T - d(35), types=("wages", "compensation"))
    b.accept(case, T - d(35))
    b.session(case, T - d(33), "双方达成调解协议。")
    b.agree(case, T - d(32), due=[8, 15])
    b.pay(case, 1, T - d(24))  # paid under version 1

    def later_second_instalment(data: AgreementInput) -> None:
        data.terms = data.terms[1:]  # a new version lists what is still to be performed
        data.terms[0].due_on = T + d(20)
        data.terms[1].due_on = T - d(15)
        data.performance_deadline = T + d(20)

    b.revise(
        case,
        "第一期已付清；被申请人申请延期支付第二期款项，申请人同意",
        T - d(20),
        later_second_instalment,
    )
    b.status(case, S.PERFORMING, T - d(19))
    b.pay(case, 2, T - d(16))
    made.append(case)  # version 1 superseded
    # Collective wage case (11 workers): agreement with each worker's share, being performed;
    # a follow-up found the first instalment paid, the second is not yet due.
    case = b.register(T - d(26), workers=11, types=("wages",), is_migrant_worker=True)
    b.accept(case, T - d(26))
    b.session(case, T - d(24), "双方达成调解协议，按每人拖欠金额分两期支付。")
    b.agree(case, T - d(23), due=[10, 30])
    b.status(case, S.PERFORMING, T - d(22))
    b.follow_up(case, T - d(12), "电话", note="推举代表确认第一期已按明细到账", term_paid=1)
    made.append(case)
    # Closed after full performance, and archived.
    for offset, archived in ((60, False), (90, True), (120, True)):
        case = b.register(T - d(offset))
        b.accept(case, T - d(offset))
        b.session(case, T - d(offset) + d(1), "双方达成调解协议。")
        b.agree(case, T - d(offset) + d(2), due=[5])
        for seq in (1, 2):
            b.pay(case, seq, T - d(offset) + d(6))
        b.status(case, S.CLOSED, T - d(offset) + d(8))
        if archived:
            b.status(
                case, S.ARCHIVED, T - d(offset) + d(15), archive_no=f"{T.year}-调解-{offset:03d}"
            )
        made.append(case)
    made += _referral_and_parties(b, today)
    return made


def _referral_and_parties(b: _Builder, today: date) -> list[str]:
    """Issue 13 points 6 and 8: a 确认劳动关系 case, an employer's application, a dispatch case
    with its host employer, and a construction wage case referred to labor inspection (with the
    inspection's order and its transfer to the police recorded), failed and closed: its file
    cover lists the referral."""
    rng, T, d = b.rng, today, timedelta
    made = []
    case = b.register(T - d(7), types=("employment_status", "wages"), employment_status="unknown")
    b.accept(case, T - d(7))
    b.session(case, T - d(5))
    made.append(case)
    case = b.register(
        T - d(3),
        types=("other",),
        applicant_side="employer",
        facts="被申请人参加申请人出资的专项技术培训后，未满服务期即离职，申请人要求其按约定返还培训费用。",
        requests="请求被申请人按服务期约定返还培训费用。",
    )
    b.accept(case, T - d(2))
    made.append(case)
    case = b.register(
        T - d(6),
        is_dispatch=True,
        host_employer=EnterpriseChoice(
            new=EnterpriseInput(
                name="福州榕城电子科技有限公司",
                credit_code=b.demo.credit_code(rng),
                legal_rep=b.demo.person_name(rng),
            )
        ),
    )
    b.accept(case, T - d(6))
    b.session(case, T - d(4))
    made.append(case)
    case = b.register(
        T - d(26),
        workers=3,
        is_construction=True,
        is_migrant_worker=True,
        project_name="鼓楼区某老旧小区改造工程",
        police_incident_no=f"3501022{T.year}{rng.randrange(100000, 999999)}",
        general_contractor=EnterpriseChoice(
            new=EnterpriseInput(
                name="福建闽都建工集团有限公司",
                credit_code=b.demo.credit_code(rng),
                legal_rep=b.demo.person_name(rng),
            )
        ),
    )
    b.accept(case, T - d(26))
    b.session(case, T - d(24), "包工头未到场，电话关机，未能达成协议。")
    b.refer(case, T - d(23))
    b.status(
        case,
        S.FAILED,
        T - d(20),
        failure_reason=FailureReason.NO_AGREEMENT,
        reason="实际招用劳动者的包工头失联，未能达成协议",
    )
    b.status(case, S.CLOSED, T - d(10), reason="已移送劳动保障监察，告知申请人可申请仲裁")
    made.append(case)
    return made
