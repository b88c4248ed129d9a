"""Hostile spreadsheets (issue 15, defect 4): none of them can take the calling process down.

Each file is generated here: a false ``<dimension>``, rows without ``r`` (and a cell far away),
a zip bomb (a sheet part that expands to 1.4 GB, with its true size declared and with a lie),
a huge shared-strings part. The reader child (app/spreadsheet) parses under a memory limit;
the test process is the "GUI": it must survive, stay small, and get a Chinese message that
says what is wrong and where; nothing is written to the store.
"""

from __future__ import annotations

import resource
import struct
import time
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.roster.errors import RosterFileError
from app.roster.importer import import_file
from app.roster.reader import MAX_ROWS
from app.spreadsheet.limits import DEFAULT_LIMIT_BYTES
from app.store.models import AuditEvent, Enterprise, OutboxEntry

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>统一社会信用代码</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>企业名称</t></is></c>'
              '<c r="C1" t="inlineStr"><is><t>联系电话</t></is></c></row>')  # fmt: skip


# ---------------------------------------------------------------- writing hostile zips by hand


class Bomb:
    """A deflated part made of ``chunk`` repeated ``times`` times, without ever holding it whole:
    the chunk is compressed once with a full flush (byte-aligned, no back-references across
    it), so its compressed bytes repeated decode to the chunk repeated."""

    def __init__(self, chunk: bytes, times: int, head: bytes = b"", tail: bytes = b""):
        self.chunk, self.times, self.head, self.tail = chunk, times, head, tail

    def deflated(self) -> tuple[bytes, int, int]:
        """(compressed bytes, crc32, uncompressed size)."""

        def piece(data: bytes) -> bytes:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)

        body = piece(self.chunk)
        end = zlib.compressobj(9, zlib.DEFLATED, -15)
        out = piece(self.head) + body * self.times + end.compress(self.tail) + end.flush()
        crc = zlib.crc32(self.head)
        block = self.chunk * max(1, (4 << 20) // len(self.chunk))
        whole, rest = divmod(self.times, len(block) // len(self.chunk))
        block_crc_parts = [block] * whole + [self.chunk * rest]
        for part in block_crc_parts:
            crc = zlib.crc32(part, crc)
        crc = zlib.crc32(self.tail, crc)
        size = len(self.head) + len(self.chunk) * self.times + len(self.tail)
        return out, crc & 0xFFFFFFFF, size


def write_zip(path: Path, parts: dict[str, str | bytes | Bomb], *, declared: dict | None = None
              ) -> Path:  # fmt: skip
    """A zip of deflated parts; ``declared`` may state a false uncompressed size for a part."""
    declared = declared or {}
    local, central = bytearray(), bytearray()
    for name, content in parts.items():
        if isinstance(content, Bomb):
            data, crc, size = content.deflated()
        else:
            raw = content.encode() if isinstance(content, str) else content
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            data, crc, size = c.compress(raw) + c.flush(), zlib.crc32(raw), len(raw)
        size = declared.get(name, size)
        encoded = name.encode()
        offset = len(local)
        fields = (20, 0x800, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0,
                               offset) + encoded  # fmt: skip
    n = len(parts)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), len(local), 0)
    path.write_bytes(bytes(local) + bytes(central) + end)
    return path


def xlsx(path: Path, sheet: str | Bomb, *, shared: str | Bomb | None = None,
         declared: dict | None = None) -> Path:  # fmt: skip
    rels = ('<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/>')  # fmt: skip
    if shared is not None:
        rels += ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
                 '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>')  # fmt: skip
    parts: dict[str, str | Bomb] = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (f'<?xml version="1.0"?><workbook {NS} {REL}><sheets><sheet '
                            'name="名录" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships">{rels}</Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }  # fmt: skip
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    return write_zip(path, parts, declared=declared)


def sheet_xml(inner: str) -> str:
    return f'<?xml version="1.0"?><worksheet {NS}>{inner}</worksheet>'


# ---------------------------------------------------------------- helpers


def counts(store) -> tuple[int, int, int]:
    with store.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Enterprise, AuditEvent, OutboxEntry))  # fmt: skip


def high_water_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def refused(store, path: Path, *words: str) -> str:
    before = counts(store)
    peak_before = high_water_mb()
    with pytest.raises(RosterFileError) as info:
        import_file(store, path)
    message = str(info.value)
    assert f"文件“{path.name}”" in message, message
    for word in words:  # "a|b": either
        assert any(w in message for w in word.split("|")), message
    assert counts(store) == before  # nothing written
    # this process (the GUI's) never held the file's expansion
    assert high_water_mb() - peak_before < 150, (peak_before, high_water_mb())
    # and no reader child went past its limit
    assert children_peak_mb() <= DEFAULT_LIMIT_BYTES / 1024 / 1024
    return message


# ---------------------------------------------------------------- the files


def test_false_dimension_is_refused_before_the_sheet_is_parsed(store, tmp_path):
    # 2 KB that say they are 1,048,576 × 16,384 cells
    path = xlsx(tmp_path / "假尺寸.xlsx", sheet_xml(
        f'<dimension ref="A1:XFD1048576"/><sheetData>{HEADER_ROW}</sheetData>'))  # fmt: skip
    assert path.stat().st_size < 3000
    start = time.perf_counter()
    message = refused(store, path, "工作表“名录”", "1,048,576行", f"{MAX_ROWS:,}行")
    assert time.perf_counter() - start < 60
    assert "拆分" in message


def test_one_far_cell_behind_a_small_dimension_names_that_cell(store, tmp_path):
    # the dimension lies the other way: it says A1:C2, one cell sits at XFD1048576; the parser
    # asks for 1,048,576 × 16,384 × 32 bytes (512 GB) and only the reader child dies
    path = xlsx(tmp_path / "远处单元格.xlsx", sheet_xml(
        f'<dimension ref="A1:C2"/><sheetData>{HEADER_ROW}'
        '<row r="2"><c r="XFD1048576"><v>1</v></c></row></sheetData>'))  # fmt: skip
    assert path.stat().st_size < 3000
    message = refused(store, path, "工作表“名录”", "XFD1048576", "内存", "未导入任何数据")
    assert "第2行" in message  # where the cell was written


def test_rows_without_r_and_a_far_cell(store, tmp_path):
    # rows without r (counted one after another), then a cell whose r spreads the range
    rows = "".join(f'<row><c t="inlineStr"><is><t>x{i}</t></is></c></row>' for i in range(20))
    path = xlsx(
        tmp_path / "无行号.xlsx",
        sheet_xml(
            f'<sheetData>{HEADER_ROW}{rows}<row><c r="KN400000"><v>1</v></c></row></sheetData>'
        ),
    )
    refused(store, path, "工作表“名录”", "KN400000", "第22行")


def test_a_million_rows_without_r_are_counted_and_refused(store, tmp_path):
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    head = sheet_xml(f"<sheetData>{HEADER_ROW}").removesuffix("</worksheet>").encode()
    bomb = Bomb(row * 10_000, 100, head=head, tail=b"</sheetData></worksheet>")
    path = xlsx(tmp_path / "百万无行号.xlsx", bomb)
    assert path.stat().st_size < 500_000
    refused(store, path, "工作表“名录”", "1,000,001行", f"{MAX_ROWS:,}行")


def _zip_bomb(tmp_path: Path, name: str, *, lie: bool) -> Path:
    # 1.4 GB of cells (as the attack test's file): 60 million inline strings
    cell = b'<row><c t="inlineStr"><is><t>1</t></is></c></row>'
    head = sheet_xml(f"<sheetData>{HEADER_ROW}").removesuffix("</worksheet>").encode()
    block = cell * 80_000
    times = 1_400_000_000 // len(block)
    bomb = Bomb(block, times, head=head, tail=b"</sheetData></worksheet>")
    declared = {"xl/worksheets/sheet1.xml": 40_000} if lie else None
    return xlsx(tmp_path / name, bomb, declared=declared)


@pytest.mark.slow
def test_zip_bomb_with_its_true_size_is_refused_at_once(store, tmp_path):
    path = _zip_bomb(tmp_path, "压缩炸弹.xlsx", lie=False)
    assert path.stat().st_size < 6_000_000
    start = time.perf_counter()
    refused(store, path, "工作表“名录”", "解压后", "压缩炸弹")
    assert time.perf_counter() - start < 60


@pytest.mark.slow
def test_zip_bomb_that_lies_about_its_size_stays_under_the_memory_bound(store, tmp_path):
    # the zip says 40 KB: the parser finds the lie (a damaged file) or runs into the child's
    # memory limit, whichever comes first; this process holds none of it
    path = _zip_bomb(tmp_path, "说谎的压缩炸弹.xlsx", lie=True)
    refused(store, path, "已损坏|内存上限")


@pytest.mark.slow
def test_huge_shared_strings(store, tmp_path):
    # 300 MB of shared strings (loaded whole when a workbook is opened): 17 million strings
    head = f'<?xml version="1.0"?><sst {NS}>'.encode()
    strings = Bomb(b"<si><t>x</t></si>" * 4096, 300_000_000 // (17 * 4096), head=head,
                   tail=b"</sst>")  # fmt: skip
    sheet = sheet_xml(f'<sheetData>{HEADER_ROW}<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
                      "</sheetData>")  # fmt: skip
    path = xlsx(tmp_path / "共享字符串.xlsx", sheet, shared=strings)
    refused(store, path, "共享字符串", "解压后", "MB")
    # the same with a false (small) declared size: refused by the reader child's memory limit
    liar = xlsx(tmp_path / "共享字符串说谎.xlsx", sheet, shared=strings,
                declared={"xl/sharedStrings.xml": 1000})  # fmt: skip
    refused(store, liar, "已损坏|内存上限")


def test_the_reader_child_really_has_a_memory_limit():
    from app.spreadsheet.client import ReaderProcess

    with ReaderProcess() as reader:
        reader._ready(None)
        assert "MiB" in reader.limit_how, reader.limit_how
        assert reader.process.pid != __import__("os").getpid()
