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
    # every required column was recognised: the preview came with the file, nothing written
    assert dialog.plan is not None and dialog.plan.counts()["new"] == 2
    assert "新增 2" in dialog.counts.text() and _count(store) == 0
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
    qtbot.waitUntil(lambda: bool(section.model.rows) and section.model.rows[0][1].startswith("鼓楼"),
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


def make_notes_tab(ctx, enterprise_id):
    """A tab another area might add (registered by "module:factory")."""
    from PySide6.QtWidgets import QLabel

    label = QLabel(f"走访记录：{enterprise_id[:8]}")
    label.setWindowTitle("走访记录")
    return label


def broken_tab(ctx, enterprise_id):
    raise RuntimeError("this area's tab is broken")


def test_enterprise_page_takes_tabs_from_other_areas(ctx, store, qtbot, monkeypatch):
    from app.ui.roster import enterprise_page
    from app.ui.roster.enterprise_page import EnterprisePage, register_enterprise_tab

    monkeypatch.setattr(enterprise_page, "ENTERPRISE_TABS", [])
    register_enterprise_tab("tests.test_roster_ui:make_notes_tab")
    register_enterprise_tab("tests.test_roster_ui:broken_tab")
    e = EnterpriseService(store).create({"credit_code": code(5), "name": "福州鼓山机械有限公司"})
    page = EnterprisePage(ctx)
    qtbot.addWidget(page)
    page.show_enterprise(e.id)
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert titles == ["基本信息", "走访记录"]
    assert page.details.values["name"].text() == "福州鼓山机械有限公司"


def test_form_shows_messages_next_to_fields_and_admin_accepts_a_rare_code(ctx, store, qtbot):
    from app.ui.roster.enterprise_form import EnterpriseDialog
    from tests.roster_files import bad_check_digit

    dialog = EnterpriseDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.inputs["credit_code"].setText(bad_check_digit(9))
    dialog.inputs["phone"].setText("12345")
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.form.errors()), timeout=10000)
    errors = dialog.form.errors()
    assert dialog.message.text() == "有3处需要修改，见各栏下方的红字提示"
    assert "校验位不符" in errors["credit_code"] and "手机号码应为11位" in errors["phone"]
    assert errors["name"] == "不能为空"
    assert dialog.accept_code.isVisibleTo(dialog) is False  # other fields are wrong too
    dialog.inputs["name"].setText("福州少见代码有限公司")
    dialog.inputs["phone"].setText("13912345678")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.accept_code.isVisibleTo(dialog), timeout=10000)
    assert dialog.accept_code.isEnabled()
    assert dialog.result() == 0 and _count(store) == 0
    dialog.accept_code.setChecked(True)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.save()
    assert dialog.saved_id is not None
    saved = EnterpriseService(store).get(dialog.saved_id)
    assert saved.credit_code_accepted and saved.name_initials == "FZSJDMYXGS"

    edit = EnterpriseDialog(ctx, saved)
    qtbot.addWidget(edit)
    assert edit.inputs["name"].text() == "福州少见代码有限公司"
    edit.inputs["employee_count"].setValue(35)
    with qtbot.waitSignal(edit.accepted, timeout=10000):
        edit.save()
    assert EnterpriseService(store).get(saved.id).employee_count == 35


def test_import_can_be_cancelled_from_the_dialog(ctx, store, qtbot, tmp_path):
    import bench.roster_import as bench
    from app.ui.roster.import_dialog import ImportDialog

    path = tmp_path / "big.xlsx"
    bench.write_excel_like(path, bench.roster_rows(15_000))
    dialog = ImportDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.open_file(path)
    qtbot.waitUntil(lambda: dialog.source is not None and not dialog.busy, timeout=20_000)
    dialog.check()
    qtbot.waitUntil(lambda: dialog.plan is not None and not dialog.busy, timeout=30_000)
    dialog.start_import()
    qtbot.waitUntil(lambda: "写入" in dialog.status.text() or not dialog.busy, timeout=30_000)
    assert dialog.cancel_button.isVisibleTo(dialog) or not dialog.busy
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    if dialog.result is None:  # cancelled in time (the usual case)
        assert "已取消" in dialog.status.text()
        assert _count(store) == 0
    else:  # the machine finished the transaction before the click landed: all or nothing
        assert _count(store) == dialog.result.new


def test_main_window_has_the_roster_section(store, qtbot):
    from app.ui.main_window import MainWindow

    window = MainWindow(store)
    qtbot.addWidget(window)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "企业名录" in titles
    window.show_section("roster")
    from app.ui.roster.section import RosterSection

    assert isinstance(window.sections["roster"], RosterSection)
    window.ctx.pool.waitForDone(10_000)


def test_a_file_without_a_name_column_asks_for_the_mapping_first(ctx, store, qtbot, tmp_path):
    from app.ui.roster.import_dialog import ImportDialog

    path = write_roster(tmp_path / "名录.xlsx", [
        [code(1), "福州闽江科技有限公司", "13912345678"],
        [code(2), "福州榕城贸易有限公司", "0591-87654321"],
    ], header=["统一社会信用代码", "甲栏", "电话"])  # fmt: skip
    dialog = ImportDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.open_file(path)
    qtbot.waitUntil(
        lambda: not dialog.busy and (dialog.source is not None or bool(dialog.error)),
        timeout=10_000,
    )
    if dialog.source is None:  # the header was not recognised at all: said so in Chinese
        assert dialog.error and "表头" in dialog.error
        return
    assert dialog.plan is None  # no preview yet: a required column is not mapped
    assert "企业名称" in dialog.status.text() and "检查" in dialog.status.text()
    dialog.set_mapping(1, "name")
    dialog.check()
    qtbot.waitUntil(lambda: dialog.plan is not None and not dialog.busy, timeout=10_000)
    assert dialog.plan.counts()["new"] == 2 and _count(store) == 0


# ---------------------------------------------------------------- the corpus in the dialog

CORPUS = __import__("pathlib").Path(__file__).parent / "data" / "rosters"


def _open(dialog, qtbot, path):
    dialog.open_file(path)
    qtbot.waitUntil(lambda: not dialog.busy and (dialog.source is not None or bool(dialog.error)),
                    timeout=30_000)  # fmt: skip
    assert dialog.error is None, dialog.error
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)


def _choose_row(dialog, qtbot, row: int) -> None:
    """As the user does it: pick the row in the 表头行 list."""
    index = dialog.header_row.findData(row)
    assert index >= 0, [dialog.header_row.itemText(i) for i in range(dialog.header_row.count())]
    dialog.header_row.setCurrentIndex(index)
    dialog.header_row.activated.emit(index)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.source.header.rows[-1] == row,
                    timeout=30_000)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "first", "wrong", "counts"),
    [
        # LibreOffice: a title and the 填报单位/填报日期 line above the header (issue 16)
        ("meta_line.lo.xlsx", ["第3行为表头", "第2行“填报单位：东街街道", "为表外说明", "序号列未导入"],
         2, "新增 6"),
        # xlwt: 小计 rows inside the table, 合计 and 填表说明 below it
        ("totals.xlwt.xls", ["第1行为表头", "为合计/小计行", "为填表说明", "已跳过（不算无效）"],
         3, "新增 8"),
        # openpyxl: one sheet per community
        ("multi_sheet.openpyxl.xlsx", ["读取3个格式相同的工作表", "“二社区”", "工作表“说明”未导入"],
         2, "新增 9"),
    ],
)  # fmt: skip
def test_import_dialog_shows_the_reading_and_takes_the_users_header_row(
    ctx, store, qtbot, name, first, wrong, counts
):
    from app.ui.roster.import_dialog import ImportDialog

    dialog = ImportDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    _open(dialog, qtbot, CORPUS / name)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30_000)
    reading = dialog.reading_label.text()
    assert dialog.reading_label.isVisible()
    assert reading.startswith("读取方式：")
    for fragment in first:
        assert fragment in reading, reading
    assert counts in dialog.counts.text()
    right = dialog.source.header.rows[-1]

    # the user picks another header row: read again from it, nothing written
    _choose_row(dialog, qtbot, wrong)
    reading = dialog.reading_label.text()
    assert f"第{wrong}行为表头（您指定）" in reading, reading
    assert dialog.source.header.chosen
    assert _count(store) == 0
    if dialog.plan is None:  # that row names no roster fields: the dialog asks for the mapping
        assert "企业名称" in dialog.status.text() or "统一社会信用代码" in dialog.status.text()
    else:
        assert counts not in dialog.counts.text()

    # and back to the right one: the reading and the preview are right again
    _choose_row(dialog, qtbot, right)
    qtbot.waitUntil(lambda: dialog.plan is not None and not dialog.busy, timeout=30_000)
    assert f"第{right}行为表头（您指定）" in dialog.reading_label.text()
    assert counts in dialog.counts.text()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30_000)
    assert _count(store) == int(counts.split()[1])
    dialog.reject()


def test_import_dialog_says_what_is_wrong_with_a_hostile_file(ctx, store, qtbot, tmp_path):
    from app.ui.roster.import_dialog import ImportDialog
    from tests.security.test_hostile_xlsx import HEADER_ROW, sheet_xml, xlsx

    path = xlsx(tmp_path / "坏.xlsx", sheet_xml(
        f'<dimension ref="A1:C2"/><sheetData>{HEADER_ROW}'
        '<row r="2"><c r="XFD1048576"><v>1</v></c></row></sheetData>'))  # fmt: skip
    dialog = ImportDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.open_file(path)
    qtbot.waitUntil(lambda: not dialog.busy and bool(dialog.error), timeout=60_000)
    assert "XFD1048576" in dialog.header_label.text() and "坏.xlsx" in dialog.header_label.text()
    assert dialog.source is None and dialog.choose.isEnabled()  # the dialog (and the app) go on
    good = write_roster(tmp_path / "好.xlsx", [[code(1), "福州闽江科技有限公司"]])
    _open(dialog, qtbot, good)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30_000)
    assert "新增 1" in dialog.counts.text()
    dialog.reject()


def test_history_tab_lists_edits_and_each_import_of_the_record(ctx, store, qtbot, tmp_path):
    """One audit event per import, yet the enterprise's 操作记录 lists its own part of it."""
    from app.roster.importer import import_file
    from app.ui.roster.enterprise_page import EnterprisePage

    rows = [[code(41), "福州冶山科技有限公司", "张三", "13900000041", "鼓东", 10],
            [code(42), "福州屏山贸易有限公司", "李四", "13900000042", "鼓东", 20]]  # fmt: skip
    import_file(store, write_roster(tmp_path / "v1.xlsx", rows))
    rows[0][4], rows[0][3] = "鼓西", "13900000099"
    import_file(store, write_roster(tmp_path / "v2.xlsx", rows))
    e = EnterpriseService(store).find_by_code(code(41))
    EnterpriseService(store).update(e.id, {"employee_count": 12})
    page = EnterprisePage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 640)
    page.show_enterprise(e.id)
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    tab = page.tabs.widget(titles.index("操作记录"))
    qtbot.waitUntil(lambda: not tab.loading, timeout=15_000)  # read in the background
    table = tab.table
    lines = [[table.item(r, c).text() for c in range(table.columnCount())]
             for r in range(table.rowCount())]  # fmt: skip
    assert [line[2] for line in lines] == ["修改", "名录导入更新", "名录导入新增"]  # newest first
    assert lines[0][4] == "职工人数：10 → 12"
    assert "所属街道：鼓东街道 → 鼓西街道" in lines[1][4]
    assert "联系电话：已修改" in lines[1][4] and "13900000099" not in lines[1][4]
    assert all(line[3] == "企业" for line in lines)  # the record itself, not one of its parts
    assert all(line[1] for line in lines)  # who
    assert not tab.empty.isVisible()
    # the other enterprise of the same imports: only its own entry
    other = EnterpriseService(store).find_by_code(code(42))
    page.show_enterprise(other.id)
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    tab = page.tabs.widget(titles.index("操作记录"))
    qtbot.waitUntil(lambda: not tab.loading, timeout=15_000)
    table = tab.table
    assert table.rowCount() == 1 and table.item(0, 2).text() == "名录导入新增"
