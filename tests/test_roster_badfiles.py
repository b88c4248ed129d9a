"""Files that are not rosters, or not readable: each gets a clear Chinese message; nothing is written.

Also a crash in the middle of an import (SIGKILL) leaves the store exactly as it was.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.roster.errors import RosterFileError
from app.roster.importer import import_file
from app.roster.reader import MAX_ROWS
from app.store.models import AuditEvent, Enterprise, OutboxEntry
from app.store.store import Store
from tests.conftest import ADMIN, ADMIN_PASSWORD
from tests.roster_files import code, write_roster

DATA = Path(__file__).parent / "data" / "roster"
ROOT = Path(__file__).resolve().parent.parent


def counts(store) -> tuple[int, int, int]:
    with store.read() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (Enterprise, AuditEvent, OutboxEntry)
        )


def refused(store, path: Path, *words: str, sheet: str | None = None) -> str:
    before = counts(store)
    with pytest.raises(RosterFileError) as info:
        import_file(store, path, sheet=sheet)
    message = str(info.value)
    assert f"文件“{path.name}”" in message
    for word in words:
        assert word in message, message
    assert counts(store) == before
    return message


def test_csv_renamed_xlsx(store, tmp_path):
    path = tmp_path / "名录.xlsx"
    path.write_text("统一社会信用代码,企业名称\n91350102MA0000001X,福州某公司\n", encoding="utf-8")
    refused(store, path, "CSV", "另存为")


def test_html_renamed_xls(store, tmp_path):
    path = tmp_path / "导出.xls"
    path.write_text(
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>企业名称</td></tr></table>"
        "</body></html>",
        encoding="utf-8",
    )
    refused(store, path, "网页（HTML）", ".xls")


@pytest.mark.parametrize("name", ["encrypted.xlsx", "encrypted.xls"])
def test_password_protected_workbooks(store, name):
    refused(store, DATA / name, "打开密码")


def test_corrupt_zip(store, tmp_path):
    good = write_roster(tmp_path / "good.xlsx", [[code(1), "福州某公司"]])
    data = good.read_bytes()
    cut = tmp_path / "断了.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    refused(store, cut, "已损坏")
    flipped = bytearray(data)
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + 5
    for i in range(start, start + 40):
        flipped[i] ^= 0xFF
    broken = tmp_path / "坏了.xlsx"
    broken.write_bytes(bytes(flipped))
    refused(store, broken, "已损坏")


def test_empty_file_and_empty_workbook(store, tmp_path):
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    refused(store, empty, "空的")
    wb = openpyxl.Workbook()
    wb.create_sheet("第二页")
    path = tmp_path / "空工作簿.xlsx"
    wb.save(path)
    refused(store, path, "没有任何数据")


def test_no_recognisable_header(store, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["姓名", "年龄", "住址"])
    ws.append(["张三", 30, "鼓楼区"])
    path = tmp_path / "人员.xlsx"
    wb.save(path)
    refused(store, path, "没有找到名录的表头", "工作表“Sheet1”")


def _sheet_zip(path: Path, sheet_xml: str) -> Path:
    """A minimal .xlsx around one sheet part (as small generators write them)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"))  # fmt: skip
        zf.writestr("_rels/.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))  # fmt: skip
        zf.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {ns} {rel}><sheets>'
                    '<sheet name="名录" sheetId="1" r:id="rId1"/></sheets></workbook>')  # fmt: skip
        zf.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"))  # fmt: skip
        zf.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0"?><worksheet {ns}>{sheet_xml}</worksheet>',
        )
    return path


def _rows(first: int, count: int) -> str:
    return "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x{r}</t></is></c></row>'
        for r in range(first, first + count)
    )


def test_a_million_rows_is_refused_before_loading(store, tmp_path):
    header = ('<row r="1"><c r="A1" t="inlineStr"><is><t>统一社会信用代码</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>企业名称</t></is></c></row>')  # fmt: skip
    # as Excel writes it: the dimension says how big the sheet is
    with_dimension = _sheet_zip(
        tmp_path / "百万行.xlsx",
        f'<dimension ref="A1:B1048576"/><sheetData>{header}{_rows(2, 50)}</sheetData>',
    )
    start = time.perf_counter()
    message = refused(store, with_dimension, "1,048,576行", f"{MAX_ROWS:,}行", "拆分", sheet="名录")
    assert "工作表“名录”" in message
    assert time.perf_counter() - start < 5
    # without a dimension (some writers leave it out): the sheet is scanned as a stream
    sparse = _sheet_zip(
        tmp_path / "没有尺寸.xlsx",
        f'<sheetData>{header}{_rows(2, 50)}<row r="1000000"><c r="B1000000"><v>1</v></c></row>'
        "</sheetData>",
    )
    refused(store, sparse, "1,000,000行")


def test_very_long_cells_name_the_row_and_field(store, tmp_path):
    rows = [[code(1), "福州" + "长" * 40_000 + "有限公司", "张三"],
            [code(2), "福州正常有限公司", "李" * 100]]  # fmt: skip
    path = write_roster(
        tmp_path / "长.xlsx", rows, header=["统一社会信用代码", "企业名称", "法定代表人"]
    )
    plan, result = import_file(store, path, dry_run=True)
    reasons = {r.row: r.reason for r in plan.all_invalid}
    # (the reader gets at most Excel's 32,767 characters of a cell)
    assert (
        reasons[3].startswith("企业名称：内容过长：最多200个字符，实际")
        and "不能为空" not in reasons[3]
    )
    assert "法定代表人：内容过长：最多60个字符" in reasons[4]
    assert result.new == 0
    assert counts(store) == (0, 0, 0)


def test_missing_file_and_unknown_sheet(store, tmp_path):
    refused(store, tmp_path / "不存在.xlsx", "不存在")
    path = write_roster(tmp_path / "r.xlsx", [[code(1), "福州某公司"]])
    refused(store, path, "没有名为“第九页”的工作表", "“名录”", sheet="第九页")


CRASH_SCRIPT = """
import os, sys, time
os.environ["LABOR_STATION_KDF_LOG2N"] = "10"
sys.path.insert(0, {root!r})
from app.roster.importer import import_file
from app.store.store import Store
store = Store.open({data!r}, {user!r}, {password!r})
def progress(done, total, text):
    if "写入" in text:
        print("WRITING", done, flush=True)
        time.sleep(0.3)
import_file(store, {path!r}, progress=progress)
print("FINISHED", flush=True)
"""


def test_sigkill_mid_import_leaves_the_store_as_before(store, data_dir, tmp_path):
    import bench.roster_import as bench

    path = tmp_path / "big.xlsx"
    bench.write_excel_like(path, bench.roster_rows(20_000))
    import_file(store, write_roster(tmp_path / "one.xlsx", [[code(1), "福州先有公司"]]))
    before = counts(store)
    store.close()
    script = CRASH_SCRIPT.format(root=str(ROOT), data=str(data_dir), user=ADMIN,
                                 password=ADMIN_PASSWORD, path=str(path))  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("WRITING") and int(line.split()[1]) >= 10_000:
                os.kill(proc.pid, signal.SIGKILL)  # the power goes, mid-transaction
                break
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, seen
    assert not any(line.startswith("FINISHED") for line in seen)
    reopened = Store.open(data_dir, ADMIN, ADMIN_PASSWORD)
    try:
        assert counts(reopened) == before
    finally:
        reopened.close()
