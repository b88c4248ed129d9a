"""The 企业名录 section and the import dialog, driven with qtbot on a real encrypted store."""

from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from app.roster.service import EnterpriseService
from app.store.models import Enterprise
from app.ui.context import AppContext
from tests.roster_files import code, write_roster

pytestmark = pytest.mark.usefixtures("qapp")


def _count(store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(Enterprise))


@pytest.fixture
def ctx(store, qtbot):
    context = AppContext(store)
    yield context
    context.pool.waitForDone(10_000)


def test_import_dialog_maps_previews_and_imports(ctx, store, qtbot, tmp_path):
    from app.ui.roster.import_dialog import ImportDialog

    path = write_roster(tmp_path / "名录.xlsx", [
        [code(1), "福州闽江科技有限公司", "张三", "13912345678", "鼓东街道", "120"],
        [code(2), "福州榕城贸易有限公司", "李四", "0591-87654321", "鼓西", "30人"],
        [code(3), "坏数据公司", "王五", "12345", "火星街道", "abc"],
    ], header=["统一社会信用代码", "单位名称", "负责人", "电话", "街镇", "从业人数"])  # fmt: skip
    dialog = ImportDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.open_file(path)
    qtbot.waitUntil(lambda: dialog.source is not None and not dialog.busy, timeout=10_000)
    assert dialog.current_mapping() == {0: "credit_code", 1: "name", 2: "legal_rep", 3: "phone",
                                        4: "street_code", 5: "employee_count"}  # fmt: skip
    # the user says the phone column is not to be imported
    dialog.set_mapping(3, None)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.plan is not None and not dialog.busy, timeout=10_000)
    counts = dialog.plan.counts()
    assert counts["new"] == 2 and counts["invalid"] == 1
    assert dialog.invalid_model.rowCount() == 1
    reason = dialog.invalid_model.data(dialog.invalid_model.index(0, 1))
    assert "所属街道" in reason and "职工人数" in reason and "联系电话" not in reason
    assert _count(store) == 0  # the preview writes nothing
    out = tmp_path / "无效行.xlsx"
    dialog.save_invalid_rows(out)
    qtbot.waitUntil(lambda: not dialog.busy and out.exists(), timeout=10_000)
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][0] == 5 and "火星街道" in rows[1][1]
    assert dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert dialog.result.new == 2
    assert _count(store) == 2
    e = EnterpriseService(store).find_by_code(code(1))
    assert e.phone is None and e.employee_count == 120 and e.name_initials == "FZMJKJYXGS"
    dialog.reject()


def test_section_lists_searches_and_filters(ctx, store, qtbot):
    from app.ui.roster.section import RosterSection

    service = EnterpriseService(store)
    service.create({"credit_code": code(1), "name": "福州软件园开发有限公司", "street_code": "GUDONG",
                    "has_union": True})  # fmt: skip
    service.create({"credit_code": code(2), "name": "鼓楼餐饮管理有限公司", "legal_rep": "陈六",
                    "street_code": "WUFENG"})  # fmt: skip
    section = RosterSection(ctx)
    qtbot.addWidget(section)
    qtbot.waitUntil(lambda: section.model.rowCount() == 2, timeout=10_000)
    section.search.setText("fzrj")
    qtbot.waitUntil(
        lambda: section.model.rowCount() == 1 and not section.model.busy, timeout=10_000
    )
    assert section.model.data(section.model.index(0, 0)) == "福州软件园开发有限公司"
    section.search.setText("陈六")
    qtbot.waitUntil(lambda: section.model.rows and section.model.rows[0][1].startswith("鼓楼"),
                    timeout=10_000)  # fmt: skip
    section.search.clear()
    section.union.setCurrentIndex(section.union.findData(True))
    qtbot.waitUntil(
        lambda: section.model.rowCount() == 1 and not section.model.busy, timeout=10_000
    )
    assert section.model.rows[0][1] == "福州软件园开发有限公司"
    section.open_enterprise(section.model.enterprise_id(0))
    assert section.stack.currentIndex() == 1
    assert "福州软件园开发有限公司" in section.page.title.text()
