"""The 调解案件 section driven with qtbot: list, filters and search; intake -> session -> agreement
-> print (preview, printer, save as PDF) -> performance -> attached scan; the main window shows it."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog

from app.cases.detail import load_case
from app.domain.enums import CaseStatus, Role
from app.store.models import Enterprise
from app.store.store import Store
from app.ui.cases.agreement_dialog import AgreementDialog, SignDialog
from app.ui.cases.dialogs import PerformanceDialog, SessionDialog, TransitionDialog
from app.ui.cases.section import CasesSection
from app.ui.context import AppContext
from tests.cases_support import RECEIVED, credit_code, id_number, in_mediation, register, worker
from tests.conftest import ADMIN_PASSWORD

TODAY = date(2026, 3, 4)
WAIT = 15_000


def pdf_text(pdf: bytes) -> str:
    return (
        "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        .replace("\n", "")
        .replace(" ", "")
    )


@pytest.fixture
def section(qtbot, store):
    ctx = AppContext(store)
    widget = CasesSection(ctx, today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    yield widget
    ctx.pool.waitForDone(10_000)


def rows(section) -> int:
    return section.list_page.model.rowCount()


def test_list_filters_search_and_masked_ids(qtbot, store, section):
    first = register(store)
    with store.read() as s:
        employer = load_case(s, first.case_id).respondent_id
    from tests.cases_support import EnterpriseChoice

    register(
        store,
        workers=[worker("欧阳娜娜", seq=41, male=False)],
        respondent=EnterpriseChoice(enterprise_id=employer),
        received_on=date(2026, 2, 10),
        today=date(2026, 2, 10),
    )
    section.activated()
    model = section.list_page.model
    qtbot.waitUntil(lambda: rows(section) == 2 and not model.loading, timeout=WAIT)
    assert section.list_page.count.text() == "共 2 件"
    shown = [model.data(model.index(r, 4)) for r in range(2)]
    assert id_number() not in shown and any("*" in s for s in shown)
    section.list_page.search.setText("欧阳")
    qtbot.waitUntil(
        lambda: rows(section) == 1 and model.row(0).applicants == "欧阳娜娜", timeout=WAIT
    )
    section.list_page.search.setText("")
    qtbot.waitUntil(lambda: rows(section) == 2, timeout=WAIT)
    section.list_page.overdue.setChecked(True)  # received 10 Feb: its 15 days ended on 25 Feb
    qtbot.waitUntil(lambda: rows(section) == 1 and model.row(0).overdue, timeout=WAIT)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole).color() == QColor(
        "#b3261e"
    )


def test_intake_session_agreement_print_flow(qtbot, store, section, tmp_path, monkeypatch):
    with store.unit_of_work() as s:
        s.add(
            Enterprise(
                name="福州闽江餐饮管理有限公司",
                credit_code=credit_code(),
                legal_rep="林建国",
                address="福州市鼓楼区东街88号",
                street_code="GUDONG",
            )
        )
    section.activated()
    # ---- intake
    intake = section.new_case()
    qtbot.waitExposed(intake)
    intake.workers.item(0, 0).setText("张伟")
    intake.workers.item(0, 2).setText(id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1"))
    intake.workers.item(0, 5).setText("13905910001")
    intake.workers.item(0, 6).setText("福州市鼓楼区五一北路1号")
    picker = intake.respondent.picker
    picker.edit.setText("闽江")  # QTest types ASCII only: set the text and say it was typed
    picker.edit.textEdited.emit("闽江")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1, timeout=WAIT)
    picker._chosen(picker.model.stringList()[0])
    intake.claims.cellWidget(0, 0).setCurrentIndex(intake.claims.cellWidget(0, 0).findData("wages"))
    intake.claims.item(0, 1).setText("12000")
    intake.facts.setPlainText("被申请人拖欠申请人三个月工资。")
    intake.save_button.click()
    problems = intake.tables["workers"]
    qtbot.waitUntil(lambda: problems.isVisible(), timeout=WAIT)
    assert "申请人1身份证号：身份证号校验位不符" in problems.text()
    assert "sex" not in problems.text()
    # The employment status is required (Art. 27 depends on it).
    status_form = next(f for f in intake.forms if f.widget_named("employment_status"))
    status_error = status_form._errors[intake.employment_status]
    assert status_error.isVisible() and "劳动关系存续" in status_error.text()
    intake.employment_status.setCurrentIndex(intake.employment_status.findData("ongoing"))
    assert not intake.employment_ended_on.isEnabled()
    with store.read() as s:
        assert not s.scalars(
            __import__("sqlalchemy").select(
                __import__("app.store.models", fromlist=["DisputeCase"]).DisputeCase
            )
        ).all()
    intake.workers.item(0, 2).setText(id_number())
    assert (
        intake.workers.item(0, 3).text() == "男"
        and intake.workers.item(0, 4).text() == "1988-05-17"
    )
    with qtbot.waitSignal(intake.registered, timeout=WAIT) as registered:
        intake.save_button.click()
    case_id, case_no = registered.args
    assert case_no == "（2026）鼓楼鼓东劳调字第0001号"
    page = section.case_page
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.id == case_id, timeout=WAIT)
    assert section.stack.currentWidget() is page
    assert "调解期限至2026年3月19日，还剩15天" in page.clock.text()
    # ---- accept through the action button and its dialog
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.action_buttons["accepted"].click()
        dialog = page._dialogs[-1]
        assert isinstance(dialog, TransitionDialog)
        dialog.ok_button.click()
    assert page.detail.status == CaseStatus.ACCEPTED
    assert set(page.action_buttons) >= {"in_mediation", "failed", "withdrawn", "extend"}
    # ---- a session starts the mediation
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.session_buttons["新增笔录…"].click()
        dialog = page._dialogs[-1]
        assert isinstance(dialog, SessionDialog)
        dialog.record.setPlainText("申请人陈述被拖欠工资；被申请人同意分期支付。")
        dialog.ok_button.click()
    assert page.detail.status == CaseStatus.IN_MEDIATION and len(page.detail.sessions) == 1
    assert page.sessions.rowCount() == 1
    assert not page.action_buttons["agreement_reached"].isEnabled()
    assert "协议书" in page.action_buttons["agreement_reached"].toolTip()
    # ---- the agreement: prefilled from the claim, then dates and method, save, sign
    page.agreement_buttons["拟定/编辑协议书…"].click()
    editor = page._dialogs[-1]
    assert isinstance(editor, AgreementDialog)
    assert editor.terms.rowCount() == 1 and editor.terms.item(0, 3).text() == "12000.00"
    assert editor.terms.item(0, 8).text() == "是"  # Art. 16: payment-order route
    with qtbot.waitSignal(editor.saved, timeout=WAIT):
        editor.save()
    # Signing without a date and method is refused with the problems under the terms table.
    monkeypatch.setattr(SignDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    editor.ask_sign()
    qtbot.waitUntil(lambda: editor.term_problems.isVisible(), timeout=WAIT)
    assert (
        "确切的支付日期" in editor.term_problems.text()
        and "支付方式" in editor.term_problems.text()
    )
    editor.terms.cellWidget(0, 4).setDate(
        editor.terms.cellWidget(0, 4).date().fromString("2026-03-20", "yyyy-MM-dd")
    )
    editor.terms.item(0, 5).setText("银行转账")
    editor.deadline.setDate(editor.deadline.date().fromString("2026-03-31", "yyyy-MM-dd"))
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        editor.ask_sign()
    assert page.detail.status == CaseStatus.AGREEMENT_REACHED
    assert page.detail.current_agreement.content_hash
    assert page.agreements.rowCount() == 1 and page.agreements.item(0, 1).text() == "已签署"
    # ---- print preview from memory, the printer, save as PDF
    preview = page.preview("agreement", "调解协议书")
    with qtbot.waitSignal(preview.ready, timeout=WAIT) as ready:
        pass
    assert ready.args[0] >= 1 and preview.preview.page_count() == ready.args[0]
    text = pdf_text(preview.pdf)
    for expected in (
        case_no,
        "张伟",
        id_number(),
        "福州闽江餐饮管理有限公司",
        "12,000.00",
        "壹万贰仟元整",
        "支付令",
    ):
        assert expected in text, expected
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setResolution(100)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    assert preview.preview.print_to(printer) == ready.args[0]
    assert len(PdfReader(str(printed)).pages) == ready.args[0]
    preview.save_to(tmp_path / "saved")
    assert (tmp_path / "saved.pdf").read_bytes() == preview.pdf
    preview.accept()
    # ---- performance against the term
    page.terms.selectRow(0)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.performance_buttons["登记履行…"].click()
        dialog = page._dialogs[-1]
        assert isinstance(dialog, PerformanceDialog)
        dialog.amount.setText("5000")
        dialog.ok_button.click()
    assert page.terms.item(0, 3).text() == "5,000.00" and page.terms.item(0, 4).text() == "7,000.00"
    # ---- attach the scanned signed agreement (stored encrypted)
    scan = tmp_path / "signed-scan.png"
    image = QImage(200, 280, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    assert image.save(str(scan))
    page.agreements.selectRow(0)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.attach_file(
            "mediation_agreement", page.detail.current_agreement.id, scan, "双方签字盖章件"
        )
    assert page.files.rowCount() == 1 and page.files.item(0, 3).text() == "协议书第1版"
    titles = [
        page.timeline.topLevelItem(i).text(1) for i in range(page.timeline.topLevelItemCount())
    ]
    for expected in (
        "收到调解申请",
        "受理",
        "第1次调解",
        "调解协议书第1版签署",
        "履行第1项",
        "附加文件",
    ):
        assert expected in titles
    # ---- back to the list: the new case is there
    page.back_requested.emit()
    qtbot.waitUntil(
        lambda: (
            rows(section) == 1
            and section.list_page.model.row(0).status == CaseStatus.AGREEMENT_REACHED
        ),
        timeout=WAIT,
    )


def test_sign_dialog_needs_the_formalities_confirmed(qtbot, store):
    case_id = in_mediation(store)
    with store.read() as s:
        detail = load_case(s, case_id)
    dialog = SignDialog(detail, TODAY)
    qtbot.addWidget(dialog)
    assert not dialog.ok.isEnabled()
    # Each party has a row, prefilled: the worker in person, the employer by its legal
    # representative, sealed.
    assert dialog.table.rowCount() == 2
    assert dialog.table.cellWidget(0, 2).text() == "张伟"
    assert dialog.table.cellWidget(1, 2).text() == "林建国"
    assert dialog.table.cellWidget(1, 3).isChecked()
    dialog.mediator_check.setChecked(True)
    assert dialog.ok.isEnabled() and dialog.signed_on() == TODAY
    assert [s.capacity.value for s in dialog.signatures()] == ["self", "legal_rep"]


def test_read_only_user_sees_but_cannot_change(qtbot, store, data_dir):
    case_id = in_mediation(store)
    store.add_user("viewer", "督查", Role.READ_ONLY, ADMIN_PASSWORD)
    with Store.open(data_dir, "viewer", ADMIN_PASSWORD) as viewer:
        ctx = AppContext(viewer)
        section = CasesSection(ctx, today=lambda: date(2026, 3, 6))
        qtbot.addWidget(section)
        assert not section.list_page.new_button.isEnabled()
        section.navigate(id=case_id)
        qtbot.waitUntil(lambda: section.case_page.detail is not None, timeout=WAIT)
        page = section.case_page
        assert not any(b.isEnabled() for b in page.action_buttons.values())
        assert not page.session_buttons["新增笔录…"].isEnabled()
        ctx.pool.waitForDone(10_000)


def test_batch_export_runs_in_the_background(qtbot, store, section, tmp_path, monkeypatch):
    in_mediation(store)
    section.activated()
    qtbot.waitUntil(lambda: rows(section) == 1, timeout=WAIT)
    import app.ui.cases.section as module

    shown = []
    monkeypatch.setattr(module.QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    section.list_page.export_to("session_record", [section.list_page.model.row(0).id], tmp_path)
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT)
    files = list(Path(tmp_path).glob("*.pdf"))
    assert len(files) == 1 and "调解笔录" in files[0].name
    assert "已生成 1 份文书" in shown[0]


def test_the_main_window_shows_the_section(qtbot, store):
    from app.ui.main_window import MainWindow

    window = MainWindow(store)
    qtbot.addWidget(window)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles.index("调解案件") < titles.index("设置与用户")
    window.show_section("cases")
    assert isinstance(window.current_section(), CasesSection)
    window.lock.stop()
    window.pending_timer.stop()
    window.ctx.pool.waitForDone(10_000)


def test_case_received_long_ago_shows_the_right_to_arbitrate(qtbot, store, section):
    case_id = in_mediation(store)
    section.today = lambda: date(2026, 3, 19)
    section.navigate(id=case_id)
    qtbot.waitUntil(lambda: section.case_page.detail is not None, timeout=WAIT)
    text = section.case_page.clock.text()
    assert "已超过2天" in text and "可以依法申请仲裁" in text
    assert RECEIVED.isoformat() in [
        section.case_page.timeline.topLevelItem(i).text(0) for i in range(3)
    ]


def test_intake_typing_is_kept_as_an_encrypted_draft(qtbot, store, section):
    intake = section.new_case()
    intake.workers.item(0, 0).setText("李秀英")
    intake.add_worker()
    intake.workers.item(1, 0).setText("王芳")
    intake.facts.setPlainText("草稿中的事实")
    intake.drafts.save_now(wait=True)
    intake.drafts.timer.stop()
    intake.done(0)
    from app.ui.cases.intake_dialog import IntakeDialog

    again = IntakeDialog(section.ctx, section, today=TODAY)
    qtbot.addWidget(again)
    assert again.drafts.offer_restore(ask=False)
    assert again.workers.rowCount() == 2 and again.workers.item(1, 0).text() == "王芳"
    assert again.facts.toPlainText() == "草稿中的事实"
    again.drafts.discard()


def test_enterprise_page_lists_the_enterprises_cases(qtbot, store):
    from sqlalchemy import select as _select

    from app.store.models import DisputeCase as _Case
    from app.ui.context import AppContext
    from app.ui.roster.enterprise_page import EnterprisePage
    from tests.cases_support import register

    register(store)
    with store.read() as s:
        case = s.scalars(_select(_Case)).one()
    ctx = AppContext(store)
    page = EnterprisePage(ctx)
    qtbot.addWidget(page)
    page.show_enterprise(case.respondent_id)
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert "调解案件" in titles
    tab = page.tabs.widget(titles.index("调解案件"))
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=10_000)
    assert tab.model.rows[0].case_no == case.case_no
    asked = []
    ctx.navigate_requested.connect(lambda key, kw: asked.append((key, kw)))
    tab._open(tab.model.index(0, 0))
    assert asked == [("cases", {"id": case.id})]
