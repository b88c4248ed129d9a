"""Roster import over real files (openpyxl, LibreOffice, xlwt), into a real encrypted store."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.roster.export import export_enterprises, export_errors, write_template
from app.roster.importer import ImportCancelled, analyse, apply, import_file
from app.roster.service import EnterpriseFilter, EnterpriseService
from app.roster.source import RosterSource
from app.store import changes
from app.store.bulk import read_detail
from app.store.models import AuditEvent, Enterprise, ImportMapping, OutboxEntry
from tests.roster_files import bad_check_digit, code, write_roster

DATA = Path(__file__).parent / "data" / "roster"


def counts(store) -> tuple[int, int, int]:
    with store.read() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (Enterprise, AuditEvent, OutboxEntry)
        )


def by_code(store, c: str) -> Enterprise:
    found = EnterpriseService(store).find_by_code(c)
    assert found is not None, c
    return found


MESSY_ROWS = [
    [code(1), "福州闽江科技有限公司", "张三", 13912345678, "鼓东街道", 120.0],
    [code(2).lower(), "福州榕城贸易有限公司", "李四", "0591-87654321", "鼓楼区鼓西街道", "30人"],
    [" " + code(3).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + " ",
     "福州三坊餐饮有限公司", "王五", "138 0013 8000", "五凤", "１５"],
    [None, None, None, None, None, None],
    [code(4), "福州七巷物业有限公司", "赵六", "12345", "火星街道", "很多"],
    [code(1), "福州闽江科技有限公司", "张三", 13912345678, "鼓东街道", 120.0],
    [code(1), "福州闽江科技有限公司（另一家）", "张三", 13912345678, "鼓东街道", 120.0],
    [1.2345678901234568e17, "数字代码公司", "孙八", None, None, None],
    [bad_check_digit(5), "校验位错误公司", "周九", None, None, None],
    [None, "没有代码的公司", "吴十", None, None, None],
    ["合计：共9家"],
]  # fmt: skip


def test_messy_openpyxl_roster_is_normalised_and_checked(store, tmp_path):
    path = write_roster(tmp_path / "名录.xlsx", MESSY_ROWS)
    before = counts(store)
    plan, result = import_file(store, path, dry_run=True)
    assert counts(store) == before  # a dry run writes nothing
    assert plan.header.rows == (2,)
    assert (result.new, result.updated, result.invalid, result.duplicates) == (3, 0, 5, 1)
    reasons = {r.row: r.reason for r in plan.all_invalid}
    assert "联系电话" in reasons[7] and "所属街道" in reasons[7] and "职工人数" in reasons[7]
    assert "与第3行相同" in reasons[9]
    assert "科学计数法" in reasons[10]
    assert "校验位不符" in reasons[11] and "站点管理员" in reasons[11]
    assert "不能为空" in reasons[12]

    _plan, result = import_file(store, path)
    assert (result.new, result.invalid) == (3, 5)
    e = by_code(store, code(2))
    assert (e.phone, e.street_code, e.employee_count) == ("0591-87654321", "GUXI", 30)
    e = by_code(store, code(3))
    assert (e.phone, e.street_code, e.employee_count, e.source) == (
        "13800138000",
        "WUFENG",
        15,
        "import",
    )
    assert by_code(store, code(1)).name_initials == "FZMJKJYXGS"
    # one audit event for the import (holding each record's entry) and one outbox entry per new
    # enterprise, in the same transaction
    assert counts(store) == (before[0] + 3, before[1] + 1, before[2] + 3)
    ids = {by_code(store, code(i)).id for i in (1, 2, 3)}
    with store.read() as s:
        (event,) = s.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
        assert event.entity == "enterprise" and event.entity_id is None
        assert event.summary == "名录导入：新增 3 家，更新 0 家"
        assert set(read_detail(event.detail)["insert"]) == ids
        for rid in ids:
            (entry,) = changes.history(s, "enterprise", rid)
            assert (entry.action, entry.summary, entry.changes) == ("import", "名录导入新增", None)
        assert s.get(ImportMapping, plan.header.layout_key) is not None

    _plan, again = import_file(store, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    assert counts(store)[2] == before[2] + 3  # nothing unchanged reaches the outbox


def _expected_libreoffice(result, plan):
    assert (result.new, result.invalid, result.duplicates) == (4, 1, 1), plan.all_invalid
    assert [r.row for r in plan.all_invalid] == [8]


@pytest.mark.parametrize("name", ["lo_roster.xlsx", "lo_roster.xls", "lo_roster.ods"])
def test_libreoffice_files(store, name):
    plan, result = import_file(store, DATA / name)
    _expected_libreoffice(result, plan)
    assert plan.sheet == "企业名录" and plan.header.rows == (3,)
    # rows 5 and 6 sit in a street cell merged from row 4 (the .ods reader reports no merges)
    if not name.endswith(".ods"):
        assert by_code(store, code(12)).street_code == "GUDONG"
        assert by_code(store, code(13)).street_code == "GUDONG"
    e = by_code(store, code(15))
    assert (e.street_code, e.employee_count, e.above_scale) == ("HONGSHAN", 900, True)
    assert e.name_initials == "CLZGJXYXGS"  # 长乐 cháng lè, 重工 zhòng gōng


def test_xls_written_by_xlwt(store, tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("企业")
    rows = [["鼓楼区企业名录"], ["统一社会信用代码", "单位名称", "法人代表", "联系方式", "街镇"],
            [code(21), "福州西湖文化传媒有限公司", "林一", 13700001111.0, "鼓西"],
            [code(22), "福州温泉酒店管理有限公司", "林二", "0591-83330000", "温泉街道"]]  # fmt: skip
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    path = tmp_path / "xlwt.xls"
    book.save(str(path))
    _plan, result = import_file(store, path)
    assert result.new == 2
    assert by_code(store, code(21)).phone == "13700001111"
    assert by_code(store, code(22)).street_code == "WENQUAN"


@pytest.mark.parametrize("suffix", [".xls", ".xlsm", ".XLSX"])
def test_xlsx_under_another_extension_is_read_by_content(store, tmp_path, suffix):
    path = write_roster(
        tmp_path / "real.xlsx", [[code(31), "福州某某有限公司"]], header=["信用代码", "企业名称"]
    )
    renamed = tmp_path / f"名录{suffix}"
    renamed.write_bytes(path.read_bytes())
    _plan, result = import_file(store, renamed)
    assert result.new == 1


def test_two_row_header_and_sheet_choice(store, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    wb.active.append(["2026年名录"])
    ws = wb.create_sheet("数据")
    ws.append(["统一社会信用代码", "企业名称", "是否建立", None, None])
    ws.append([None, None, "工会", "调委会", "集体合同"])
    ws.merge_cells("C1:E1")
    ws.append([code(41), "福州鼓山机械有限公司", "是", "否", "√"])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    with RosterSource.open(path) as source:
        assert source.sheet_name == "数据"
        assert source.header.rows == (1, 2)
        assert sorted(source.header.mapping.values()) == sorted(
            [
                "credit_code",
                "name",
                "has_union",
                "has_mediation_committee",
                "has_collective_contract",
            ]
        )
        plan = analyse(store, source)
    apply(store, plan)
    e = by_code(store, code(41))
    assert (e.has_union, e.has_mediation_committee, e.has_collective_contract) == (
        True,
        False,
        True,
    )


def test_a_title_merged_across_the_table_is_not_part_of_the_header(tmp_path):
    # "鼓楼区企业名录" above every column must not make the unknown column 甲栏 the 企业名称
    path = write_roster(tmp_path / "t.xlsx", [[code(42), "福州某某有限公司", "13912345678"]],
                        header=["统一社会信用代码", "甲栏", "电话"])  # fmt: skip
    with RosterSource.open(path) as source:
        assert source.header.rows == (2,)
        assert source.header.mapping == {0: "credit_code", 2: "phone"}
        assert source.header.texts[1] == "甲栏"


def test_corrected_mapping_is_remembered_for_the_same_layout(store, tmp_path):
    header = ["信用代码", "企业名称", "联系人电话", "代码备注"]
    first = write_roster(
        tmp_path / "a.xlsx", [[code(51), "福州甲公司", "13900000001", "x"]], header=header
    )
    with RosterSource.open(first) as source:
        mapping = dict(source.header.mapping)
        phone_col = next(c for c, k in mapping.items() if k == "phone")
        del mapping[phone_col]  # the user: that phone is a contact's, not the enterprise's
        apply(store, analyse(store, source, mapping))
    assert by_code(store, code(51)).phone is None
    second = write_roster(
        tmp_path / "b.xlsx", [[code(52), "福州乙公司", "13900000002", "y"]], header=header
    )
    with RosterSource.open(second) as source:
        plan = analyse(store, source)
        assert plan.header.remembered and "phone" not in plan.header.mapping.values()
        apply(store, plan)
    assert by_code(store, code(52)).phone is None


# ---------------------------------------------------------------- the conflict rule


def test_local_edit_after_import_is_a_conflict_to_accept_or_skip(store, tmp_path):
    rows = [[code(61), "福州闽都科技有限公司", "张三", "13900000061", "鼓东", 10],
            [code(62), "福州左海科技有限公司", "李四", "13900000062", "鼓东", 20]]  # fmt: skip
    import_file(store, write_roster(tmp_path / "v1.xlsx", rows))
    service = EnterpriseService(store)
    e = by_code(store, code(61))
    service.update(e.id, {"phone": "0591-88888888", "employee_count": 12})
    edited = by_code(store, code(61))
    assert set(edited.local_edits) == {"phone", "employee_count"}
    assert by_code(store, code(62)).local_edits is None

    changed = [[code(61), "福州闽都科技有限公司", "张三", "13900000099", "鼓东", 15],
               [code(62), "福州左海科技有限公司", "李四", "13900000062", "鼓西", 20]]  # fmt: skip
    path = write_roster(tmp_path / "v2.xlsx", changed)
    plan, preview = import_file(store, path, dry_run=True)
    assert {(c.field, c.local_value, c.import_value) for c in plan.preview.conflicts} == {
        ("phone", "0591-88888888", "13900000099"),
        ("employee_count", 12, 15),
    }
    assert (preview.updated, preview.conflicts) == (1, 2)

    # skipped: the local values stay, and stay protected for the next import
    _plan, result = import_file(store, path)
    assert (result.updated, result.conflicts_skipped) == (1, 2)
    kept = by_code(store, code(61))
    assert (kept.phone, kept.employee_count) == ("0591-88888888", 12)
    assert set(kept.local_edits) == {"phone", "employee_count"}
    assert by_code(store, code(62)).street_code == "GUXI"

    # accepted one of them
    with RosterSource.open(path) as source:
        plan = analyse(store, source)
    phone = next(c for c in plan.preview.conflicts if c.field == "phone")
    result = apply(store, plan, accept={phone.key})
    assert (result.conflicts_accepted, result.conflicts_skipped) == (1, 1)
    now = by_code(store, code(61))
    assert (now.phone, now.employee_count) == ("13900000099", 12)
    assert set(now.local_edits) == {"employee_count"}

    _plan, result = import_file(store, path, accept=True)
    final = by_code(store, code(61))
    assert final.employee_count == 15 and not final.local_edits

    # each record's history: its own edits and its part of every import that wrote it
    with store.read() as s:
        h61 = changes.history(s, "enterprise", final.id)
        h62 = changes.history(s, "enterprise", by_code(store, code(62)).id)
    assert [(h.action, h.summary) for h in h61] == [
        ("import", "名录导入新增"),
        ("update", f"企业 {final.id[:8]}"),
        ("import", "名录导入更新"),  # the phone accepted
        ("import", "名录导入更新"),  # the count accepted
    ]
    assert h61[2].changes == {"phone": "changed"}  # personal: that it changed, not the values
    assert h61[3].changes == {"employee_count": [12, 15]}
    assert [(h.summary, h.changes) for h in h62] == [
        ("名录导入新增", None), ("名录导入更新", {"street_code": ["GUDONG", "GUXI"]})]  # fmt: skip
    with store.read() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert len(events) == 4  # one per import: v1, v2 skipped, v2 one accepted, v2 all accepted


def test_enterprise_entered_by_hand_is_not_overwritten_silently(store, tmp_path):
    service = EnterpriseService(store)
    service.create(
        {"credit_code": code(71), "name": "福州屏山建设工程有限公司", "phone": "13911110000"}
    )
    service.create({"name": "福州西湖家政服务有限公司", "legal_rep": "陈七"})  # no code yet
    rows = [[code(71), "福州屏山建设工程有限公司", "王一", "13922220000", None, None],
            [code(72), "福州西湖家政服务有限公司", "陈七", "13933330000", None, None]]  # fmt: skip
    _plan, result = import_file(store, write_roster(tmp_path / "r.xlsx", rows))
    manual = by_code(store, code(71))
    assert manual.phone == "13911110000" and manual.legal_rep == "王一"  # blank filled, value kept
    assert "phone" in manual.local_edits
    matched = by_code(store, code(72))  # matched by name, got its code
    assert matched.phone == "13933330000" and matched.source == "manual"
    assert result.new == 0 and result.conflicts == 1


# ---------------------------------------------------------------- cancel


def test_cancel_mid_import_leaves_the_store_as_before(store, tmp_path):
    import bench.roster_import as bench

    path = tmp_path / "big.xlsx"
    bench.write_excel_like(path, bench.roster_rows(12_000))
    import_file(store, write_roster(tmp_path / "one.xlsx", [[code(81), "福州先有公司"]],
                                   header=["信用代码", "企业名称"]))  # fmt: skip
    before = counts(store)
    with RosterSource.open(path) as source:
        plan = analyse(store, source, preview=False)
    state = {"cancel": False}

    def progress(done, total, text):
        if done >= 5_000 and "写入" in text:
            state["cancel"] = True  # the user presses 取消 once writing has begun

    with pytest.raises(ImportCancelled):
        apply(store, plan, progress=progress, cancel=lambda: state["cancel"])
    assert counts(store) == before


# ---------------------------------------------------------------- exports


def test_export_of_a_filtered_list_imports_back_unchanged(store, tmp_path):
    import_file(store, write_roster(tmp_path / "r.xlsx", MESSY_ROWS))
    service = EnterpriseService(store)
    service.update(by_code(store, code(1)).id, {"has_union": True})
    path, count = export_enterprises(
        store, EnterpriseFilter(street_code="GUDONG"), tmp_path / "out.xlsx"
    )
    assert count == 1
    path, count = export_enterprises(store, None, tmp_path / "all.xlsx")
    assert count == 3
    _plan, result = import_file(store, path)
    assert (result.new, result.updated, result.unchanged, result.invalid) == (0, 0, 3, 0)


def test_errors_sheet_keeps_original_rows_and_imports_again_once_fixed(store, tmp_path):
    path = write_roster(tmp_path / "r.xlsx", MESSY_ROWS)
    with RosterSource.open(path) as source:
        plan = analyse(store, source)
        out = export_errors(plan, source, tmp_path / "errors.xlsx")
    ws = openpyxl.load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("原行号", "错误原因", "统一社会信用代码", "企业名称")
    assert [r[0] for r in rows[1:]] == [7, 9, 10, 11, 12]
    ws.cell(row=2, column=6).value = "13900000007"
    ws.cell(row=2, column=7).value = "鼓东"
    ws.cell(row=2, column=8).value = 7
    fixed = tmp_path / "fixed.xlsx"
    ws.parent.save(fixed)
    _plan, result = import_file(store, fixed)
    # the fixed row, and the row that clashed with row 3 (alone in this file, it is new)
    assert (result.new, result.invalid) == (2, 3)
    assert by_code(store, code(4)).employee_count == 7


def test_template_has_validation_and_its_example_row_is_skipped(store, tmp_path):
    path = write_template(tmp_path / "模板.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["企业名录"]
    assert ws.cell(row=1, column=1).value == "统一社会信用代码"
    assert len(ws.data_validations.dataValidation) >= 8
    assert "填写说明" in wb.sheetnames
    _plan, result = import_file(store, path)
    assert (result.new, result.invalid) == (0, 0)
    ws.append(
        [
            code(91),
            "福州模板填写有限公司",
            "张三",
            "13900000091",
            "福州市鼓楼区华大路1号",
            "华大街道",
            "零售",
            5,
            "微型",
            "否",
        ]
    )
    wb.save(path)
    _plan, result = import_file(store, path)
    assert result.new == 1 and by_code(store, code(91)).street_code == "HUADA"


def test_records_read_ahead_are_not_used_once_the_store_changed(store, tmp_path):
    """import_file reads the stored enterprises in a thread while it reads the file; a change
    made in between (here: an enterprise entered by hand) is seen by the write."""
    from app.roster.importer import Preload

    path = write_roster(tmp_path / "名录.xlsx",
                        [[code(81), "福州乌山科技有限公司", "张三", "13900000081", "鼓东", 10]])  # fmt: skip
    with RosterSource.open(path) as source:
        plan = analyse(store, source, preview=False)
    preload = Preload(store)
    preload._thread.join()
    EnterpriseService(store).create({"credit_code": code(81), "name": "福州乌山科技有限公司",
                                     "phone": "13911110081"})  # fmt: skip
    result = apply(store, plan, preload=preload)
    assert (result.new, result.conflicts) == (0, 1)  # the hand-entered one, not a second record
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 1

    # unchanged store: the records read ahead are used, with the same outcome as reading them
    preload = Preload(store)
    preload._thread.join()
    assert preload.result is not None
    with RosterSource.open(path) as source:
        plan = analyse(store, source, preview=False)
    assert apply(store, plan, preload=preload).conflicts == 1
    assert preload.result is None  # taken
