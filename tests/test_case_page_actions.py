"""The case page only shows what available_actions() says: each button enabled or not as the core
decides, the reason of a disabled main action as text on the page (not only a tooltip), the
deadline lines in the core's words and colours."""

from __future__ import annotations

from datetime import date

import pytest

from app.cases import actions
from app.cases.actions import deadline_notes
from app.cases.detail import load_case
from app.domain.enums import Role
from app.store.store import Store
from app.ui.cases.list_model import COLUMNS
from app.ui.cases.section import CasesSection
from app.ui.context import AppContext
from tests.cases_support import in_mediation
from tests.conftest import ADMIN_PASSWORD

WAIT = 15_000


def open_case(qtbot, ctx, case_id, today):
    section = CasesSection(ctx, today=lambda: today)
    qtbot.addWidget(section)
    section.resize(1300, 760)
    section.show()
    section.navigate(id=case_id)
    qtbot.waitUntil(lambda: section.case_page.detail is not None, timeout=WAIT)
    return section


@pytest.fixture
def ctx(store):
    ctx = AppContext(store)
    yield ctx
    ctx.pool.waitForDone(10_000)


def test_a_disabled_main_action_says_why_on_the_page(qtbot, store, ctx):
    case_id = in_mediation(store)
    today = date(2026, 3, 16)
    page = open_case(qtbot, ctx, case_id, today).case_page
    reached = page.action_buttons["agreement_reached"]
    assert not reached.isEnabled()
    assert page.refusals.isVisible()
    text = page.refusals.text()
    assert text.startswith("暂不能“达成协议”：尚无已签署的调解协议书")
    assert "请先制作调解协议书并签署" in text
    # the same reason as the core's; the enabled ones are not listed
    assert reached.toolTip() in text
    assert "开始调解" not in text and page.action_buttons["failed"].isEnabled()
    # tab buttons follow the core too, with the reason as their tooltip
    new_version = page.agreement_buttons["制作新版本…"]
    assert not new_version.isEnabled() and "请直接编辑草稿" in new_version.toolTip()
    assert page.session_buttons["新增笔录…"].isEnabled()
    assert not page.performance_buttons["登记履行…"].isEnabled()
    # the deadline line: the core's text in the core's colour (due soon: 2 days left)
    with store.read() as s:
        first = deadline_notes(load_case(s, case_id), today)[0]
    assert first.tone == "due_soon"
    assert f"color:{first.color}" in page.clock.text() and first.text in page.clock.text()


def test_a_read_only_account_reads_why_nothing_is_enabled(qtbot, store, data_dir):
    case_id = in_mediation(store)
    store.add_user("viewer", "督查", Role.READ_ONLY, ADMIN_PASSWORD)
    with Store.open(data_dir, "viewer", ADMIN_PASSWORD) as viewer:
        ctx = AppContext(viewer)
        page = open_case(qtbot, ctx, case_id, date(2026, 3, 6)).case_page
        assert page.action_buttons and not any(b.isEnabled() for b in page.action_buttons.values())
        assert page.refusals.isVisible() and page.refusals.text() == actions.READ_ONLY
        ctx.pool.waitForDone(10_000)


def test_what_users_read_on_the_case_page(qtbot, store, ctx, tmp_path):
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QPushButton

    from tests.cases_support import signed

    case_id, _ = signed(store)
    section = open_case(qtbot, ctx, case_id, date(2026, 4, 19))
    page = section.case_page
    # file types in Chinese, never a MIME type
    scan = tmp_path / "签署件 扫描.png"
    image = QImage(40, 40, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    assert image.save(str(scan))
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.attach_file("dispute_case", case_id, scan)
    kinds = [page.files.item(r, 1).text() for r in range(page.files.rowCount())]
    assert kinds == ["PNG图片"] and not any("/" in k for k in kinds)
    # the agreement's hash is labelled and explained, the full value in the tooltip
    cell = page.agreements.item(0, 6)
    hash_ = page.detail.current_agreement.content_hash
    assert cell.text() == f"校验码 {hash_[:16]}…"
    assert "SHA-256" in cell.toolTip() and hash_ in cell.toolTip()
    # an overdue term: "已逾期N天", never a negative count
    states = [page.terms.item(r, 6).text() for r in range(page.terms.rowCount())]
    assert "逾期未履行（已逾期30天）" in states and not any("-" in s for s in states)
    assert "第1项已逾期30天未履行" in page.clock.text()
    # the print menu's button makes room for its arrow
    button = page.print_menu.parentWidget()
    assert isinstance(button, QPushButton) and button.menu() is page.print_menu
    assert button.width() >= button.sizeHint().width()


def test_the_case_list_says_already_overdue(qtbot, store, ctx):
    in_mediation(store)
    section = CasesSection(ctx, today=lambda: date(2026, 3, 19))
    qtbot.addWidget(section)
    section.show()
    section.activated()
    model = section.list_page.model
    qtbot.waitUntil(lambda: model.rowCount() == 1 and not model.loading, timeout=WAIT)
    column = [key for key, _ in COLUMNS].index("deadline")
    text = model.data(model.index(0, column))
    assert text == "2026-03-17（已逾期2天）"
