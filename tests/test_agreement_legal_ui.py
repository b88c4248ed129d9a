"""Issue 13 points 4-5 in the real Qt windows: the mediator fills a per-worker schedule in the
agreement editor, records who signed (a general-authority agent is refused), and records a
follow-up (回访) from the case page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QDialog

from app.cases.detail import load_case
from app.domain.enums import CaseStatus, SignCapacity
from app.ui.cases.agreement_dialog import AgreementDialog, SignDialog
from app.ui.cases.case_page import CasePage
from app.ui.cases.followup_dialog import FollowUpDialog
from app.ui.cases.signing_dialogs import ScheduleDialog
from app.ui.context import AppContext
from tests.cases_support import AgentInput, in_mediation, signed, worker
from tests.test_documents_legal import employer

TODAY = date(2026, 3, 5)
WAIT = 15_000


@pytest.fixture
def ctx(store):
    c = AppContext(store)
    yield c
    c.pool.waitForDone(10_000)


def load(store, case_id):
    with store.read() as s:
        return load_case(s, case_id)


def set_date(edit, iso: str) -> None:
    edit.setDate(edit.date().fromString(iso, "yyyy-MM-dd"))


def test_the_editor_fills_a_per_worker_schedule_and_signs(qtbot, store, ctx, monkeypatch):
    workers = [worker("张伟", seq=12), worker("李秀英", seq=33, male=False), worker("王强", seq=41)]
    case_id = in_mediation(store, workers=workers, respondent=employer(51))
    detail = load(store, case_id)
    editor = AgreementDialog(ctx, detail, TODAY)
    qtbot.addWidget(editor)
    editor.show()
    # The suggested draft has the two claims; keep the wages one only.
    while editor.terms.rowCount() > 1:
        editor.terms.removeRow(1)
    set_date(editor.terms.cellWidget(0, 4), "2026-03-20")
    editor.terms.item(0, 5).setText("银行转账")
    set_date(editor.deadline, "2026-03-31")
    editor.facts.setPlainText("被申请人拖欠三名申请人工资。")

    def fill(dialog: ScheduleDialog):
        assert dialog.table.rowCount() == 3
        assert "*" in dialog.table.item(0, 1).text()  # ID numbers masked on screen
        dialog.term_amount.setText("9000")
        dialog.table.item(0, 2).setText("4000")
        dialog.table.item(1, 2).setText("3000")
        dialog.table.item(2, 2).setText("1000")
        assert "相差1000.00元（少）" in dialog.total.text()
        dialog.table.item(2, 2).setText("2000")
        assert "相差" not in dialog.total.text()
        dialog.table.item(0, 5).setText("6217001234567890123")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ScheduleDialog, "exec", fill)
    editor.terms.cellWidget(0, 9).click()
    assert editor.terms.cellWidget(0, 9).text() == "3人…"
    assert editor.terms.item(0, 3).text() == "9000"

    def confirm(dialog: SignDialog):
        assert dialog.table.rowCount() == 4  # three workers and the employer
        dialog.mediator_check.setChecked(True)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SignDialog, "exec", confirm)
    with qtbot.waitSignal(editor.signed, timeout=WAIT):
        editor.ask_sign()
    d = load(store, case_id)
    assert d.status == CaseStatus.AGREEMENT_REACHED
    term = d.current_agreement.terms[0]
    assert [Decimal(r["amount"]) for r in term.schedule] == [4000, 3000, 2000]
    assert term.schedule[0]["account"] == "6217001234567890123"
    assert [s["capacity"] for s in d.current_agreement.signatures] == ["self"] * 3 + ["legal_rep"]


def test_signing_through_a_general_authority_agent_is_refused_in_the_editor(
    qtbot, store, ctx, monkeypatch
):
    case_id = in_mediation(
        store,
        respondent=employer(52),
        agents=[AgentInput(side="respondent", name="李经理", authority="一般授权")],
    )
    detail = load(store, case_id)
    editor = AgreementDialog(ctx, detail, TODAY)
    qtbot.addWidget(editor)
    editor.show()
    for r in range(editor.terms.rowCount()):
        set_date(editor.terms.cellWidget(r, 4), "2026-03-20")
        editor.terms.item(r, 5).setText("银行转账")
    set_date(editor.deadline, "2026-03-31")

    def by_agent(dialog: SignDialog):
        capacity = dialog.table.cellWidget(1, 1)
        index = next(
            i
            for i in range(capacity.count())
            if capacity.itemData(i)[0] == SignCapacity.AGENT_GENERAL
        )
        capacity.setCurrentIndex(index)
        assert dialog.table.cellWidget(1, 2).text() == "李经理"
        dialog.mediator_check.setChecked(True)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SignDialog, "exec", by_agent)
    editor.ask_sign()
    qtbot.waitUntil(lambda: editor.sign_problems.isVisible(), timeout=WAIT)
    assert "一般授权" in editor.sign_problems.text()
    assert "特别授权" in editor.sign_problems.text()
    assert load(store, case_id).current_agreement is None


def test_a_followup_from_the_case_page(qtbot, store, ctx):
    case_id, _ = signed(store)
    page = CasePage(ctx, lambda: date(2026, 3, 22))
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.show_case(case_id)
    assert page.performance_buttons["登记回访…"].isEnabled()
    assert page.followups_label.text() == "尚无回访记录"
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.performance_buttons["登记回访…"].click()
        dialog = page._dialogs[-1]
        assert isinstance(dialog, FollowUpDialog)
        assert dialog.contact.text().startswith("申请人张伟")
        dialog.amount.setText("8000")
        dialog.note.setText("申请人确认第一期已到账")
        dialog.ok_button.click()
    assert "2026年3月22日电话回访申请人张伟" in page.followups_label.text()
    assert "已收到8,000.00元" in page.followups_label.text()
    assert page.terms.item(0, 3).text() == "8,000.00"
    signed_row = page.agreements.item(0, 2).toolTip()
    assert "张伟：张伟（本人）" in signed_row and "林建国（法定代表人，已盖章）" in signed_row
