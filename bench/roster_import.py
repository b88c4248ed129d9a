"""Roster import speed and memory on a generated 100,000-row roster.

    PYTHONPATH=. python bench/roster_import.py [--rows 100000] [--writer excel|openpyxl] [--runs 3]

Prints the bare read (python-calamine opening the workbook, loading the sheet and iterating
every row: the floor any import pays), the full import into a new encrypted store (read,
normalise, validate, compare, write with audit and outbox in one transaction), their ratio, a
re-import of the same file (all unchanged) and the peak memory of a full import measured in a
fresh subprocess (VmHWM), and SQLite's own share: the same rows, already prepared, inserted and
committed with no per-row Python work (the least any import can spend writing), and the
import's own reading alone (the reader child: spawn, open, every mapped column over the pipe).
Ratios are taken run by run, then the median. Goals (issue 16): full import <= 2.0 s and <= 2x
the bare read; re-import of the unchanged file <= 1.3x; peak memory <= 300 MB. A goal missed
prints the floor it hits.

The file is messy like real rosters: a merged title row and a note above the header, header
aliases, blank rows, codes in full-width or lower case, phones and counts stored as numbers,
“120人”, a few invalid rows and duplicates. ``--writer excel`` writes it the way Excel and WPS
do (shared strings, a ``<dimension>``); ``--writer openpyxl`` uses openpyxl (inline strings,
no dimension, much slower to write).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

os.environ.setdefault("LABOR_STATION_KDF_LOG2N", "10")  # key slots are not what we measure
os.environ.setdefault("LABOR_STATION_TESTING", "1")  # the low KDF cost is allowed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Nothing of the app at module level: the reader child is spawned, and a spawned child imports
# the main module again (here: this script); app.demo would add a second to every import timed.

HEADER = ["序号", "统一社会信用代码", "企业名称（全称）", "法定代表人", "联系电话", "注册地址",
          "从业人数", "所属街道", "行业", "企业规模", "是否规上", "是否建立工会", "调委会",
          "集体合同", "党组织", "备注"]  # fmt: skip
STREETS = ["鼓东街道", "鼓西街道", "温泉街道", "东街街道", "南街街道", "安泰街道", "华大街道",
           "水部街道", "五凤街道", "洪山镇", "福州软件园", "高新区洪山园", "鼓东", "五凤"]  # fmt: skip


def _code(rng: random.Random, i: int) -> str:
    from app.domain.validators import CREDIT_CODE_CHARS, credit_code_check_char

    body = f"{i:09d}"
    body = "".join(ch if rng.random() < 0.7 else rng.choice(CREDIT_CODE_CHARS) for ch in body)
    first17 = "91350102" + body
    return first17 + credit_code_check_char(first17)


def roster_rows(count: int, seed: int = 2026):
    """The title, the header and ``count`` data rows (about 1% invalid, 0.5% duplicated)."""
    from app.demo import BRANDS, GIVEN, ROADS, SURNAMES, TRADES

    rng = random.Random(seed)
    yield ["福州市鼓楼区企业名录（2026年第一季度）"]
    yield ["数据来源：区市场监管局；导出日期：2026-03-31"]
    yield HEADER
    previous = None
    for i in range(count):
        if previous is not None and rng.random() < 0.005:
            yield previous  # a duplicated row
            continue
        if rng.random() < 0.003:
            yield []  # a blank row
            continue
        code = _code(rng, i)
        r = rng.random()
        if r < 0.05:
            code = code.lower()
        elif r < 0.08:
            code = code.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
        elif r < 0.09:
            code = " " + code + " "
        industry, suffix = rng.choice(TRADES)
        employees = rng.choice([3, 5, 8, 12, 25, 40, 60, 90, 150, 320, 800])
        phone: object = int(
            "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
        )
        if rng.random() < 0.3:
            phone = f"0591-{rng.randrange(83000000, 88999999)}"
        count_cell: object = float(employees) if rng.random() < 0.8 else f"{employees}人"
        row = [
            i + 1,
            code,
            f"福州{rng.choice(BRANDS)}{rng.choice(BRANDS)}{i}{suffix}",
            rng.choice(SURNAMES)
            + rng.choice(GIVEN)
            + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
            phone,
            f"福州市鼓楼区{rng.choice(ROADS)}{rng.randrange(1, 300)}号",
            count_cell,
            rng.choice(STREETS),
            industry,
            "微型"
            if employees < 10
            else "小型"
            if employees < 100
            else "中型"
            if employees < 300
            else "大型",
            "是" if employees >= 100 else "否",
            rng.choice(["是", "否", "√", ""]),
            rng.choice(["是", "否", ""]),
            rng.choice(["是", "否"]),
            rng.choice(["是", "否", "无"]),
            "" if rng.random() < 0.9 else "已走访",
        ]
        if rng.random() < 0.01:  # invalid: a broken code, a bad phone or an unknown street
            k = rng.randrange(3)
            if k == 0:
                row[1] = code[:-3]
            elif k == 1:
                row[4] = "12345"
            else:
                row[7] = "仓山区"
        previous = row
        yield row


def _col(n: int) -> str:
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def write_excel_like(path: Path, rows, sheet: str = "企业名录") -> None:
    """A minimal .xlsx as Excel writes it: shared strings, a dimension, a merged title."""
    strings: dict[str, int] = {}
    cols = [_col(i) for i in range(64)]
    body = []
    last_row = width = 0
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            if value == "" or value is None:
                continue
            ref = f"{cols[c]}{r}"
            if isinstance(value, str):
                idx = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{idx}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            width = max(width, c + 1)
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
        last_row = r
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    sheet_xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {ns} {rel_ns}>'
        f'<dimension ref="A1:{cols[width - 1]}{last_row}"/><sheetData>{"".join(body)}</sheetData>'
        f'<mergeCells count="1"><mergeCell ref="A1:{cols[width - 1]}1"/></mergeCells></worksheet>'
    )
    sst = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {ns} {rel_ns}>'
            f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {ns} '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>'
        ),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, text in files.items():
            zf.writestr(name, text)


def write_openpyxl(path: Path, rows, sheet: str = "企业名录") -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for row in rows:
        ws.append(row)
    wb.save(path)


def bare_read(path: Path) -> tuple[float, int]:
    import python_calamine

    start = time.perf_counter()
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    sheet = wb.get_sheet_by_name(wb.sheet_names[0])
    rows = 0
    for _row in sheet.iter_rows():
        rows += 1
    wb.close()
    return time.perf_counter() - start, rows


def child_read(path: Path) -> tuple[float, int]:
    """The import's own reading, nothing else: the reader child (spawned, memory-limited: hostile
    files are parsed there) opens the workbook, finds the header, and sends every mapped column
    to this process (app/spreadsheet). No parsing, checking or writing: the floor of the import's
    reading, to compare with the bare read in this process."""
    from app.roster.source import RosterSource

    start = time.perf_counter()
    rows = 0
    with RosterSource.open(path) as source:
        for part in source.parts:
            wanted = [*sorted(c - part.sheet.start_col for c in part.header.mapping), 0]
            skip = part.data_start - part.sheet.start_row - 1
            rows += sum(n for n, _chunk in part.sheet.iter_columns(wanted, skip))
    return time.perf_counter() - start, rows


STAGES = (("正在读取工作表", "open"), ("正在检查数据", "rows read"), ("正在与已有企业比对", "checked"),
          ("正在写入", "compared"), ("正在保存", "written"))  # fmt: skip


def full_import(path: Path, workdir: Path, name: str):
    from app.roster.importer import import_file
    from app.store.store import Store

    store, _ = Store.create(workdir / name, "GUDONG", "admin", "站长", "Bench-pass-2026")
    marks: dict[str, float] = {}
    try:
        start = time.perf_counter()

        def progress(_done, _total, text=""):
            for prefix, label in STAGES:
                if text.startswith(prefix):
                    marks.setdefault(label, time.perf_counter() - start)

        _plan, result = import_file(store, path, progress=progress)
        first = time.perf_counter() - start
        marks["committed"] = first
        floor = write_floor(store, workdir / f"{name}-floor")
        start = time.perf_counter()
        _plan2, again = import_file(store, path)
        second = time.perf_counter() - start
    finally:
        store.close()
    return first, result, second, again, marks, floor


FLOOR_TABLES = ("enterprise", "audit_event", "outbox")


def write_floor(source, data_dir: Path) -> tuple[float, float, dict]:
    """SQLite's own share of an import: the rows the import wrote (enterprises, audit events,
    outbox entries), already in stored form, inserted into a new encrypted store in one
    transaction with the import's cache size. No Python work per row beyond the driver binding
    values: the least any import of this file can spend writing. Returns (inserts, commit) s."""
    from app.roster.importer import _INSERT_COLUMNS, IMPORT_CACHE_KIB
    from app.store.store import Store

    # the columns the import writes (audit and outbox numbers are left to SQLite, as there)
    columns = {
        "enterprise": _INSERT_COLUMNS,
        "audit_event": ("at", "user_id", "action", "entity", "entity_id", "summary", "changes"),
        "outbox": ("entity", "entity_id", "version", "op", "created_at"),
    }
    rows = {}
    with source.read() as s:
        connection = s.connection()
        for table in FLOOR_TABLES:
            names = columns[table]
            result = connection.exec_driver_sql(f"SELECT {', '.join(names)} FROM {table}")
            rows[table] = (list(names), [tuple(v) for v in result.fetchall()])
    target, _ = Store.create(data_dir, "GUDONG", "admin", "站长", "Bench-pass-2026")
    per_table: dict[str, tuple[int, float]] = {}
    try:
        with target.unit_of_work() as s:
            dbapi = s.connection().connection.dbapi_connection
            dbapi.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
            for table in FLOOR_TABLES:  # the new store's own audit rows would collide
                dbapi.execute(f"DELETE FROM {table}")
            gc.disable()  # as the import does
            start = time.perf_counter()
            cursor = dbapi.cursor()
            for table, (columns, values) in rows.items():
                marks = ", ".join("?" * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values
                )
                per_table[table] = (len(values), time.perf_counter() - start - sum(
                    t for _n, t in per_table.values()))  # fmt: skip
            inserted = time.perf_counter()
        committed = time.perf_counter()
    finally:
        gc.enable()
        target.close()
    return inserted - start, committed - inserted, per_table


MEMORY_SCRIPT = """
import os, sys
sys.path.insert(0, {root!r})
os.environ["LABOR_STATION_KDF_LOG2N"] = "10"


def high_water_mb():
    # VmHWM: this process's own peak resident set (ru_maxrss would include the parent's
    # memory at fork time)
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024


from app.roster.importer import import_file
from app.store.store import Store
store, _ = Store.create({data!r}, "GUDONG", "admin", "站长", "Bench-pass-2026")
base = high_water_mb()
plan, result = import_file(store, {path!r})
store.close()
print(base, high_water_mb())
"""


def peak_memory(path: Path, workdir: Path) -> tuple[float, float]:
    script = MEMORY_SCRIPT.format(root=str(ROOT), data=str(workdir / "mem"), path=str(path))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    base, peak = out.stdout.split()
    return float(base), float(peak)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--writer", choices=["excel", "openpyxl"], default="excel")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="also save the generated roster here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="roster-bench-") as tmp:
        workdir = Path(tmp)
        path = workdir / "roster.xlsx"
        start = time.perf_counter()
        writer = write_excel_like if args.writer == "excel" else write_openpyxl
        writer(path, roster_rows(args.rows))
        print(f"generated {args.rows:,}-row roster ({args.writer} writer, "
              f"{path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.1f} s")  # fmt: skip
        if args.keep:
            args.keep.write_bytes(path.read_bytes())

        reads, imports, reimports, floors, child = [], [], [], [], []
        result = again = None
        for run in range(args.runs):
            seconds, rows = bare_read(path)
            reads.append(seconds)
            child.append(child_read(path)[0])
            first, result, second, again, marks, floor = full_import(path, workdir, f"store{run}")
            imports.append(first)
            reimports.append(second)
            floors.append(floor)
        base_mb, peak_mb = peak_memory(path, workdir)

    med = statistics.median
    read_s, import_s, reimport_s, child_s = (med(x) for x in (reads, imports, reimports, child))
    # ratios run by run (the bare read and the import of the same run saw the same load), then
    # the median: steadier than a ratio of medians on a shared machine
    ratio = med(i / r for i, r in zip(imports, reads, strict=True))
    re_ratio = med(i / r for i, r in zip(reimports, reads, strict=True))
    child_ratio = med(c / r for c, r in zip(child, reads, strict=True))
    insert_s = med(f[0] for f in floors)
    commit_s = med(f[1] for f in floors)
    tables = {t: (floors[-1][2][t][0], med(f[2][t][1] for f in floors)) for t in floors[-1][2]}
    floor_ratio = med((c + f[0] + f[1]) / r for c, f, r in zip(child, floors, reads, strict=True))

    def runs(xs):
        return ", ".join(f"{x:.2f}" for x in xs)

    print(f"rows in sheet:           {rows:,}")
    print(f"import result:           {result.summary()}")
    print(f"re-import result:        {again.summary()}")
    print(f"bare read (calamine):    {read_s:.2f} s   (runs: {runs(reads)})")
    print(f"full import (encrypted): {import_s:.2f} s   (runs: {runs(imports)})")
    print(f"ratio import/read:       {ratio:.2f}x   (median of the runs' ratios; goal <= 2.0x)")
    print(f"re-import, all unchanged: {reimport_s:.2f} s   (runs: {runs(reimports)})")
    print(f"ratio re-import/read:    {re_ratio:.2f}x   (goal <= 1.3x)")
    print(f"reading through the reader child alone: {child_s:.2f} s = {child_ratio:.2f}x the bare "
          f"read (runs: {runs(child)}): spawn, open, header, every mapped column sent over the "
          "pipe; no parsing")  # fmt: skip
    print(
        f"SQLite alone (same rows, prepared): {insert_s + commit_s:.2f} s "
        f"(inserts {insert_s:.2f}, commit {commit_s:.2f}; "
        + ", ".join(f"{t} {n:,} rows {sec:.2f} s" for t, (n, sec) in tables.items())
        + ")"
    )
    print(f"floor = reading through the child + SQLite alone = {floor_ratio:.2f}x the bare read "
          "(what an import pays with no Python work at all between them)")  # fmt: skip
    print(
        "last import's stages (s from start): "
        + ", ".join(f"{k} {v:.2f}" for k, v in marks.items())
    )
    print(
        f"peak memory (VmHWM):    {peak_mb:.0f} MB   (process before import {base_mb:.0f} MB; goal <= 300 MB)"
    )
    ok = import_s <= 2.0 and ratio <= 2.0 and re_ratio <= 1.3 and peak_mb <= 300
    print("goals met" if ok else "goals NOT met")
    if not ok and floor_ratio > 2.0:
        print(f"floor hit: reading through the reader child and SQLite's own writing already cost "
              f"{floor_ratio:.2f}x the bare read, above the 2.0x goal")  # fmt: skip
    if not ok and child_ratio > 1.3:
        print(f"floor hit: the re-import reads the file through the reader child, "
              f"{child_ratio:.2f}x the bare read, above the 1.3x goal")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
