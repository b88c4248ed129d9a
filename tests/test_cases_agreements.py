"""Agreements: drafting, signing (what Art. 14/16 need), and a signed agreement that no code path
can change: not the ORM, not a Core update, not raw SQL. Changes make a new version."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from app.cases import agreements
from app.cases.detail import load_case
from app.cases.errors import FormInvalid, WorkflowRefused
from app.domain.enums import AgreementStatus, CaseStatus, TermKind
from app.store.models import AgreementSnapshot, AgreementTerm, MediationAgreement, Person
from app.store.models.case_records import SignedAgreementFixed
from tests.cases_support import SIGNED_ON, agreement_input, in_mediation, register, signed


def test_draft_then_sign_fixes_the_content_and_reaches_agreement(store):
    case_id = in_mediation(store)
    draft_id = agreements.save_draft(store, case_id, agreement_input())
    # A draft can be edited freely.
    agreements.save_draft(store, case_id, agreement_input(copies=4), agreement_id=draft_id)
    digest = agreements.sign(store, draft_id, signed_on=SIGNED_ON, today=SIGNED_ON)
    with store.read() as s:
        d = load_case(s, case_id)
        assert agreements.verify_signed(s, draft_id)
        content = agreements.signed_content(s, draft_id)
    assert d.status == CaseStatus.AGREEMENT_REACHED and d.outcome_on == SIGNED_ON
    a = d.current_agreement
    assert a.status == AgreementStatus.SIGNED and a.content_hash == digest and a.copies == 4
    assert [t.art16 for t in a.terms] == [True, True, False]
    # Payments default to the respondent as payer.
    assert a.terms[0].payer_enterprise_id == d.respondent.enterprise_id
    assert content["applicants"][0]["id_number"] == d.applicants[0].id_number
    assert content["terms"][1]["amount"] == "4000.50"
    assert content["signed_on"] == "2026-03-05"
    assert agreements.content_hash(content) == digest


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"performance_deadline": None}, "performance_deadline", "履行期限"),
        ({"facts": ""}, "facts", "争议的主要事实"),
        ({"terms": []}, "terms", "至少需要一项"),
        (
            {"terms": [agreements.TermInput(amount="100", method="现金")]},
            "terms[0].due_on",
            "确切的支付日期",
        ),
        (
            {"terms": [agreements.TermInput(due_on=date(2026, 3, 20), method="现金")]},
            "terms[0].amount",
            "确切金额",
        ),
        (
            {"terms": [agreements.TermInput(amount="100", due_on=date(2026, 3, 20))]},
            "terms[0].method",
            "支付方式",
        ),
        (
            {"terms": [agreements.TermInput(amount="100", due_on=date(2026, 5, 1), method="现金")]},
            "terms[0].due_on",
            "晚于协议的履行期限",
        ),
    ],
)
def test_signing_needs_exact_amounts_dates_and_methods(store, change, key, words):
    case_id = in_mediation(store)
    draft_id = agreements.save_draft(store, case_id, agreement_input(**change))
    with pytest.raises(FormInvalid) as caught:
        agreements.sign(store, draft_id, signed_on=SIGNED_ON, today=SIGNED_ON)
    problems = caught.value.by_key()
    assert words in problems.get(key, ""), problems
    with store.read() as s:
        assert s.get(MediationAgreement, draft_id).status == AgreementStatus.DRAFT
        assert s.scalar(select(AgreementSnapshot)) is None


def test_draft_input_errors(store):
    case_id = in_mediation(store)
    with pytest.raises(FormInvalid, match="金额应大于0"):
        agreements.save_draft(
            store, case_id, agreement_input(terms=[agreements.TermInput(amount="0")])
        )
    with pytest.raises(FormInvalid, match="份数"):
        agreements.save_draft(store, case_id, agreement_input(copies=1))
    with pytest.raises(FormInvalid, match="付款方应为本案的被申请人"):
        agreements.save_draft(
            store,
            case_id,
            agreement_input(terms=[agreements.TermInput(amount="5", payer_enterprise_id="x")]),
        )


def test_no_agreement_before_mediation(store):
    case = register(store)
    with pytest.raises(WorkflowRefused, match="请先开始调解"):
        agreements.save_draft(store, case.case_id, agreement_input())


# ---------------------------------------------------------------- immutability


def test_the_orm_cannot_change_a_signed_agreement(store):
    _case_id, agreement_id = signed(store)
    with pytest.raises(SignedAgreementFixed), store.unit_of_work() as s:
        s.get(MediationAgreement, agreement_id).performance_deadline = date(2026, 5, 1)
    with pytest.raises(SignedAgreementFixed), store.unit_of_work() as s:
        s.get(MediationAgreement, agreement_id).status = AgreementStatus.DRAFT
    with pytest.raises(SignedAgreementFixed), store.unit_of_work() as s:
        term = s.scalars(
            select(AgreementTerm).where(AgreementTerm.agreement_id == agreement_id)
        ).first()
        term.amount = Decimal("1.00")
    with pytest.raises(SignedAgreementFixed), store.unit_of_work() as s:
        s.add(
            AgreementTerm(
                agreement_id=agreement_id, seq=9, kind=TermKind.OBLIGATION, description="追加"
            )
        )
    with pytest.raises(SignedAgreementFixed), store.unit_of_work() as s:
        s.scalar(select(AgreementSnapshot)).content = "{}"
    with pytest.raises(SignedAgreementFixed):
        agreements.save_draft(store, _case_id, agreement_input(), agreement_id=agreement_id)
    with pytest.raises(SignedAgreementFixed):
        agreements.discard_draft(store, agreement_id)


def test_the_database_refuses_core_and_raw_sql_changes(store):
    _case_id, agreement_id = signed(store)
    attempts = [
        update(MediationAgreement).where(MediationAgreement.id == agreement_id).values(copies=9),
        update(MediationAgreement)
        .where(MediationAgreement.id == agreement_id)
        .values(deleted=True),
        update(AgreementTerm).where(AgreementTerm.agreement_id == agreement_id).values(amount=1),
        text("UPDATE agreement_snapshot SET content = '{}'"),
        text("DELETE FROM agreement_term WHERE agreement_id = :a").bindparams(a=agreement_id),
        text("DELETE FROM mediation_agreement WHERE id = :a").bindparams(a=agreement_id),
        text(
            "INSERT INTO agreement_term (id, station_code, created_at, updated_at, version, deleted, "
            "agreement_id, seq, kind, description, art16) VALUES ('t', 'GUDONG', '2026-01-01', "
            "'2026-01-01', 1, 0, :a, 9, 'obligation', 'x', 0)"
        ).bindparams(a=agreement_id),
    ]
    for statement in attempts:
        with (
            pytest.raises(IntegrityError, match="signed agreement is fixed"),
            store.unit_of_work() as s,
        ):
            s.execute(statement)
    with store.read() as s:
        assert agreements.verify_signed(s, agreement_id)
        assert s.get(MediationAgreement, agreement_id).copies == 3


def test_a_change_is_a_new_version_and_the_signed_one_is_kept(store):
    case_id, v1 = signed(store)
    with store.read() as s:
        v1_content = agreements.signed_content(s, v1)
        v1_hash = s.get(MediationAgreement, v1).content_hash
    with pytest.raises(WorkflowRefused, match="变更原因"):
        agreements.save_draft(store, case_id, agreement_input())
    v2 = agreements.new_version(store, case_id, "被申请人申请延期支付第二期款项")
    with pytest.raises(WorkflowRefused, match="继续编辑"):
        agreements.new_version(store, case_id, "again")
    later = agreement_input()
    later.terms[1].due_on = date(2026, 4, 30)
    later.performance_deadline = date(2026, 4, 30)
    agreements.save_draft(store, case_id, later, agreement_id=v2)
    # Until v2 is signed, v1 stays in force.
    with store.read() as s:
        assert load_case(s, case_id).current_agreement.id == v1
    agreements.sign(store, v2, signed_on=date(2026, 3, 12), today=date(2026, 3, 12))
    with store.read() as s:
        d = load_case(s, case_id)
        old = s.get(MediationAgreement, v1)
        assert old.status == AgreementStatus.SUPERSEDED
        assert old.content_hash == v1_hash and agreements.signed_content(s, v1) == v1_content
        assert agreements.verify_signed(s, v1) and agreements.verify_signed(s, v2)
        v2_content = agreements.signed_content(s, v2)
    assert d.current_agreement.id == v2 and d.current_agreement.version_no == 2
    assert d.status == CaseStatus.AGREEMENT_REACHED
    assert v2_content["supersedes_version"] == 1
    assert v2_content["change_reason"] == "被申请人申请延期支付第二期款项"
    # A superseded version can no longer change either (not even back to signed).
    with pytest.raises(SignedAgreementFixed), store.unit_of_work() as s:
        s.get(MediationAgreement, v1).status = AgreementStatus.SIGNED


def test_the_signed_text_survives_later_edits_of_the_parties(store):
    case_id, agreement_id = signed(store)
    with store.unit_of_work() as s:
        person = s.get(Person, load_case(s, case_id).applicants[0].person_id)
        person.address = "福州市鼓楼区新地址99号"
    with store.read() as s:
        content = agreements.signed_content(s, agreement_id)
        assert agreements.verify_signed(s, agreement_id)
    assert content["applicants"][0]["address"] == "福州市鼓楼区五一北路1号"
    assert json.loads(agreements.canonical_json(content)) == content
