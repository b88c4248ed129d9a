"""Every dialog and every section fits a 1366×768 station PC (1366×728 usable with the taskbar,
title bar included), and its default buttons are visible without scrolling.

The checks need a screen of exactly that size, which the test process's Qt application (shared by
all tests) does not have: ``test_everything_fits_at_1366x728`` runs this file again in a child
process whose offscreen screen is 1366×728 (tests/data/screen-1366x728.json); there the
``fit_*`` tests run, each opening real windows on a real store.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QWidget,
)

from app.ui.widgets.fit import TITLE_BAR

CHILD = "LABOR_STATION_FIT_CHILD"
SCREEN_FILE = Path(__file__).parent / "data" / "screen-1366x728.json"
WIDTH, HEIGHT = 1366, 728
TODAY = date(2026, 3, 4)

in_child = pytest.mark.skipif(not os.environ.get(CHILD), reason="runs in the 1366×728 child")


@pytest.mark.skipif(bool(os.environ.get(CHILD)), reason="this is the child")
def test_everything_fits_at_1366x728(tmp_path):
    env = dict(os.environ)
    env[CHILD] = "1"
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREEN_FILE}"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "--basetemp",
            str(tmp_path / "child"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert " passed" in run.stdout and "skipped" in run.stdout


# ------------------------------------------------------------------ the checks (in the child)


def default_buttons(window: QWidget) -> list[QAbstractButton]:
    """The buttons a user must reach: every button of a dialog button box, every default or
    primary push button."""
    found: list[QAbstractButton] = []
    for box in window.findChildren(QDialogButtonBox):
        if box.isVisibleTo(window):
            found += [b for b in box.buttons() if b.isVisibleTo(window)]
    for button in window.findChildren(QPushButton):
        if button in found or not button.isVisibleTo(window):
            continue
        if button.isDefault() or button.property("role") == "primary":
            found.append(button)
    return found


def assert_fits(qtbot, window: QWidget, *, needs_buttons: bool = True) -> None:
    if not window.isVisible():
        window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    name = type(window).__name__
    frame = window.frameGeometry()
    title = 0 if window.isMaximized() else TITLE_BAR  # a maximised window's title bar is inside
    assert frame.width() <= WIDTH and frame.height() + title <= HEIGHT, (
        f"{name} is {frame.width()}×{frame.height()} (+{TITLE_BAR} title bar)"
    )
    least = window.minimumSizeHint().expandedTo(window.minimumSize())
    assert least.width() <= WIDTH and least.height() + TITLE_BAR <= HEIGHT, (
        f"{name} cannot shrink below {least.width()}×{least.height()}"
    )
    screen = window.screen().availableGeometry()
    assert screen.contains(frame), f"{name} at {frame} is off the screen {screen}"
    buttons = default_buttons(window)
    if needs_buttons:
        assert buttons, f"{name} has no button row"
    inside = window.rect()
    for button in buttons:
        where = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
        assert inside.contains(where), f"{name}: {button.text()!r} at {where} is outside {inside}"
        assert not button.visibleRegion().isEmpty(), f"{name}: {button.text()!r} is scrolled away"


@pytest.fixture
def ctx(store):
    from app.ui.application import setup_application
    from app.ui.context import AppContext

    setup_application(QApplication.instance())
    c = AppContext(store)
    yield c
    c.pool.waitForDone(10_000)


def open_dialog(qtbot, dialog: QDialog) -> QDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


# ---- the main window, each section shown in turn


@in_child
def test_fit_main_window_each_section(qtbot, store, ctx):
    from app.ui.main_window import MainWindow

    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show_placed()
    qtbot.waitExposed(window)
    assert window.isMaximized()
    for row in range(window.nav.count()):
        window.nav.setCurrentRow(row)
        QApplication.processEvents()
        title = window.nav.item(row).text()
        assert_fits(qtbot, window, needs_buttons=False)
        least = window.minimumSizeHint()
        assert least.height() + TITLE_BAR <= HEIGHT, f"{title}: min height {least.height()}"
    # the pages behind the lists: one case, one enterprise
    from app.cases.detail import load_case
    from tests.cases_support import in_mediation

    case_id = in_mediation(store)
    with store.read() as s:
        employer = load_case(s, case_id).respondent_id
    window.show_section("cases", {"id": case_id})
    qtbot.waitUntil(lambda: window.sections["cases"].case_page.isVisible(), timeout=10_000)
    assert_fits(qtbot, window, needs_buttons=False)
    window.show_section("roster", {"id": employer})
    QApplication.processEvents()
    assert_fits(qtbot, window, needs_buttons=False)
    window.lock.stop()
    window.sync.stop()
    window.pending_timer.stop()


@in_child
def test_fit_main_window_remembers_its_place(qtbot, store):
    from app.store.store import Store
    from app.ui.main_window import MainWindow

    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show_placed()
    qtbot.waitExposed(window)
    window.showNormal()
    window.setGeometry(100, 80, 900, 600)
    QApplication.processEvents()
    window._signing_out = True
    window.close()
    again = MainWindow(Store.open(store.data_dir, "admin", "Admin-pass-2026"))
    qtbot.addWidget(again)
    again.show_placed()
    qtbot.waitExposed(again)
    assert not again.isMaximized() and again.size().width() == 900
    again._signing_out = True
    again.close()


# ---- login, wizard, lock, help


@in_child
def test_fit_login_wizard_unlock_help(qtbot, store, data_dir, tmp_path):
    from app.ui.help import HelpDialog
    from app.ui.lock import UnlockDialog
    from app.ui.login import LoginDialog, RecoveryResetDialog
    from app.ui.wizard import FirstRunWizard

    for dialog in (
        LoginDialog(data_dir),
        RecoveryResetDialog(data_dir),
        UnlockDialog(store),
        FirstRunWizard(tmp_path / "new-station"),
    ):
        assert_fits(qtbot, open_dialog(qtbot, dialog))
    assert_fits(qtbot, open_dialog(qtbot, HelpDialog()), needs_buttons=False)


# ---- cases


@in_child
def test_fit_case_dialogs(qtbot, store, ctx):
    from app.cases.detail import load_case
    from app.domain.enums import CaseStatus
    from app.ui.cases.agreement_dialog import AgreementDialog, SignDialog
    from app.ui.cases.dialogs import (
        CommissionDialog,
        ConfirmationDialog,
        ExtensionDialog,
        NewVersionDialog,
        OnlineDeclineDialog,
        PerformanceDialog,
        SessionDialog,
        TransitionDialog,
    )
    from app.ui.cases.edit_dialogs import CaseDetailsDialog, PartyDialog
    from app.ui.cases.enterprise_dialog import NewEnterpriseDialog
    from app.ui.cases.followup_dialog import FollowUpDialog
    from app.ui.cases.intake_dialog import IntakeDialog
    from app.ui.cases.preview import PreviewDialog
    from app.ui.cases.referral_dialog import ReferralDialog
    from app.ui.cases.signing_dialogs import ScheduleDialog
    from tests.cases_support import EnterpriseChoice, in_mediation, signed

    signed_id, _agreement = signed(store)
    with store.read() as s:
        done = load_case(s, signed_id)
    case_id = in_mediation(store, respondent=EnterpriseChoice(enterprise_id=done.respondent_id))
    with store.read() as s:
        detail = load_case(s, case_id)
    term = done.agreements[0].terms[0]
    from tests.cases_support import worker
    from tests.test_documents_legal import employer

    names = [
        "赵一",
        "钱二",
        "孙三",
        "李四",
        "周五",
        "吴六",
        "郑七",
        "王八",
        "冯九",
        "陈十",
        "褚甲",
        "卫乙",
    ]
    crowd = [worker(n, seq=20 + i, is_representative=i < 2) for i, n in enumerate(names)]
    many_id = in_mediation(store, workers=crowd, respondent=employer(41))
    with store.read() as s:
        many = load_case(s, many_id)
    dialogs = [
        IntakeDialog(ctx, today=TODAY),
        CaseDetailsDialog(ctx, detail, TODAY),
        PartyDialog(ctx, detail, TODAY, party_id=detail.parties[0].id),
        TransitionDialog(ctx, detail, CaseStatus.FAILED, TODAY),
        ReferralDialog(ctx, detail, TODAY),
        ExtensionDialog(ctx, detail, TODAY),
        SessionDialog(ctx, detail, TODAY),
        PerformanceDialog(ctx, done, term, TODAY),
        AgreementDialog(ctx, detail, TODAY),
        SignDialog(done, TODAY),
        FollowUpDialog(ctx, done, TODAY),
        ScheduleDialog(many, 1, "36000", []),
        SignDialog(many, TODAY),
        NewEnterpriseDialog("福州闽江餐饮管理有限公司", is_admin=True),
        NewVersionDialog(ctx, done),
        ConfirmationDialog(ctx, done, TODAY),
        CommissionDialog(ctx),
        OnlineDeclineDialog(ctx, "no-such-application", "WS2026-AAAA-BBB1"),
    ]
    for dialog in dialogs:
        assert_fits(qtbot, open_dialog(qtbot, dialog))
    preview = open_dialog(qtbot, PreviewDialog(ctx, "预览", a4_page))
    qtbot.waitUntil(lambda: preview.print_button.isEnabled(), timeout=20_000)
    assert_fits(qtbot, preview)
    # the page is shown whole: it fits the preview's width and height
    assert preview.preview.fits_page()


def a4_page() -> bytes:
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.drawString(72, 760, "Agreement")
    page.showPage()
    page.save()
    return out.getvalue()


# ---- visits, roster, activities, workbench, settings


@in_child
def test_fit_visit_dialogs(qtbot, store, ctx):
    from app.ui.visits.dialogs import CreditNotesDialog, FindingUpdateDialog, VisitDetailDialog
    from app.ui.visits.visit_form import VisitForm
    from app.visits import ledger
    from app.visits.ledger import LedgerFilter
    from tests import visits_factory as fx
    from tests.test_visits_ui import fill_problem

    with store.unit_of_work() as s:
        firm = fx.enterprise(s, "福州闽江软件有限公司", "GUDONG", above_scale=False)
    form = open_dialog(qtbot, VisitForm(ctx, enterprise_id=firm.id, today=TODAY))
    assert_fits(qtbot, form)
    form.visited_on.set_value(date(2026, 3, 1))
    fill_problem(form, "wage_payment", "拖欠工资", "王经理", date(2026, 4, 1))
    with qtbot.waitSignal(form.accepted, timeout=10_000):
        form.save()
    row = ledger.list_findings(store, LedgerFilter(), TODAY)[0]
    from app.visits.service import list_visits

    visit = list_visits(store)[0] if _takes_store_only(list_visits) else None
    dialogs = [
        FindingUpdateDialog(ctx, row, today=TODAY),
        CreditNotesDialog(ctx, firm.id, firm.name, today=TODAY),
    ]
    if visit is not None:
        dialogs.append(VisitDetailDialog(ctx, visit.id))
    for dialog in dialogs:
        assert_fits(qtbot, open_dialog(qtbot, dialog), needs_buttons=False)


def _takes_store_only(fn) -> bool:
    import inspect

    params = [p for p in inspect.signature(fn).parameters.values() if p.default is p.empty]
    return len(params) == 1


@in_child
def test_fit_roster_activity_workbench_settings_dialogs(qtbot, store, ctx, tmp_path):
    from app.activities import team
    from app.domain.enums import ActivityKind, TeamRole
    from app.ui.activities.forms import ActivityForm, MemberDialog, ScoreDialog, TrainingDialog
    from app.ui.roster.enterprise_form import EnterpriseDialog
    from app.ui.roster.import_dialog import ImportDialog
    from app.ui.sections.audit_log import AuditLogDialog
    from app.ui.sections.settings import AddUserDialog, PasswordDialog, RestoreDialog
    from app.ui.widgets.history import HistoryDialog
    from app.ui.workbench.export_dialog import ExportReportDialog

    team.save_member(store, team.MemberInput(name="陈明", role=TeamRole.MEDIATOR), today=TODAY)
    members = team.list_members(store)
    dialogs = [
        EnterpriseDialog(ctx),
        ImportDialog(ctx),
        ActivityForm(ctx, kind=ActivityKind.PARK_TOUR, today=TODAY),
        ActivityForm(ctx, kind=ActivityKind.EXPERT_LECTURE, today=TODAY),
        MemberDialog(ctx, today=TODAY),
        MemberDialog(ctx, member=members[0], today=TODAY),
        TrainingDialog(ctx, members, today=TODAY),
        ScoreDialog(ctx, 2026, today=TODAY),
        ExportReportDialog(ctx, today=TODAY),
        AddUserDialog(),
        PasswordDialog("修改密码", "请输入新密码", ask_old=True),
        RestoreDialog(tmp_path / "备份 2026.lsbak", "admin"),
        AuditLogDialog(ctx, today=TODAY),
        HistoryDialog(ctx, "activity", "00000000-0000-0000-0000-000000000000"),
    ]
    for dialog in dialogs:
        assert_fits(qtbot, open_dialog(qtbot, dialog))


# ---- case transfers (移交) and correction requests (issue 12)


@in_child
def test_fit_transfer_dialogs(qtbot, store, ctx):
    from app.ui.cases.transfer_dialog import DeclineTransferDialog, TransferDialog
    from tests.cases_support import register

    case = register(store)
    for dialog in (
        TransferDialog(ctx, case.case_id, case.case_no),
        DeclineTransferDialog(ctx, "00000000-0000-4000-8000-000000000001", "鼓西街道 (2026)1号"),
    ):
        assert_fits(qtbot, open_dialog(qtbot, dialog))
