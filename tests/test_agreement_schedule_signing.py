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
    assert "第一项分配明细（共3人，合计人民币9,000.00元" in text
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
