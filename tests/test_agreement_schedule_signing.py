"""Issue 13 point 4: the per-worker schedule of a multi-worker agreement, and signing (who signed
for each party, in what capacity; no settlement signed under general authority; 授权委托书).

Each test reads the printed PDF's text with pdftotext (poppler).
"""

from __future__ import annotations

import subprocess
from datetime import date
from decimal import Decimal

import pytest

from app.cases import agreements
from app.cases.detail import load_case
from app.cases.errors import FormInvalid
from app.cases.schedule import ShareInput
from app.cases.signing import SignatureInput
from app.documents.case_documents import DocumentUnavailable, load_context, render
from app.domain.enums import SignCapacity, TermKind
from tests.cases_support import (
    SIGNED_ON,
    AgentInput,
    agreement_input,
    id_number,
    in_mediation,
    worker,
)


def pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return "".join(out.split())


def load(store, case_id):
    with store.read() as s:
        return load_case(s, case_id)


THREE = [
    worker("张伟", seq=12),
    worker("李秀英", seq=33, male=False),
    worker("王强", seq=41),
]


def wages_term(**extra) -> agreements.TermInput:
    values = dict(
        kind=TermKind.PAYMENT,
        item="wages",
        amount=Decimal("9000"),
        due_on=date(2026, 3, 20),
        method="银行转账",
    )
    values.update(extra)
    return agreements.TermInput(**values)


def shares(d, amounts, **extra):
    return [
        ShareInput(person_id=p.person_id, amount=a, **extra)
        for p, a in zip(d.applicants, amounts, strict=True)
    ]


def problems_of(exc) -> str:
    return "；".join(f"{p.label}：{p.message}" for p in exc.value.problems)


# ---------------------------------------------------------------- schedule


def test_a_multi_worker_payment_needs_a_payee_or_a_schedule(store):
    case_id = in_mediation(store, workers=THREE)
    draft = agreements.save_draft(store, case_id, agreement_input(terms=[wages_term()]))
    with pytest.raises(FormInvalid) as refused:
        agreements.sign(store, draft, signed_on=SIGNED_ON, today=SIGNED_ON)
    text = problems_of(refused)
    assert "第1项收款人" in text and "须指定收款人" in text and "分配明细" in text
    # Naming one worker as payee is enough for that term.
    d = load(store, case_id)
    agreements.save_draft(
        store,
        case_id,
        agreement_input(terms=[wages_term(payee_person_id=d.applicants[1].person_id)]),
    )
    agreements.sign(store, draft, signed_on=SIGNED_ON, today=SIGNED_ON)


def test_a_schedule_must_add_up_to_the_term_and_names_the_difference(store):
    case_id = in_mediation(store, workers=THREE)
    d = load(store, case_id)
    with pytest.raises(FormInvalid) as short:
        agreements.save_draft(
            store,
            case_id,
            agreement_input(terms=[wages_term(schedule=shares(d, ["3000", "3000", "2000"]))]),
        )
    text = problems_of(short)
    assert "第1项分配明细" in text
    assert "合计8000.00元，与该项金额9000.00元不符，少1000.00元" in text
    with pytest.raises(FormInvalid) as twice:
        agreements.save_draft(
            store,
            case_id,
            agreement_input(
                terms=[
                    wages_term(
                        schedule=[
                            ShareInput(d.applicants[0].person_id, "4500"),
                            ShareInput(d.applicants[0].person_id, "4500"),
                        ]
                    )
                ]
            ),
        )
    assert "张伟已在本项明细中列出" in problems_of(twice)
    with pytest.raises(FormInvalid) as both:
        agreements.save_draft(
            store,
            case_id,
            agreement_input(
                terms=[
                    wages_term(
                        payee_person_id=d.applicants[0].person_id,
                        schedule=shares(d, ["3000", "3000", "3000"]),
                    )
                ]
            ),
        )
    assert "请二选一" in problems_of(both)
    # Nothing was stored by the refused saves.
    assert load(store, case_id).draft_agreement is None


def test_the_printed_agreement_shows_each_workers_amount_and_id_number(store, tmp_path):
    case_id = in_mediation(store, workers=THREE)
    d = load(store, case_id)
    rows = shares(d, ["3000", "2500.50", "3499.50"], method="银行转账")
    rows[2].due_on = date(2026, 3, 31)
    rows[2].method = "现金"
    rows[0].account = "6222020200112233445"
    terms = [wages_term(schedule=rows), *agreement_input().terms[2:]]
    draft = agreements.save_draft(
        store, case_id, agreement_input(terms=terms, performance_deadline=date(2026, 4, 10))
    )
    agreements.sign(store, draft, signed_on=SIGNED_ON, today=SIGNED_ON)
    text = pdftotext(render("agreement", load_context(store, case_id)), tmp_path)
    assert "向申请人张伟等3人（每人金额、履行日期及支付方式见本项分配明细）支付" in text
    assert "第一项分配明细（共3人，合计9,000.00元）" in text
    for p, amount in zip(d.applicants, ("3,000.00", "2,500.50", "3,499.50"), strict=True):
        assert p.id_number in text, p.name
        assert p.name in text and amount in text
    assert "6222020200112233445" in text
    assert "2026年3月31日" in text and "现金" in text
    # The signed snapshot carries the schedule (a later edit of a worker cannot change it).
    with store.read() as s:
        content = agreements.signed_content(s, draft)
    assert [r["amount"] for r in content["terms"][0]["schedule"]] == [
        "3000.00",
        "2500.50",
        "3499.50",
    ]
    assert content["terms"][0]["schedule"][0]["id_number"] == id_number(seq=12)


def test_a_draft_with_a_schedule_row_without_amount_is_not_printed(store):
    case_id = in_mediation(store, workers=THREE)
    d = load(store, case_id)
    # A schedule row without its amount cannot be saved at all.
    with pytest.raises(FormInvalid) as missing:
        agreements.save_draft(
            store,
            case_id,
            agreement_input(terms=[wages_term(schedule=shares(d, ["3000", None, "3000"]))]),
        )
    assert "第1项分配明细第2行金额" in problems_of(missing)
    with pytest.raises(DocumentUnavailable):
        render("agreement", load_context(store, case_id))


# ---------------------------------------------------------------- signing


def agents_case(store, authority="一般授权"):
    from tests.test_documents_legal import employer

    return in_mediation(
        store,
        respondent=employer(31),
        agents=[
            AgentInput(
                side="respondent",
                name="李经理",
                organisation="福州第31号商贸有限公司人事部",
                phone="13800000031",
                authority=authority,
            ),
            AgentInput(
                side="applicant",
                name="赵律师",
                organisation="福建某律师事务所",
                phone="13800000032",
                authority="特别授权",
                for_worker=0,
            ),
        ],
    )


def test_an_agent_with_only_general_authority_cannot_sign(store):
    case_id = agents_case(store, "一般授权")
    draft = agreements.save_draft(store, case_id, agreement_input())
    d = load(store, case_id)
    worker_party, employer_party = d.applicants[0], d.respondent
    agent = next(a for a in d.agents if a.name == "李经理")
    for capacity in (SignCapacity.AGENT_GENERAL, SignCapacity.AGENT_SPECIAL):
        with pytest.raises(FormInvalid) as refused:
            agreements.sign(
                store,
                draft,
                signed_on=SIGNED_ON,
                today=SIGNED_ON,
                signatures=[
                    SignatureInput(worker_party.id, SignCapacity.SELF),
                    SignatureInput(
                        employer_party.id, capacity, agent_party_id=agent.id, seal_applied=True
                    ),
                ],
            )
        text = problems_of(refused)
        assert "委托代理人李经理的代理权限为“一般授权”，不能代为签署" in text
        assert "须有委托人的特别授权（《中华人民共和国民事诉讼法》第六十二条）" in text
    assert load(store, case_id).current_agreement is None  # nothing signed
    # An agent not recorded on the case, a missing party, a capacity that does not fit.
    with pytest.raises(FormInvalid) as wrong:
        agreements.sign(
            store,
            draft,
            signed_on=SIGNED_ON,
            today=SIGNED_ON,
            signatures=[SignatureInput(worker_party.id, SignCapacity.LEGAL_REP, "张伟")],
        )
    text = problems_of(wrong)
    assert "劳动者不能以“法定代表人”身份签署" in text
    assert "未登记该当事人的签署情况" in text
    with pytest.raises(FormInvalid) as nobody:
        agreements.sign(
            store,
            draft,
            signed_on=SIGNED_ON,
            today=SIGNED_ON,
            signatures=[
                SignatureInput(worker_party.id, SignCapacity.SELF),
                SignatureInput(employer_party.id, SignCapacity.LEGAL_REP, "", seal_applied=False),
            ],
        )
    assert "或者加盖单位印章" in problems_of(nobody)


def test_who_signed_and_in_what_capacity_is_printed_and_fixed(store, tmp_path):
    case_id = agents_case(store, "特别授权")
    draft = agreements.save_draft(store, case_id, agreement_input())
    d = load(store, case_id)
    lawyer = next(a for a in d.agents if a.name == "赵律师")
    manager = next(a for a in d.agents if a.name == "李经理")
    agreements.sign(
        store,
        draft,
        signed_on=SIGNED_ON,
        today=SIGNED_ON,
        signatures=[
            SignatureInput(
                d.applicants[0].id, SignCapacity.AGENT_SPECIAL, agent_party_id=lawyer.id
            ),
            SignatureInput(
                d.respondent.id,
                SignCapacity.AGENT_SPECIAL,
                agent_party_id=manager.id,
                seal_applied=True,
            ),
        ],
    )
    text = pdftotext(render("agreement", load_context(store, case_id)), tmp_path)
    assert "签署情况（签署时登记）" in text
    assert "申请人张伟赵律师委托代理人（特别授权）—" in text
    assert "福州第31号商贸有限公司李经理委托代理人（特别授权）已加盖印章" in text
    with store.read() as s:
        content = agreements.signed_content(s, draft)
        assert agreements.verify_signed(s, draft)
    assert [x["capacity"] for x in content["signatures"]] == ["agent_special", "agent_special"]
    assert load(store, case_id).current_agreement.signatures == content["signatures"]


def test_signing_by_default_records_each_worker_in_person_and_the_employer_sealed(store, tmp_path):
    from tests.cases_support import signed

    case_id, _agreement_id = signed(store)
    text = pdftotext(render("agreement", load_context(store, case_id)), tmp_path)
    assert "申请人张伟张伟本人—" in text
    assert "福州闽江餐饮管理有限公司林建国法定代表人已加盖印章" in text


def test_the_signature_record_cannot_be_changed_after_signing(store):
    from sqlalchemy import text as sql

    from tests.cases_support import signed

    _case_id, agreement_id = signed(store)
    import sqlalchemy.exc

    with pytest.raises(sqlalchemy.exc.IntegrityError), store.unit_of_work() as s:
        s.execute(
            sql("UPDATE mediation_agreement SET signatures = '[]' WHERE id = :id"),
            {"id": agreement_id},
        )
    # Nor the schedule of a signed term.
    with pytest.raises(sqlalchemy.exc.IntegrityError), store.unit_of_work() as s:
        s.execute(
            sql("UPDATE agreement_term SET schedule = '[]' WHERE agreement_id = :id"),
            {"id": agreement_id},
        )


def test_the_power_of_attorney_lists_the_special_authority_items(store, tmp_path):
    case_id = agents_case(store, "一般授权")
    text = pdftotext(render("authorization", load_context(store, case_id)), tmp_path)
    assert text.count("授权委托书") >= 2  # a page per recorded agent
    for expected in (
        "委托人",
        "受托人（委托代理人）",
        "李经理",
        "赵律师",
        "代为签署调解协议书",
        "代为承认、放弃、变更调解请求",
        "第二十四条",
        "第六十二条",
        "仅有一般授权的代理人不能代为签署调解协议书",
    ):
        assert expected in text, expected
    # Without agents: a blank form per party.
    from tests.test_documents_legal import employer

    plain = in_mediation(store, respondent=employer(32))
    blank = pdftotext(render("authorization", load_context(store, plain)), tmp_path)
    assert "张伟" in blank and "福州第32号商贸有限公司" in blank
