"""The case dialogs on the form framework, driven with qtbot: the core's problems under their
fields with the summary line and the focus on the first one (a table cell, too), the busy text
never left behind after a refusal; the applicants' table with its document-type column, Tab
through its cells and out of it."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.cases.detail import load_case
from app.domain.enums import CaseStatus, FailureReason
from app.domain.identity import IdDocType
from app.store.models import Enterprise
from app.ui.cases.dialogs import ExtensionDialog, TransitionDialog
from app.ui.cases.intake_dialog import W_DOC, W_NAME, W_NUMBER, W_PHONE, W_REP, IntakeDialog
from app.ui.context import AppContext
from app.ui.widgets.form_table import READ_ONLY_BG
from tests.cases_support import credit_code, in_mediation

TODAY = date(2026, 3, 4)
WAIT = 15_000


@pytest.fixture
def ctx(store):
    ctx = AppContext(store)
    yield ctx
    ctx.pool.waitForDone(10_000)


@pytest.fixture
def intake(qtbot, ctx):
    dialog = IntakeDialog(ctx, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def focused():
    return QApplication.focusWidget()


def open_editor(qtbot, store, ctx):
    """The agreement editor of a case in mediation, shown."""
    from app.ui.cases.agreement_dialog import AgreementDialog

    with store.read() as s:
        detail = load_case(s, in_mediation(store))
    editor = AgreementDialog(ctx, detail, TODAY)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def test_intake_problems_summary_focus_and_no_busy_text_left(qtbot, store, intake):
    intake.workers.item(0, W_NAME).setText("张伟")
    intake.workers.item(0, W_NUMBER).setText("350102198805171234")  # a wrong check digit
    intake.workers.item(0, W_PHONE).setText("13905910001")
    intake.save_button.click()
    summary = intake.problems.summary
    qtbot.waitUntil(summary.isVisible, timeout=WAIT)
    assert summary.text().startswith("有") and "处需要修改，见各栏下方的红字提示" in summary.text()
    # the busy text is gone, the button usable again
    assert intake.status.text() != "正在登记…" and intake.save_button.isEnabled()
    # the first problem is the ID number of applicant 1: its cell has the focus
    workers = intake.tables["workers"]
    assert workers.isVisible() and "申请人1身份证号：" in workers.text()
    assert "校验位不符" in workers.text() and "应为" not in workers.text()
    assert focused() is intake.workers
    assert (intake.workers.currentRow(), intake.workers.currentColumn()) == (0, W_NUMBER)
    # the other groups' problems are under their fields too, routed through one form
    respondent_error = intake.problems._errors[intake.respondent]
    assert respondent_error.isVisible() and "企业名录" in respondent_error.text()
    with store.read() as s:
        assert s.query(Enterprise).count() == 0


def test_a_worker_with_a_passport_is_registered(qtbot, store, intake):
    with store.unit_of_work() as s:
        s.add(Enterprise(name="福州闽江餐饮管理有限公司", credit_code=credit_code(),
                         street_code="GUDONG"))  # fmt: skip
    intake.set_doc_type(0, IdDocType.PASSPORT)
    assert intake.workers.item(0, W_DOC).text() == "护照"
    intake.workers.item(0, W_NAME).setText("John Smith")
    intake.workers.item(0, W_NUMBER).setText("E12345678")
    assert intake.workers.item(0, W_NUMBER).toolTip() == ""
    intake.workers.item(0, W_PHONE).setText("13905910001")
    picker = intake.respondent.picker
    picker.edit.setText("闽江")
    picker.edit.textEdited.emit("闽江")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1, timeout=WAIT)
    picker._chosen(picker.model.stringList()[0])
    claim = intake.claims.cellWidget(0, 0)
    claim.setCurrentIndex(claim.findData("wages"))
    intake.claims.item(0, 1).setText("3000")
    intake.facts.setPlainText("拖欠工资。")
    intake.employment_status.setCurrentIndex(intake.employment_status.findData("ongoing"))
    with qtbot.waitSignal(intake.registered, timeout=WAIT) as registered:
        intake.save_button.click()
    with store.read() as s:
        (worker,) = load_case(s, registered.args[0]).applicants
    assert worker.name == "John Smith" and worker.id_number == "E12345678"
    # a passport number in the resident-ID layout is checked as a passport, not as an ID card
    assert intake.doc_type(0) == IdDocType.PASSPORT.value


def test_tab_goes_through_the_applicants_table_and_out(qtbot, intake):
    table = intake.workers
    table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: focused() is table, timeout=WAIT)
    assert (table.currentRow(), table.currentColumn()) == (0, W_NAME)
    visited = [table.currentColumn()]
    for _ in range(20):
        qtbot.keyClick(table, Qt.Key.Key_Tab)
        if focused() is not table:
            break
        visited.append(table.currentColumn())
    # every cell that is typed into, in order; sex and birth date (read from the number) skipped
    assert visited == [0, 1, 2, 5, 6, 7, 8]
    assert focused() is not table and focused().text() == "添加申请人"
    # Shift+Tab comes back into the table at its last cell
    qtbot.keyClick(focused(), Qt.Key.Key_Backtab)
    assert focused() is table and table.currentColumn() == W_REP
    # Enter on a cell edits it, it does not register the half-typed case
    table.setCurrentCell(0, W_NAME)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert table.state() == table.State.EditingState
    assert not intake.saving.busy and not intake.problems.summary.isVisible()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert intake.isVisible()  # Esc in the cell ends the editing, not the dialog
    # shown-only cells look different from the cells that are typed into
    assert table.item(0, 3).background().color() == READ_ONLY_BG
    assert table.item(0, W_NAME).background().color() != READ_ONLY_BG
    assert not table.item(0, 3).flags() & Qt.ItemFlag.ItemIsEditable


def test_a_refused_transition_shows_its_reason_under_the_field(qtbot, store, ctx):
    case_id = in_mediation(store)
    with store.read() as s:
        detail = load_case(s, case_id)
    dialog = TransitionDialog(ctx, detail, CaseStatus.FAILED, TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.on.setDate(dialog.on.date().fromString("2026-03-04", "yyyy-MM-dd"))
    index = dialog.failure.findData(FailureReason.TIME_RAN_OUT)
    assert index >= 0
    dialog.failure.setCurrentIndex(index)
    dialog.ok_button.click()
    error = dialog.form._errors[dialog.failure]
    qtbot.waitUntil(error.isVisible, timeout=WAIT)
    assert "尚未届满" in error.text()
    assert dialog.form.summary.text() == "有1处需要修改，见各栏下方的红字提示"
    assert focused() is dialog.failure and dialog.ok_button.isEnabled()
    assert dialog.status.text() == ""
    with store.read() as s:
        assert load_case(s, case_id).status == CaseStatus.IN_MEDIATION


def test_an_extension_without_consent_is_refused_at_that_field(qtbot, store, ctx):
    case_id = in_mediation(store)
    with store.read() as s:
        detail = load_case(s, case_id)
    dialog = ExtensionDialog(ctx, detail, TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.ok_button.click()
    error = dialog.form._errors[dialog.note]
    qtbot.waitUntil(error.isVisible, timeout=WAIT)
    assert "双方当事人同意" in error.text()
    assert not dialog.form._errors[dialog.until].isVisible()
    assert focused() is dialog.note


def test_agreement_editor_problems_focus_their_cell_and_cells_look_editable(qtbot, store, ctx):
    from app.domain.enums import TermKind
    from app.ui.widgets.form_table import EDITABLE_BG

    editor = open_editor(qtbot, store, ctx)
    assert editor.terms.item(0, 3).background().color() == EDITABLE_BG
    assert editor.terms.item(0, 8).background().color() == READ_ONLY_BG  # 支付令: only shown
    editor.terms.item(0, 3).setText("1.234")
    editor.save_button.click()
    qtbot.waitUntil(editor.term_problems.isVisible, timeout=WAIT)
    assert "金额" in editor.term_problems.text() and "两位小数" in editor.term_problems.text()
    assert editor.form.summary.text().startswith("有1处需要修改")
    assert focused() is editor.terms and editor.terms.currentColumn() == 3
    assert editor.save_button.isEnabled() and editor.status.text() == ""
    # another obligation has no amount: that cell turns grey, not typed into
    kind = editor.terms.cellWidget(0, 0)
    kind.setCurrentIndex(kind.findData(TermKind.OBLIGATION))
    assert editor.terms.item(0, 3).background().color() == READ_ONLY_BG
    assert not editor.terms.item(0, 3).flags() & Qt.ItemFlag.ItemIsEditable


def test_a_passport_holder_is_corrected_with_the_document_kept(qtbot, store, ctx):
    from app.ui.cases.edit_dialogs import PartyDialog
    from tests.cases_support import register, worker

    case_id = register(
        store, workers=[worker("John Smith", id_type="passport", id_number="E12345678")]
    ).case_id
    with store.read() as s:
        detail = load_case(s, case_id)
    (applicant,) = detail.applicants
    assert applicant.id_type == "passport"
    dialog = PartyDialog(ctx, detail, TODAY, party_id=applicant.id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.id_type.currentData() == "passport" and dialog.id_number.text() == "E12345678"
    assert "不含" in dialog.sex.text()  # a passport number tells nothing of sex or birth
    dialog.phone.setText("13905910002")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.ok_button.click()
    with store.read() as s:
        (applicant,) = load_case(s, case_id).applicants
    assert applicant.phone == "13905910002" and applicant.id_type == "passport"
    from app.ui.cases.case_page import CasePage

    page = CasePage(ctx, today=lambda: TODAY)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.show_case(case_id)
    summary = page.summary.toPlainText()
    assert "护照号码E12345678" in summary and "身份证号E12345678" not in summary
    assert "，出生，" not in summary
    # a wrong number for the document chosen is refused under the number, the focus there
    with store.read() as s:
        detail = load_case(s, case_id)
    dialog = PartyDialog(ctx, detail, TODAY, party_id=applicant.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.id_type.setCurrentIndex(dialog.id_type.findData("hk_macao_permit"))
    dialog.ok_button.click()
    error = dialog.form._errors[dialog.id_number]
    qtbot.waitUntil(error.isVisible, timeout=WAIT)
    assert "H或M" in error.text() and focused() is dialog.id_number


def test_a_new_version_asks_its_reason_in_a_form(qtbot, store, ctx):
    from app.ui.cases.agreement_dialog import AgreementDialog
    from app.ui.cases.case_page import CasePage
    from app.ui.cases.dialogs import NewVersionDialog
    from tests.cases_support import SIGNED_ON, signed

    case_id, _ = signed(store)
    page = CasePage(ctx, today=lambda: SIGNED_ON)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.show_case(case_id)
    button = page.agreement_buttons["制作新版本…"]
    assert button.isEnabled()
    button.click()
    dialog = page._dialogs[-1]
    assert isinstance(dialog, NewVersionDialog)
    dialog.ok_button.click()  # no reason: refused by the core, under the field
    error = dialog.form._errors[dialog.reason_edit]
    qtbot.waitUntil(error.isVisible, timeout=WAIT)
    assert "写明变更原因" in error.text() and focused() is dialog.reason_edit
    dialog.reason_edit.setPlainText("  第二期付款日期延后  ")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: isinstance(page._dialogs[-1], AgreementDialog), timeout=WAIT)
    editor = page._dialogs[-1]
    assert editor.change_reason == "第二期付款日期延后" and "变更第1版" in editor.windowTitle()
    editor.reject()


def test_an_online_application_is_declined_in_a_form(qtbot, store, ctx):
    from app.store.models import OnlineApplication
    from app.ui.cases.dialogs import OnlineDeclineDialog
    from tests.test_online_tab_ui import fetched

    app_id = fetched(store, 1)
    dialog = OnlineDeclineDialog(ctx, app_id, "WS2026-AAAA-BBB1")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.ok_button.click()  # no reason: the core refuses it under the field
    error = dialog.form._errors[dialog.reason]
    qtbot.waitUntil(error.isVisible, timeout=WAIT)
    assert "申请人会看到" in error.text() and focused() is dialog.reason
    assert dialog.ok_button.isEnabled() and dialog.status.text() == ""
    dialog.reason.setPlainText("劳动关系不在本街道，请向所在街道申请")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.ok_button.click()
    with store.read() as s:
        assert s.get(OnlineApplication, app_id).status == "declined"


def test_tab_goes_through_the_claims_drop_down_and_cells_and_out(qtbot, intake):
    table = intake.claims
    combo = table.cellWidget(0, 0)
    table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: focused() is combo, timeout=WAIT)  # the first stop: a drop-down
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # chosen from the keyboard
    assert combo.currentIndex() == 1
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is table and table.currentColumn() == 1
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert focused() is table and table.currentColumn() == 2
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert focused() is not table and focused().text() == "添加请求事项"
    qtbot.keyClick(focused(), Qt.Key.Key_Backtab)
    assert focused() is table and table.currentColumn() == 2
    qtbot.keyClick(table, Qt.Key.Key_Backtab)
    qtbot.keyClick(table, Qt.Key.Key_Backtab)
    assert focused() is combo


def test_tab_goes_through_an_agreement_term_and_out(qtbot, store, ctx):
    editor = open_editor(qtbot, store, ctx)
    table = editor.terms
    table.setRowCount(1)  # one term (the draft suggests one per claim)
    editor.activateWindow()
    table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: table._cell_of_focus() == (0, 0), timeout=WAIT)
    seen = []
    for _ in range(15):
        cell = table._cell_of_focus() or (table.currentRow(), table.currentColumn())
        seen.append(cell[1])
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        if table._cell_of_focus() is None and focused() is not table:
            break
    # kind, item, description, amount, date, method, payer, payee; the 支付令 mark is only shown
    assert seen == [0, 1, 2, 3, 4, 5, 6, 7]
    assert focused().text() == "添加付款事项"


def test_a_conflict_is_said_and_no_busy_text_stays(qtbot, store, ctx, monkeypatch):
    """Someone else changed the case meanwhile: the real core refuses (Conflict); the message
    says so, the busy text goes and the button can be pressed again."""
    from app.cases import workflow
    from app.ui import context as context_module
    from app.ui.cases.edit_dialogs import CaseDetailsDialog

    case_id = in_mediation(store)
    with store.read() as s:
        detail = load_case(s, case_id)
    dialog = CaseDetailsDialog(ctx, detail, TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    workflow.extend_mediation(store, case_id, date(2026, 3, 31), "双方同意延期", today=TODAY)
    said = []
    monkeypatch.setattr(
        context_module.QMessageBox,
        "warning",
        lambda _parent, title, text: said.append((title, text)),
    )
    dialog.facts.setPlainText("更正后的事实与理由。")
    dialog.employment_status.setCurrentIndex(dialog.employment_status.findData("unknown"))
    dialog.save_button.click()
    assert dialog.status.text() == "正在保存…" and not dialog.save_button.isEnabled()
    qtbot.waitUntil(lambda: bool(said), timeout=WAIT)
    assert said == [("未能保存登记信息", "案件已被其他用户修改，请刷新后重试")]
    assert dialog.status.text() == "" and dialog.save_button.isEnabled()
    assert dialog.isVisible()
