"""Correcting a case after registration: a party's details (core) and the two dialogs of the case
page (登记信息, 当事人信息) driven with qtbot."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from app.cases import workflow
from app.cases.detail import load_case
from app.cases.errors import FormInvalid, WorkflowRefused
from app.cases.intake import ClaimInput, WorkerInput
from app.cases.parties import correct_party
from app.domain.enums import CaseStatus, PartyRole, Sex
from app.store import drafts
from app.store.errors import Conflict
from app.store.models import AuditEvent, OutboxEntry, Person
from app.ui.cases.case_page import CasePage
from app.ui.cases.common import to_qdate
from app.ui.cases.edit_dialogs import CaseDetailsDialog, PartyDialog
from app.ui.context import AppContext
from tests.cases_support import (
    AgentInput,
    EnterpriseChoice,
    id_number,
    in_mediation,
    register,
    worker,
)

TODAY = date(2026, 3, 4)
S = CaseStatus


def detail(store, case_id):
    with store.read() as s:
        return load_case(s, case_id)


def as_input(party, **changes) -> WorkerInput:
    values = dict(
        name=party.name,
        id_number=party.id_number or "",
        phone=party.phone or "",
        address=party.address or "",
        job=party.job or "",
        hukou=party.hukou or "",
        is_representative=party.is_representative,
    )
    values.update(changes)
    return WorkerInput(**values)


# ---------------------------------------------------------------- core


def test_an_applicant_is_corrected_with_the_intake_rules(store):
    case_id = register(store).case_id
    before = detail(store, case_id)
    party = before.applicants[0]
    female = id_number(born=date(1990, 1, 9), male=False, seq=7)
    correct_party(
        store,
        case_id,
        party.id,
        as_input(
            party,
            name="张薇",
            id_number=female,
            phone="139 0591 0099",
            address="福州市鼓楼区杨桥路2号",
            job="面点师",
        ),
        today=TODAY,
        expected_version=before.version,
        expected_person_version=party.person_version,
    )
    after = detail(store, case_id).applicants[0]
    assert (after.name, after.id_number, after.sex, after.birth_date) == (
        "张薇",
        female,
        Sex.FEMALE.label,
        date(1990, 1, 9),
    )
    assert (after.phone, after.address, after.job) == (
        "13905910099",
        "福州市鼓楼区杨桥路2号",
        "面点师",
    )
    assert after.person_id == party.person_id  # the record was this case's only: corrected in place
    assert after.person_version == party.person_version + 1


def test_an_invalid_id_number_is_refused_naming_the_field(store):
    case_id = register(store).case_id
    party = detail(store, case_id).applicants[0]
    wrong = party.id_number[:-1] + ("0" if party.id_number[-1] != "0" else "1")
    with pytest.raises(FormInvalid) as raised:
        correct_party(store, case_id, party.id, as_input(party, id_number=wrong, phone="12"))
    problems = {p.key: str(p) for p in raised.value.problems}
    assert (
        problems["id_number"].startswith("申请人1身份证号：") and "校验位" in problems["id_number"]
    )
    assert problems["phone"].startswith("申请人1联系电话：")
    assert detail(store, case_id).applicants[0].id_number == party.id_number


def test_cross_checks_with_the_other_applicants(store):
    case_id = register(
        store, workers=[worker(), worker("李娜", seq=31, male=False, phone="")]
    ).case_id
    first, second = detail(store, case_id).applicants
    with pytest.raises(FormInvalid) as raised:
        correct_party(
            store,
            case_id,
            second.id,
            as_input(second, id_number=first.id_number, is_representative=True),
        )
    messages = raised.value.by_key()
    assert messages["id_number"] == "与申请人1的身份证号相同"
    assert "不适用推举代表" in messages["is_representative"]
    with pytest.raises(FormInvalid, match="至少一名申请人须留联系电话"):
        correct_party(store, case_id, first.id, as_input(first, phone=""))


def test_closed_cases_and_enterprises_are_refused(store):
    case_id = register(store).case_id
    d = detail(store, case_id)
    with pytest.raises(WorkflowRefused, match="企业名录"):
        correct_party(store, case_id, d.respondent.id, WorkerInput())
    workflow.change_status(store, case_id, S.WITHDRAWN, today=TODAY)
    workflow.change_status(store, case_id, S.CLOSED, today=TODAY)
    party = detail(store, case_id).applicants[0]
    with pytest.raises(WorkflowRefused, match="“已结案”，当事人信息不能再修改"):
        correct_party(store, case_id, party.id, as_input(party, phone="13905910099"))


def test_stale_versions_are_refused(store):
    case_id = in_mediation(store)
    d = detail(store, case_id)
    party = d.applicants[0]
    workflow.update_details(
        store,
        case_id,
        facts="更正后的事实",
        requests=None,
        claims=[ClaimInput("wages", "12000")],
        mediator_id=None,
        co_mediators=None,
        is_migrant_worker=False,
        employment_ended_on=None,
        infringement_known_on=None,
        today=TODAY,
    )
    with pytest.raises(Conflict, match="案件已被其他用户修改"):
        correct_party(
            store,
            case_id,
            party.id,
            as_input(party, phone="13905910099"),
            expected_version=d.version,
        )
    correct_party(store, case_id, party.id, as_input(party, phone="13905910099"))
    with pytest.raises(Conflict, match="当事人信息已被其他用户修改"):
        correct_party(
            store,
            case_id,
            party.id,
            as_input(party, phone="13905910088"),
            expected_person_version=party.person_version,
        )
    assert detail(store, case_id).applicants[0].phone == "13905910099"


def test_the_audit_records_the_change_without_the_personal_values(store):
    case_id = register(store).case_id
    party = detail(store, case_id).applicants[0]
    new_id = id_number(seq=55)
    correct_party(
        store,
        case_id,
        party.id,
        as_input(party, name="张卫", id_number=new_id, phone="13905910099", job="面点师"),
    )
    with store.read() as s:
        event = s.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == party.person_id, AuditEvent.action == "update"
            )
        ).one()
        outbox = s.scalars(
            select(OutboxEntry).where(OutboxEntry.entity_id == party.person_id)
        ).all()
    # same birth date and sex in the new number: only these four changed, none shown in clear
    assert event.changes == {
        "name": "changed",
        "id_number": "changed",
        "phone": "changed",
        "job": "changed",
    }
    text = json.dumps(event.changes, ensure_ascii=False) + (event.summary or "")
    for value in ("张卫", new_id, "13905910099", "面点师", party.id_number):
        assert value not in text
    assert [o.op.value for o in outbox] == ["insert", "update"]
    assert outbox[-1].version == 2


def test_a_person_shared_with_another_case(store):
    """Same ID number: one record, corrected for both cases. New ID number: this case only."""
    first = register(store).case_id
    employer = EnterpriseChoice(enterprise_id=detail(store, first).respondent_id)
    second = register(store, respondent=employer, received_on=TODAY, today=TODAY).case_id
    a, b = detail(store, first).applicants[0], detail(store, second).applicants[0]
    assert a.person_id == b.person_id
    correct_party(store, first, a.id, as_input(a, phone="13905910099"))
    b = detail(store, second).applicants[0]
    assert b.phone == "13905910099"
    other = id_number(seq=77)
    correct_party(store, second, b.id, as_input(b, name="张维", id_number=other))
    moved, kept = detail(store, second).applicants[0], detail(store, first).applicants[0]
    assert moved.person_id != a.person_id and (moved.name, moved.id_number) == ("张维", other)
    assert moved.phone == "13905910099"
    assert (kept.person_id, kept.name, kept.id_number) == (a.person_id, a.name, a.id_number)


def test_a_corrected_id_number_of_a_known_worker_links_to_that_record(store):
    known = register(store, workers=[worker("李娜", seq=31, male=False)]).case_id
    li = detail(store, known).applicants[0]
    case_id = register(
        store,
        workers=[worker("李娜", seq=33, male=False, phone="13905910123")],
        respondent=EnterpriseChoice(enterprise_id=detail(store, known).respondent_id),
    ).case_id
    typo = detail(store, case_id).applicants[0]
    assert typo.person_id != li.person_id
    correct_party(store, case_id, typo.id, as_input(typo, id_number=li.id_number))
    fixed = detail(store, case_id).applicants[0]
    assert fixed.person_id == li.person_id and fixed.phone == "13905910123"
    with store.read() as s:
        assert s.get(Person, typo.person_id).id_number == typo.id_number  # left as it was


def test_an_agent_is_corrected(store):
    case_id = register(
        store,
        agents=[AgentInput(name="王律师", phone="13800000000", organisation="闽都律师事务所")],
    ).case_id
    agent = detail(store, case_id).agents[0]
    assert agent.role == PartyRole.APPLICANT_AGENT
    with pytest.raises(FormInvalid) as raised:
        correct_party(store, case_id, agent.id, AgentInput(name="", phone="abc"))
    assert raised.value.by_key().keys() == {"name", "phone"}
    assert "委托代理人1姓名" in str(raised.value.problems[0])
    correct_party(
        store,
        case_id,
        agent.id,
        AgentInput(
            name="王立律师",
            phone="13800000001",
            organisation="福建闽都律师事务所",
            authority="特别授权",
        ),
    )
    fixed = detail(store, case_id).agents[0]
    assert (fixed.name, fixed.phone, fixed.organisation, fixed.authority) == (
        "王立律师",
        "13800000001",
        "福建闽都律师事务所",
        "特别授权",
    )


# ---------------------------------------------------------------- the dialogs of the case page

WAIT = 15_000


@pytest.fixture
def page(qtbot, store):
    ctx = AppContext(store)
    widget = CasePage(ctx, today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    yield widget
    ctx.pool.waitForDone(10_000)


def open_case(qtbot, page, case_id) -> None:
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.show_case(case_id)


def test_details_and_a_phone_corrected_from_the_case_page(qtbot, store, page):
    case_id = register(store).case_id
    open_case(qtbot, page, case_id)
    page.action_buttons["edit_details"].click()
    dialog = page._dialogs[-1]
    assert isinstance(dialog, CaseDetailsDialog)
    assert [
        (dialog.claims.cellWidget(r, 0).currentData(), dialog.claims.item(r, 1).text())
        for r in range(dialog.claims.rowCount())
    ] == [("wages", "12000.00"), ("compensation", "6000.00")]
    assert dialog.facts.toPlainText().startswith("申请人于2024年3月入职")
    assert dialog.mediator.currentData() == store.user.id and not dialog.known.isChecked()
    # A bad amount is refused under the claims table, nothing saved.
    dialog.claims.item(0, 1).setText("一万五")
    # 经济补偿 with "劳动关系存续": the first save only shows the warning next to the field.
    dialog.save_button.click()
    assert dialog.employment_warning.isVisible()
    assert "劳动关系存续" in dialog.employment_warning.text()
    dialog.save_button.click()
    problems = dialog.tables["claims"]
    qtbot.waitUntil(problems.isVisible, timeout=WAIT)
    assert "请求事项1金额" in problems.text() and "不是有效的金额" in problems.text()
    dialog.claims.item(0, 1).setText("15,000")
    dialog.known.setChecked(True)
    dialog.known_on.setDate(to_qdate(date(2026, 2, 1)))
    dialog.co_mediators.setText("王协办")
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        dialog.save_button.click()
    d = page.detail
    assert [c.amount for c in d.claims] == [Decimal("15000.00"), Decimal("6000.00")]
    assert d.infringement_known_on == date(2026, 2, 1) and d.co_mediators == "王协办"
    summary = page.summary.toPlainText()
    assert "15,000.00元" in summary and "12,000.00元" not in summary
    assert drafts.load_draft(store, f"case-edit:{case_id}") is None
    # ---- the applicant's phone, and an ID number typo refused next to its field
    page.action_buttons["edit_party"].click()
    party = page._dialogs[-1]
    assert isinstance(party, PartyDialog)
    assert party.party.currentText().startswith("申请人1") and party.phone.text() == "13905910001"
    assert party.sex.text() == "男，1988-05-17"
    good = party.id_number.text()
    party.id_number.setText(good[:-1] + ("0" if good[-1] != "0" else "1"))
    party.phone.setText("13905910099")
    party.ok_button.click()
    qtbot.waitUntil(lambda: "id_number" in party.form.errors(), timeout=WAIT)
    assert "校验位" in party.form.errors()["id_number"]
    party.id_number.setText(good)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        party.ok_button.click()
    assert page.detail.applicants[0].phone == "13905910099"
    assert "电话13905910099" in page.summary.toPlainText()


def test_details_kept_as_a_draft_and_offered_back(qtbot, store, page, monkeypatch):
    case_id = register(store).case_id
    open_case(qtbot, page, case_id)
    page.action_buttons["edit_details"].click()
    dialog = page._dialogs[-1]
    dialog.reject()  # unchanged: nothing worth keeping
    assert drafts.load_draft(store, f"case-edit:{case_id}") is None
    page.edit_details()
    dialog = page._dialogs[-1]
    dialog.facts.setPlainText("补充：被申请人已支付部分工资。")
    dialog.reject()
    assert drafts.load_draft(store, f"case-edit:{case_id}") is not None
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.edit_details()
    dialog = page._dialogs[-1]
    qtbot.waitUntil(lambda: dialog.facts.toPlainText() == "补充：被申请人已支付部分工资。")
    assert dialog.claims.rowCount() == 2


def test_edits_only_while_the_case_is_open(qtbot, store, page):
    case_id = register(
        store, agents=[AgentInput(name="王律师", phone="13800000000", organisation="闽都律所")]
    ).case_id
    open_case(qtbot, page, case_id)
    page.edit_party(detail(store, case_id).agents[0].id)
    dialog = page._dialogs[-1]
    assert dialog.party.count() == 2 and dialog.party.currentText().startswith("委托代理人1")
    assert not dialog.address.parentWidget().isVisibleTo(dialog)
    assert dialog.organisation.parentWidget().isVisibleTo(dialog)
    dialog.reject()
    workflow.change_status(store, case_id, S.WITHDRAWN, today=TODAY)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.reload()
    assert "edit_details" not in page.action_buttons and "edit_party" not in page.action_buttons
