"""available_actions(): what can be done with a case now, each action enabled or with its Chinese
reason; the case services refuse a disabled action with that same reason; the deadline lines of
the case page with their tone."""

from __future__ import annotations

from datetime import date

import pytest

from app.cases import actions, agreements, attachments, performance, sessions, workflow
from app.cases.actions import available_actions, deadline_notes, overdue_text, require
from app.cases.detail import load_case
from app.cases.errors import WorkflowRefused
from app.domain.enums import CaseStatus
from tests.cases_support import (
    RECEIVED,
    SIGNED_ON,
    agreement_input,
    in_mediation,
    register,
    signed,
)

S = CaseStatus


def detail(store, case_id):
    with store.read() as s:
        return load_case(s, case_id)


def by_key(store, case_id, today, **kw):
    return {a.key: a for a in available_actions(detail(store, case_id), today, **kw)}


def test_a_registered_case_can_be_accepted_but_not_given_a_session_or_agreement(store):
    case_id = register(store).case_id
    found = by_key(store, case_id, RECEIVED)
    # the status changes of allowed_targets() come first, as main actions
    mains = [a for a in found.values() if a.main]
    assert [a.target for a in mains] == [S.ACCEPTED, S.DECLINED, S.WITHDRAWN]
    assert all(a.enabled and a.reason is None for a in mains)
    assert found[actions.EXTEND].enabled and found[actions.EXTEND].offered
    assert found[actions.EDIT_DETAILS].enabled and found[actions.EDIT_PARTY].enabled
    add = found[actions.ADD_SESSION]
    assert not add.enabled and add.reason == "案件当前为“已登记”，不能记录调解笔录：请先受理"
    edit = found[actions.EDIT_AGREEMENT]
    assert not edit.enabled and "请先开始调解" in edit.reason
    assert not found[actions.RECORD_PERFORMANCE].enabled
    assert not found[actions.CONFIRMATION].offered
    assert found[actions.ATTACH].enabled
    assert not found[actions.ATTACH_SCAN].enabled
    assert found[actions.ATTACH_SCAN].reason == "本案还没有调解协议书"


def test_in_mediation_without_a_signed_agreement_the_main_action_says_why(store):
    case_id = in_mediation(store)
    found = by_key(store, case_id, date(2026, 3, 4))
    reached = found[S.AGREEMENT_REACHED.value]
    assert reached.main and not reached.enabled
    assert (
        "尚无已签署的调解协议书" in reached.reason and "请先制作调解协议书并签署" in reached.reason
    )
    assert found[actions.ADD_SESSION].enabled and found[actions.EDIT_SESSION].enabled
    assert found[actions.EDIT_AGREEMENT].enabled
    new_version = found[actions.NEW_AGREEMENT_VERSION]
    assert (
        not new_version.enabled and new_version.reason == "本案尚无签署生效的协议书，请直接编辑草稿"
    )
    sign = found[actions.SIGN_AGREEMENT]
    assert not sign.enabled and "没有待签署的协议书草稿" in sign.reason


def test_after_signing_only_a_new_version_changes_the_agreement(store):
    case_id, _agreement_id = signed(store)
    found = by_key(store, case_id, SIGNED_ON)
    assert detail(store, case_id).status == S.AGREEMENT_REACHED
    edit = found[actions.EDIT_AGREEMENT]
    assert not edit.enabled and "制作新版本" in edit.reason
    assert found[actions.NEW_AGREEMENT_VERSION].enabled
    assert found[actions.RECORD_PERFORMANCE].enabled
    assert found[actions.CONFIRMATION].enabled and found[actions.CONFIRMATION].offered
    assert not found[actions.EXTEND].offered and not found[actions.EDIT_DETAILS].offered
    closing = found[S.CLOSED.value]
    assert not closing.enabled and "未到履行期限" in closing.reason
    # a draft of the new version: now it is edited, and no second version is opened
    agreements.new_version(store, case_id, "付款日期变更")
    found = by_key(store, case_id, SIGNED_ON)
    assert found[actions.EDIT_AGREEMENT].enabled
    assert found[actions.NEW_AGREEMENT_VERSION].reason == "已有第2版草稿，请继续编辑该草稿"


def test_a_read_only_account_is_told_why_for_every_action(store):
    case_id = register(store).case_id
    found = available_actions(detail(store, case_id), RECEIVED, can_write=False)
    assert found and all(not a.enabled and a.reason == actions.READ_ONLY for a in found)


def test_services_refuse_with_the_reason_the_page_shows(store):
    case_id = register(store).case_id
    shown = by_key(store, case_id, RECEIVED)
    with pytest.raises(WorkflowRefused) as caught:
        sessions.add_session(store, case_id, sessions.SessionInput(), today=RECEIVED)
    assert str(caught.value) == shown[actions.ADD_SESSION].reason
    with pytest.raises(WorkflowRefused) as caught:
        agreements.save_draft(store, case_id, agreement_input())
    assert str(caught.value) == shown[actions.EDIT_AGREEMENT].reason
    # closed: nothing of the intake can be corrected, no extension, no session edits
    workflow.change_status(store, case_id, S.WITHDRAWN, reason="书面撤回", today=RECEIVED)
    workflow.change_status(store, case_id, S.CLOSED, today=RECEIVED)
    shown = by_key(store, case_id, RECEIVED)
    with pytest.raises(WorkflowRefused) as caught:
        workflow.extend_mediation(store, case_id, date(2026, 4, 1), "双方同意", today=RECEIVED)
    assert (
        str(caught.value) == shown[actions.EXTEND].reason == "案件当前为“已结案”，不能延长调解期限"
    )
    with pytest.raises(WorkflowRefused) as caught:
        workflow.update_details(
            store,
            case_id,
            facts="x",
            requests=None,
            claims=[],
            mediator_id=None,
            co_mediators=None,
            is_migrant_worker=False,
            employment_ended_on=None,
            infringement_known_on=None,
            today=RECEIVED,
        )
    assert str(caught.value) == shown[actions.EDIT_DETAILS].reason
    workflow.change_status(store, case_id, S.ARCHIVED, archive_no="2026-001", today=RECEIVED)
    shown = by_key(store, case_id, RECEIVED)
    with pytest.raises(WorkflowRefused) as caught:
        attachments.attach(store, "dispute_case", case_id, "scan.png", b"\x89PNG", "")
    assert str(caught.value) == shown[actions.ATTACH].reason == "案件已归档，不能再附加文件"


def test_performance_and_new_versions_are_refused_as_shown(store):
    case_id = in_mediation(store)
    shown = by_key(store, case_id, date(2026, 3, 4))
    with pytest.raises(WorkflowRefused) as caught:
        agreements.new_version(store, case_id, "变更")
    assert str(caught.value) == shown[actions.NEW_AGREEMENT_VERSION].reason
    draft = agreements.save_draft(store, case_id, agreement_input())
    agreements.sign(store, draft, signed_on=SIGNED_ON, today=SIGNED_ON)
    with store.read() as s:
        term = load_case(s, case_id).current_agreement.terms[0]
    agreements.new_version(store, case_id, "变更付款日期")
    with pytest.raises(WorkflowRefused, match="已有第2版草稿"):
        agreements.new_version(store, case_id, "再变更")
    # require() inside a service's transaction says the same as the page
    with store.read() as s, pytest.raises(WorkflowRefused, match="已有第2版草稿"):
        require(s, case_id, actions.NEW_AGREEMENT_VERSION, SIGNED_ON)
    assert performance.record_performance(
        store,
        term.id,
        performance.PerformanceInput(performed_on=SIGNED_ON, amount="100", method="现金"),
        today=SIGNED_ON,
    )


def test_deadline_notes_carry_their_tone_and_never_a_negative_count(store):
    case_id = in_mediation(store)
    d = detail(store, case_id)
    running = deadline_notes(d, date(2026, 3, 4))
    assert running[0].text == "调解期限至2026年3月17日，还剩13天" and running[0].tone == "normal"
    soon = deadline_notes(d, date(2026, 3, 15))
    assert soon[0].tone == "due_soon" and soon[0].color == "#a15c00"
    late = deadline_notes(d, date(2026, 3, 19))
    assert late[0].tone == "overdue" and late[0].color == "#b3261e"
    assert "可以依法申请仲裁" in late[1].text
    assert not any("-" in n.text for n in late)


def test_an_overdue_term_reads_already_overdue_n_days(store):
    case_id, _ = signed(store)
    notes = deadline_notes(detail(store, case_id), date(2026, 4, 19))
    overdue = [n for n in notes if "未履行" in n.text]
    assert overdue and all(n.tone == "overdue" for n in overdue)
    assert overdue[0].text.startswith("第1项已逾期30天未履行")


def test_overdue_text():
    assert overdue_text(30) == "已逾期30天"
