"""Write the roster corpus (corpus.py) with openpyxl, LibreOffice and xlwt. The files are committed.

    PYTHONPATH=. .venv/bin/python tests/data/rosters/make_corpus.py

Needs ``soffice`` (Debian: libreoffice-calc) for the LibreOffice files: each openpyxl file is
opened by LibreOffice and saved as .xlsx, .xls (MS Excel 97) and .ods, as a user who opens a
roster in LibreOffice and saves it would. CI runs only the tests, on the committed files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))

import openpyxl  # noqa: E402
import xlwt  # noqa: E402
from openpyxl.utils import column_index_from_string, range_boundaries  # noqa: E402

from tests.data.rosters.corpus import LAYOUTS, Layout  # noqa: E402


def write_openpyxl(layout: Layout, path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in layout.sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row if row else [None])
        for ref in layout.merges.get(name, []):
            ws.merge_cells(ref)
        for r in layout.hidden_rows.get(name, []):
            ws.row_dimensions[r].hidden = True
        for c in layout.hidden_cols.get(name, []):
            ws.column_dimensions[c].hidden = True
    wb.save(path)


def write_xlwt(layout: Layout, path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in layout.sheets.items():
        ws = book.add_sheet(name, cell_overwrite_ok=True)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
        for ref in layout.merges.get(name, []):
            c1, r1, c2, r2 = range_boundaries(ref)
            ws.merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1)
        for r in layout.hidden_rows.get(name, []):
            ws.row(r - 1).hidden = True
        for c in layout.hidden_cols.get(name, []):
            ws.col(column_index_from_string(c) - 1).hidden = True
    book.save(str(path))


def main() -> None:
    soffice = shutil.which("soffice")
    if not soffice:
        sys.exit("soffice (libreoffice-calc) is needed")
    for old in HERE.glob("*.xls*"):
        old.unlink()
    for old in HERE.glob("*.ods"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sources = []
        for layout in LAYOUTS:
            target = HERE / f"{layout.name}.openpyxl.xlsx"
            write_openpyxl(layout, target)
            source = tmp / f"{layout.name}.xlsx"
            shutil.copyfile(target, source)
            sources.append(source)
            write_xlwt(layout, HERE / f"{layout.name}.xlwt.xls")
        for ext, filt in (("xlsx", "xlsx:Calc MS Excel 2007 XML"), ("xls", "xls:MS Excel 97"),
                          ("ods", "ods")):  # fmt: skip
            out = tmp / ext
            subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                            "--convert-to", filt, "--outdir", str(out), *map(str, sources)],
                           check=True, capture_output=True)  # fmt: skip
            for layout in LAYOUTS:
                shutil.copyfile(out / f"{layout.name}.{ext}", HERE / f"{layout.name}.lo.{ext}")
    files = sorted(p for p in HERE.iterdir() if p.suffix in (".xlsx", ".xls", ".ods"))
    print(
        f"{len(LAYOUTS)} layouts, {len(files)} files, {sum(f.stat().st_size for f in files):,} bytes"
    )


if __name__ == "__main__":
    main()
