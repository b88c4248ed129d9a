"""Regenerate the LibreOffice-written roster fixtures in this folder (committed; CI needs no LibreOffice).

    PYTHONPATH=. .venv/bin/python tests/data/roster/make_fixtures.py

Needs ``soffice`` (libreoffice-calc), ``python3-uno`` for the password-protected .xls, and
msoffcrypto-tool (``pip install --target /tmp/mso msoffcrypto-tool``; not a project dependency)
for the encrypted .xlsx: LibreOffice 7.4 does not encrypt OOXML when saving through UNO.
The source sheet is written by openpyxl, then LibreOffice opens it and saves it as .xlsx, .xls
and .ods, and with a password as .xls.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))

from tests.roster_files import code  # noqa: E402

PASSWORD = "roster-2026"


def source_rows():
    """(rows, merges): a messy roster as offices send them."""
    rows = [
        ["鼓楼区企业名录（LibreOffice）"],
        ["填报单位：鼓东街道　　填报日期：2026-03-31"],
        [
            "序号",
            "统一社会信用代码",
            "企业名称",
            "法定代表人",
            "联系电话",
            "所属街道",
            "从业人数",
            "是否规上",
            "成立日期",
        ],
        [
            1,
            code(11),
            "福州闽江科技有限公司",
            "张三",
            13912345678,
            "鼓东街道",
            120,
            "是",
            date(2015, 3, 1),
        ],
        [
            2,
            code(12).lower(),
            "福州榕城银行股份有限公司",
            "李四",
            "0591-87654321",
            None,
            30.0,
            "否",
            date(2016, 5, 20),
        ],
        [
            3,
            code(13).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}),
            "福州三坊餐饮有限公司",
            "王五",
            "138 0013 8000",
            None,
            "15人",
            "否",
            None,
        ],
        [],
        [5, code(14), "福州七巷贸易有限公司", "赵六", "12345", "五凤", 8, "否", None],
        [
            6,
            code(11),
            "福州闽江科技有限公司",
            "张三",
            13912345678,
            "鼓东街道",
            120,
            "是",
            date(2015, 3, 1),
        ],
        [7, code(15), "长乐重工机械有限公司", "钱七", 13800138000, "洪山镇", 900, "是", None],
        ["合计：6家"],
    ]
    merges = ["A1:I1", "F4:F6"]
    return rows, merges


def write_source(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业名录"
    rows, merges = source_rows()
    for row in rows:
        ws.append(row)
    for m in merges:
        ws.merge_cells(m)
    other = wb.create_sheet("说明")
    other.append(["本表由街道汇总"])
    wb.save(path)


UNO_SCRIPT = r"""
import sys, time, uno
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
for _ in range(60):
    try:
        ctx = resolver.resolve("uno:pipe,name=rosterfixtures;urp;StarOffice.ComponentContext")
        break
    except Exception:
        time.sleep(0.5)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
src, password = sys.argv[1], sys.argv[2]
doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
for target, filt in zip(sys.argv[3::2], sys.argv[4::2]):
    doc.storeToURL(uno.systemPathToFileUrl(target), (prop("FilterName", filt), prop("Password", password)))
doc.close(True)
try:
    desktop.terminate()
except Exception:
    pass
"""


def main() -> None:
    soffice = shutil.which("soffice")
    if not soffice:
        sys.exit("soffice (libreoffice-calc) is needed")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = tmp / "source.xlsx"
        write_source(source)
        for ext, name in (
            ("xlsx", "lo_roster.xlsx"),
            ("xls", "lo_roster.xls"),
            ("ods", "lo_roster.ods"),
        ):
            subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                            "--convert-to", ext, "--outdir", str(tmp / ext), str(source)],
                           check=True, capture_output=True)  # fmt: skip
            shutil.copyfile(tmp / ext / f"source.{ext}", HERE / name)
        office = subprocess.Popen([soffice, "--headless", "--invisible", "--norestore",
                                   f"-env:UserInstallation=file://{tmp}/profile2",
                                   "--accept=pipe,name=rosterfixtures;urp;"])  # fmt: skip
        try:
            subprocess.run(["/usr/bin/python3", "-c", UNO_SCRIPT, str(source), PASSWORD,
                            str(HERE / "encrypted.xls"), "MS Excel 97"], check=True, timeout=120)  # fmt: skip
        finally:
            office.terminate()
            office.wait(timeout=30)
    sys.path.insert(0, "/tmp/mso")
    from msoffcrypto.format.ooxml import OOXMLFile

    with (HERE / "lo_roster.xlsx").open("rb") as plain, (HERE / "encrypted.xlsx").open("wb") as out:
        OOXMLFile(plain).encrypt(PASSWORD, out)
    for f in sorted(HERE.glob("*.xls*")) + sorted(HERE.glob("*.ods")):
        print(f.name, f.stat().st_size)


if __name__ == "__main__":
    main()
