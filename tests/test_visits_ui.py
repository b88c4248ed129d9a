"""The visit form, the ledger and credit notes driven with qtbot (offscreen, real store)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.domain.enums import CreditNoteKind, FindingStatus, RiskLevel
from app.domain.visits import CheckStatus, RiskIndicator, VisitKind
from app.store.models import Enterprise
from app.ui.application import setup_application
from app.ui.context import AppContext
from app.ui.visits.common import OVERDUE_BG
from app.ui.visits.dialogs import CreditNotesDialog
from app.ui.visits.section import VisitsSection
from app.ui.visits.visit_form import VisitForm
from app.visits import credit, ledger
from app.visits.ledger import LedgerFilter
from app.visits.service import VisitFilter, get_visit, list_visits
from tests import visits_factory as fx

TODAY = date(2026, 10, 20)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _app(qapp):
    setup_application(qapp)


@pytest.fixture
def ctx(store):
    return AppContext(store)


@pytest.fixture
def firm(store):
    with store.unit_of_work() as s:
        e = fx.enterprise(s, "福州闽江软件有限公司", "GUDONG", above_scale=False)
    return e


def settle(qtbot, model, rows: int | None = None) -> None:
    """Wait for the list's background pages (and, given, for ``rows`` rows)."""
    qtbot.waitUntil(
        lambda: not model.loading and (rows is None or model.rowCount() == rows), timeout=10000
    )


def fill_problem(
    form: VisitForm, code: str, text: str, responsible: str, deadline: date | None = None
):
    row = form.rows[code]
    row.status.setCurrentIndex(row.status.findData(CheckStatus.PROBLEM.value))
    row.note.setText(text)
    row.responsible.setText(responsible)
    if deadline:
        row.deadline.set_value(deadline)


def test_visit_form_refuses_then_saves(qtbot, ctx, store, firm, tmp_path):
    form = VisitForm(ctx, enterprise_id=firm.id, today=TODAY)
    qtbot.addWidget(form)
    form.show()
    # above-scale-only items default to "not applicable" at a small enterprise
    assert form.rows["mediation_committee"].selected() == CheckStatus.NOT_APPLICABLE
    assert "规模以下企业" in form.enterprise_info.text()
    form.visited_on.set_value(date(2026, 10, 15))
    row = form.rows["wage_payment"]
    row.status.setCurrentIndex(row.status.findData(CheckStatus.PROBLEM.value))
    assert row.deadline.isEnabled() and row.deadline.value() == date(2026, 10, 30)
    form.rows["labor_contract"].status.setCurrentIndex(1)  # 符合
    qtbot.keyClicks(form.contact_phone, "0591-8765")
    form.visitors.clear()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: form.save_button.isEnabled() and form.summary.text() != "", timeout=10000
    )
    assert form.isVisible()
    assert form.form.errors()["visitors"] == "请填写参加走访的工作人员"
    assert "格式不正确" in form.form.errors()["contact_phone"]
    assert form.rows["wage_payment"].error.text() == "标记为存在问题的，请填写问题描述"
    assert form.summary.text() == "有3处需要修改，见各栏下方的红字提示"
    assert form.status.text() == ""  # not left at "正在保存…"
    assert list_visits(store, VisitFilter()) == []

    form.visitors.setText("林站长、陈调解")
    form.contact_phone.setText("13800138000")
    fill_problem(form, "wage_payment", "9月工资至今未发", "王经理")
    form.indicator_boxes[RiskIndicator.UNPAID_WAGES].setChecked(True)
    form.indicator_boxes[RiskIndicator.OWNER_UNREACHABLE].setChecked(True)
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(PNG)
    form.attachments.add_files([str(photo), str(tmp_path / "missing.jpg")])
    assert "找不到文件" in form.attachments.error.text()
    assert len(form.attachments.pending) == 1
    saved = []
    form.saved.connect(saved.append)
    with qtbot.waitSignal(form.accepted, timeout=10000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    detail = get_visit(store, saved[0])
    assert detail.visited_on == date(2026, 10, 15)
    assert detail.checklist["labor_contract"].status == CheckStatus.OK
    assert [(f.category, f.deadline, f.responsible_person) for f in detail.findings] == [
        ("wage_payment", date(2026, 10, 30), "王经理")
    ]
    assert [a.filename for a in detail.attachments] == ["现场照片.png"]
    assert detail.enterprise.risk_level == RiskLevel.HIGH


def test_follow_up_form_updates_the_ledger(qtbot, ctx, store, firm):
    first = VisitForm(ctx, enterprise_id=firm.id, today=TODAY)
    qtbot.addWidget(first)
    first.visited_on.set_value(date(2026, 9, 1))
    fill_problem(first, "wage_payment", "8月工资推迟发放", "王经理", date(2026, 9, 16))
    fill_problem(first, "union", "未建工会", "李主任", date(2026, 12, 31))
    with qtbot.waitSignal(first.accepted, timeout=10000):
        first.save()

    section = VisitsSection(ctx, today=TODAY)
    qtbot.addWidget(section)
    section.show()
    section.activated()
    settle(qtbot, section.visits.model, 1)
    section.visits.view.selectRow(0)
    form = section.visits.new_visit(firm.id, section.visits.selected().id)  # a child of the section
    assert VisitKind(form.kind.currentData()) == VisitKind.FOLLOW_UP
    assert form.follow_box.isVisibleTo(form)
    assert len(form.follow_rows) == 2
    wage_row = next(r for r in form.follow_rows if r.finding.category == "wage_payment")
    union_row = next(r for r in form.follow_rows if r.finding.category == "union")
    wage_row.status.setCurrentIndex(wage_row.status.findData(FindingStatus.ESCALATED.value))
    assert wage_row.untrustworthy.isEnabled()
    wage_row.untrustworthy.setChecked(True)
    # escalating without a reason is refused next to the row
    with qtbot.waitSignal(form.save_button.clicked, timeout=1000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wage_row.error.text() != "", timeout=10000)
    assert wage_row.error.text() == "移交劳动监察时请填写移交原因"
    wage_row.note.setText("逾期仍未发放，移交劳动监察大队")
    union_row.note.setText("已联系区总工会指导建会")
    form.rows["publicity"].status.setCurrentIndex(form.rows["publicity"].status.findData("ok"))
    with qtbot.waitSignal(form.accepted, timeout=10000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    rows = {r.category: r for r in ledger.list_findings(store, LedgerFilter(), TODAY)}
    assert rows["wage_payment"].status == FindingStatus.ESCALATED
    assert rows["union"].status == FindingStatus.OPEN  # unchanged status, note recorded
    assert [h.note for h in ledger.finding_history(store, rows["union"].id)][
        -1
    ] == "已联系区总工会指导建会"
    assert [n.kind for n in credit.list_credit_notes(store, firm.id)] == [
        CreditNoteKind.UNTRUSTWORTHY
    ]
    section.activated()
    settle(qtbot, section.visits.model, 2)
    assert section.visits.model.row_at(0).follow_up_of_id is not None


def test_ledger_page_filters_highlights_and_follows_up(qtbot, ctx, store, firm):
    with store.unit_of_work() as s:
        other = fx.enterprise(s, "福州西湖餐饮有限公司", "GUXI")
    for enterprise, code, deadline in (
        (firm, "wage_payment", date(2026, 10, 1)),
        (other, "union", date(2026, 12, 1)),
    ):
        form = VisitForm(ctx, enterprise_id=enterprise.id, today=TODAY)
        qtbot.addWidget(form)
        form.visited_on.set_value(date(2026, 9, 20))
        fill_problem(form, code, "问题", "负责人", deadline)
        with qtbot.waitSignal(form.accepted, timeout=10000):
            form.save()
    section = VisitsSection(ctx, today=TODAY)
    qtbot.addWidget(section)
    section.show()
    section.activated()
    page = section.ledger
    settle(qtbot, page.model, 2)
    first = page.model.row_at(0)
    assert first.overdue and first.enterprise_name == firm.name  # overdue on top
    assert (
        page.model.data(page.model.index(0, 0), Qt.ItemDataRole.BackgroundRole).color()
        == OVERDUE_BG
    )
    assert page.model.data(page.model.index(1, 0), Qt.ItemDataRole.BackgroundRole) is None
    page.street.setCurrentIndex(page.street.findData("GUXI"))
    settle(qtbot, page.model, 1)
    assert [page.model.row_at(i).enterprise_name for i in range(page.model.rowCount())] == [
        other.name
    ]
    page.street.setCurrentIndex(0)
    settle(qtbot, page.model, 2)
    section.navigate(ledger="overdue")
    settle(qtbot, page.model, 1)
    qtbot.waitUntil(lambda: "逾期 1" in page.summary.text(), timeout=10000)
    assert page.summary.text().startswith("筛选结果 1 项")
    page.set_state(None)
    page.category.setCurrentIndex(page.category.findData("union"))
    settle(qtbot, page.model, 1)
    page.category.setCurrentIndex(0)
    page.enterprise.setText("西湖")
    page.reload()
    settle(qtbot, page.model, 1)
    page.enterprise.clear()
    page.reload()
    settle(qtbot, page.model, 2)

    page.view.selectRow(0)
    dialog = page.follow_selected()
    qtbot.addWidget(dialog)
    assert dialog.history.rowCount() == 1
    dialog.status.setCurrentIndex(dialog.status.findData(FindingStatus.RECTIFIED.value))
    dialog.on.set_value(date(2026, 10, 18))
    dialog.note.setPlainText("已补发工资")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save()
    assert ledger.get_finding(store, first.id, TODAY).status == FindingStatus.RECTIFIED
    qtbot.waitUntil(
        lambda: not page.model.loading and page.model.row_at(0) is not None
        and page.model.row_at(0).overdue is False,
        timeout=10000,
    )  # fmt: skip


def test_credit_notes_dialog(qtbot, ctx, store, firm):
    dialog = CreditNotesDialog(ctx, firm.id, firm.name, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData(CreditNoteKind.REPAIRED.value))
    dialog.reason.setText("已补发")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "credit" in dialog.form.errors(), timeout=10000)
    assert "信用修复需要" in dialog.form.errors()["credit"] and dialog.table.rowCount() == 0
    assert dialog.error.text() == "有1处需要修改，见各栏下方的红字提示"
    dialog.kind.setCurrentIndex(dialog.kind.findData(CreditNoteKind.TRUSTWORTHY.value))
    dialog.reason.setText("按期履行调解协议")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
    assert dialog.standing.text() == "当前信用状况：守信" and dialog.form.errors() == {}
    assert dialog.result() != QDialog.DialogCode.Accepted
    with store.read() as s:
        assert s.get(Enterprise, firm.id).name == firm.name


def test_sections_in_the_main_window(qtbot, store, firm):
    from app.ui.main_window import MainWindow

    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    try:
        titles = [window.nav.item(i).text() for i in range(window.nav.count())]
        assert titles[0] == "工作台"
        assert titles.index("企业走访") < titles.index("五个一活动") < titles.index("设置与用户")
        workbench = window.sections["workbench"]  # the first section is shown at start
        qtbot.waitUntil(lambda: workbench.data is not None, timeout=20000)
        window.show_section("visits", {"ledger": "overdue"})
        visits = window.sections["visits"]
        assert window.current_section() is visits
        assert visits.tabs.currentWidget() is visits.ledger
        assert visits.ledger.state.currentData() == "overdue"
        window.show_section("activities")
        assert window.current_section() is window.sections["activities"]
    finally:
        window.lock.unlock()
        window._signing_out = True
        window.close()


def test_visit_form_keeps_a_draft(qtbot, ctx, store, firm):
    form = VisitForm(ctx, enterprise_id=firm.id, today=TODAY)
    qtbot.addWidget(form)
    fill_problem(form, "wage_payment", "9月工资未发", "王经理", date(2026, 10, 30))
    form.indicator_boxes[RiskIndicator.UNPAID_WAGES].setChecked(True)
    form.notes.setPlainText("企业称资金周转困难")
    form.drafts.save_now(wait=True)
    # the program stops here (a crash); the next form offers the draft back
    again = VisitForm(ctx, today=TODAY)
    qtbot.addWidget(again)
    assert again.drafts.offer_restore(ask=False)
    assert again.enterprise_id == firm.id
    row = again.rows["wage_payment"]
    assert (row.selected(), row.note.text(), row.deadline.value(), row.responsible.text()) == (
        CheckStatus.PROBLEM,
        "9月工资未发",
        date(2026, 10, 30),
        "王经理",
    )
    assert again.indicator_boxes[RiskIndicator.UNPAID_WAGES].isChecked()
    assert again.notes.toPlainText() == "企业称资金周转困难"
    with qtbot.waitSignal(again.accepted, timeout=10000):
        again.save()
    third = VisitForm(ctx, today=TODAY)
    qtbot.addWidget(third)
    assert not third.drafts.offer_restore(ask=False)  # saved: the draft is gone


def test_enterprise_page_shows_visits_ledger_risk_credit_and_activities(qtbot, ctx, store, firm):
    from app.activities.service import ActivityInput, save_activity
    from app.domain.enums import ActivityKind
    from app.ui.roster.enterprise_page import EnterprisePage

    form = VisitForm(ctx, enterprise_id=firm.id, today=date.today())
    qtbot.addWidget(form)
    form.visited_on.set_value(date.today() - timedelta(days=40))
    fill_problem(form, "wage_payment", "工资延发", "王经理", date.today() - timedelta(days=10))
    form.indicator_boxes[RiskIndicator.UNPAID_WAGES].setChecked(True)
    with qtbot.waitSignal(form.accepted, timeout=10000):
        form.save()
    credit.add_credit_note(store, firm.id, CreditNoteKind.UNTRUSTWORTHY, date.today(), "拖欠工资")
    save_activity(
        store,
        ActivityInput(
            kind=ActivityKind.OBSERVATION,
            title="观摩学习",
            held_on=date.today(),
            enterprises=[(firm.id, "观摩企业")],
        ),
    )
    page = EnterprisePage(ctx)
    qtbot.addWidget(page)
    page.show_enterprise(firm.id)
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert titles == ["基本信息", "调解案件", "走访与信用", "参与活动", "操作记录"]
    visits_tab = page.tabs.widget(titles.index("走访与信用"))
    assert "欠薪风险：中" in visits_tab.risk.text() and "拖欠工资" in visits_tab.risk.text()
    assert visits_tab.standing.text() == "信用状况：失信"
    assert visits_tab.visits.rowCount() == 1 and visits_tab.findings.rowCount() == 1
    assert visits_tab.findings.item(0, 4).text() == "10"  # days overdue
    activities_tab = page.tabs.widget(titles.index("参与活动"))
    assert activities_tab.table.item(0, 2).text() == "观摩学习"
    asked = []
    ctx.navigate_requested.connect(lambda key, kw: asked.append((key, kw)))
    visits_tab.findChildren(type(form.save_button))[0].click()  # 新增走访…
    assert asked == [("visits", {"new_visit_for": firm.id})]
