"""What a spreadsheet file is, and the checks made before it is parsed.

Files are recognised by their content, not their name: a .xls that is really an .xlsx is read;
a .xls that is really a web page or CSV, a password-protected workbook, a damaged zip, an empty
workbook, or parts that would expand beyond the limits get a Chinese message before anything
big is loaded. These run in the reader child (:mod:`app.spreadsheet.worker`), under its memory
limit; the parent only learns the outcome.

The sheet's real extent is known once python-calamine has built its range (its height and
width are those of the cells actually present, whatever ``<dimension>`` says): the worker
checks it there. A file whose extent is so large that building the range exhausts the child's
memory (a 2 KB .xlsx with one cell at XFD1048576) kills only the child; :func:`diagnose` then
streams the sheet XML (constant memory) to say which cell made it so.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

#: rows of one sheet an import accepts (Gulou has tens of thousands of enterprises, not millions)
MAX_ROWS = 200_000
MAX_COLUMNS = 300
#: cells of a sheet's range (rows × columns): python-calamine keeps 32 bytes per cell
MAX_CELLS = 6_000_000
MAX_FILE_BYTES = 300 * 1024 * 1024
#: uncompressed size of one sheet part of an .xlsx, or of an .ods's content
MAX_PART_BYTES = 512 * 1024 * 1024
#: uncompressed size of an .xlsx's shared strings (loaded whole when the workbook is opened)
MAX_SHARED_STRINGS_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_WORD_MARK = "WordDocument".encode("utf-16-le")
_PPT_MARK = "PowerPoint Document".encode("utf-16-le")

SAVE_AS_HINT = "请用Excel或WPS打开后“另存为”Excel工作簿（.xlsx）再导入。"
ENCRYPTED = (
    "工作簿设置了打开密码（已加密），无法读取。请在Excel或WPS中打开，取消打开密码后另存，再导入。"
)
CORRUPT = ("文件已损坏，无法读取（可能下载或复制不完整）。请重新获取原文件，或用Excel/WPS打开修复后"
           "另存再导入。")  # fmt: skip
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class FileProblem(Exception):
    """A file that cannot be read; ``message`` is Chinese, ``sheet`` says where when known."""

    def __init__(self, message: str, sheet: str | None = None):
        super().__init__(message, sheet)
        self.message = message
        self.sheet = sheet

    def __str__(self) -> str:
        return self.message


def column_letters(index: int) -> str:
    """0-based column index as Excel names it (0 -> A, 26 -> AA)."""
    s = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _col_number(letters: bytes | str) -> int:
    """1-based column number of Excel letters."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ((ch if isinstance(ch, int) else ord(ch)) - 64)
    return n


# ---------------------------------------------------------------- what the file is


def _sniff_text(path: Path, head: bytes) -> FileProblem:
    """A file that is not a workbook container: say what it really is."""
    text = ""
    for encoding in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    low = text.lstrip().lower()
    suffix = path.suffix.lower() or "（无扩展名）"
    if head.startswith(b"%PDF"):
        return FileProblem("该文件是PDF文档，不是Excel工作簿，无法导入。")
    if low.startswith("{\\rtf"):
        return FileProblem("该文件是RTF文档，不是Excel工作簿。" + SAVE_AS_HINT)
    if "urn:schemas-microsoft-com:office:spreadsheet" in low:
        return FileProblem("该文件是“XML表格 2003”格式，本程序不能直接读取。" + SAVE_AS_HINT)
    if "<html" in low or "<!doctype html" in low or "<table" in low or "<meta" in low:
        return FileProblem(
            f"该文件实际上是网页（HTML）格式，只是扩展名为“{suffix}”，"
            "常见于从业务系统“导出Excel”得到的文件。" + SAVE_AS_HINT
        )
    if text and sum(ch.isprintable() or ch in "\r\n\t" for ch in text) >= 0.95 * len(text):
        kind = "CSV" if ("," in text or "，" in text) else "文本"
        return FileProblem(
            f"该文件实际上是{kind}格式（纯文本），只是扩展名为“{suffix}”，不是Excel工作簿。"
            + SAVE_AS_HINT
        )
    return FileProblem("无法识别的文件格式：不是Excel或WPS表格文件（.xlsx、.xls、.ods）。")


def _ole_kind(path: Path) -> str:
    """An OLE compound file: an old .xls, or an encrypted .xlsx, or something else."""
    found_encrypted = found_word = found_ppt = False
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            data = tail + chunk
            found_encrypted |= _ENCRYPTED_MARK in data
            found_word |= _WORD_MARK in data
            found_ppt |= _PPT_MARK in data
            tail = data[-64:]
    if found_encrypted:
        raise FileProblem(ENCRYPTED)
    if found_word:
        raise FileProblem("该文件是Word文档，不是Excel工作簿，无法导入。")
    if found_ppt:
        raise FileProblem("该文件是PowerPoint演示文稿，不是Excel工作簿，无法导入。")
    return "xls"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise FileProblem(f"压缩包内有{len(infos):,}个部件，不是正常的表格文件，无法导入。")
            names = {i.filename for i in infos}
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names:
                mime = zf.read("mimetype")[:100].decode("ascii", "replace")
                if "opendocument.spreadsheet" in mime:
                    return "ods"
                if "opendocument.text" in mime:
                    raise FileProblem("该文件是文字处理文档（.odt），不是表格，无法导入。")
            if "word/document.xml" in names:
                raise FileProblem("该文件是Word文档（.docx），不是Excel工作簿，无法导入。")
            if any(n.startswith("ppt/") for n in names):
                raise FileProblem("该文件是PowerPoint演示文稿，不是Excel工作簿，无法导入。")
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as exc:
        raise FileProblem(CORRUPT) from exc
    raise FileProblem("该文件是压缩包，但其中没有Excel工作簿内容，无法导入。")


def detect_format(path: str | Path) -> str:
    """``"xlsx"`` (also .xlsm), ``"xls"`` or ``"ods"`` by content; FileProblem otherwise."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FileProblem("文件不存在。") from None
    except OSError as exc:
        raise FileProblem(f"文件无法打开：{exc.strerror or exc}") from exc
    if path.is_dir():
        raise FileProblem("这是一个文件夹，不是文件。")
    if size == 0:
        raise FileProblem("文件是空的（0字节），可能下载或复制不完整。")
    if size > MAX_FILE_BYTES:
        raise FileProblem(
            f"文件大小为{size / 1024 / 1024:.0f}MB，超过导入上限{MAX_FILE_BYTES // 1024 // 1024}MB。"
            "请删除多余的工作表、图片和空行，或拆分后分批导入。"
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise FileProblem(f"文件无法读取：{exc.strerror or exc}") from exc
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path)
    raise _sniff_text(path, head)


# ---------------------------------------------------------------- .xlsx / .ods parts


_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref\s*=\s*[\"']\$?([A-Za-z]*)\$?(\d*)(?::\$?([A-Za-z]+)\$?(\d+))?[\"']"
)


def xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part name inside the zip."""
    workbook = ET.fromstring(zf.read("xl/workbook.xml"))
    try:
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    targets = {}
    for rel in rels.iter(f"{NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[rel.get("Id")] = part
    parts = {}
    for sheet in workbook.iter(f"{NS_MAIN}sheet"):
        rid = sheet.get(f"{NS_REL}id")
        if rid in targets:
            parts[sheet.get("name", "")] = targets[rid]
    return parts


def too_many_rows(rows: int | None) -> str:
    size = f"有{rows:,}行" if rows else "数据量过大"
    return (
        f"工作表{size}，超过单次导入上限{MAX_ROWS:,}行（可能含有大量空行或格式）。"
        "请删除多余的空行，或将名录拆分为多个文件分批导入。"
    )


def too_many_columns(cols: int) -> str:
    return f"工作表有{cols}列，超过上限{MAX_COLUMNS}列；请删除多余的列后再导入。"


def _part_too_big(what: str, size: int, limit: int) -> str:
    return (
        f"{what}解压后有{size / 1024 / 1024:,.0f}MB，超过读取上限{limit // 1024 // 1024}MB"
        "（正常的名录远小于此；文件可能含有大量空行或格式，或是被特意构造的“压缩炸弹”）。"
        "请删除多余的空行和格式，或拆分后再导入。"
    )


@dataclass
class PartSizes:
    """What the zip directory and the sheet's head say, checked before the workbook is opened."""

    #: sheet name -> (rows, columns) according to ``<dimension>`` (None when absent)
    dimensions: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    #: sheet name -> part name
    parts: dict[str, str] = field(default_factory=dict)


def check_xlsx(path: Path) -> PartSizes:
    """The declared sizes of the shared strings and of each sheet part, and each dimension."""
    out = PartSizes()
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            shared = infos.get("xl/sharedStrings.xml")
            if shared is not None and shared.file_size > MAX_SHARED_STRINGS_BYTES:
                raise FileProblem(
                    _part_too_big("共享字符串部分", shared.file_size, MAX_SHARED_STRINGS_BYTES)
                )
            out.parts = xlsx_sheet_parts(zf)
            for name, part in out.parts.items():
                info = infos.get(part)
                if info is None:
                    continue
                if info.file_size > MAX_PART_BYTES:
                    raise FileProblem(_part_too_big("工作表数据", info.file_size, MAX_PART_BYTES),
                                      name)  # fmt: skip
                with zf.open(part) as fh:
                    head = fh.read(65536)
                m = _DIMENSION.search(head)
                rows = cols = None
                if m and m.group(4):
                    rows, cols = int(m.group(4)), _col_number(m.group(3))
                elif m and m.group(2):
                    rows, cols = int(m.group(2)), _col_number(m.group(1))
                out.dimensions[name] = (rows, cols)
                if rows is not None and rows > MAX_ROWS + 1:
                    raise FileProblem(too_many_rows(rows), name)
                if cols is not None and cols > MAX_COLUMNS:
                    raise FileProblem(too_many_columns(cols), name)
    except FileProblem:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ET.ParseError, ValueError,
            OSError) as exc:  # fmt: skip
        raise FileProblem(CORRUPT) from exc
    return out


def check_ods(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("content.xml")
    except KeyError:
        raise FileProblem(CORRUPT) from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileProblem(CORRUPT) from exc
    if info.file_size > MAX_PART_BYTES:
        raise FileProblem(_part_too_big("表格内容", info.file_size, MAX_PART_BYTES))


def _stream(zf: zipfile.ZipFile, part: str, limit: int):
    """The part's bytes in chunks, cut into whole tags (each chunk ends before a ``<``)."""
    carry = b""
    seen = 0
    with zf.open(part) as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            seen += len(chunk)
            if seen > limit:
                raise FileProblem(_part_too_big("工作表数据", seen, limit))
            data = carry + chunk
            cut = data.rfind(b"<")
            if cut <= 0:
                carry = data
                continue
            yield data[:cut]
            carry = data[cut:]
    if carry:
        yield carry


# ---------------------------------------------------------------- hidden rows and columns

_ATTR_R = re.compile(rb"\br\s*=\s*[\"'](\d+)[\"']")
_HIDDEN_TRUE = re.compile(rb"\bhidden\s*=\s*[\"'](?:1|true)[\"']")
_ROW_OPEN = re.compile(rb"<(?:\w+:)?row\b")
_COL_TAG = re.compile(rb"<(?:\w+:)?col\b([^>]*)>")
_MIN_MAX = re.compile(rb"\b(min|max)\s*=\s*[\"'](\d+)[\"']")


def xlsx_hidden(path: Path, part: str) -> tuple[list[int], list[int]]:
    """(hidden row numbers, hidden 0-based columns) of one sheet part, read as a stream.

    Only the places that say ``hidden`` are looked at closely, so the cost is that of
    decompressing the part once (done beside the parse, in a thread: zlib releases the GIL).
    """
    rows: list[int] = []
    cols: set[int] = set()
    counted = 0  # rows opened before this chunk, for rows written without ``r``
    with zipfile.ZipFile(path) as zf:
        for body in _stream(zf, part, MAX_PART_BYTES):
            start = 0
            while (pos := body.find(b"hidden", start)) >= 0:
                start = pos + 6
                tag_start = body.rfind(b"<", 0, pos)
                tag = body[tag_start : body.find(b">", pos) + 1]
                if not _HIDDEN_TRUE.search(tag):
                    continue
                if _ROW_OPEN.match(tag):
                    m = _ATTR_R.search(tag)
                    rows.append(
                        int(m.group(1)) if m else counted + body.count(b"<row", 0, tag_start) + 1
                    )
                elif (col := _COL_TAG.match(tag)) is not None:
                    bounds = dict(_MIN_MAX.findall(col.group(1)))
                    low = int(bounds.get(b"min", 0))
                    high = min(int(bounds.get(b"max", low)), low + MAX_COLUMNS)
                    cols.update(range(low - 1, high))
            counted += body.count(b"<row")
    return sorted(set(rows)), sorted(c for c in cols if c >= 0)


_ODS_TABLE = re.compile(rb"<table:table\b[^>]*?table:name=\"([^\"]*)\"")
_ODS_ROW = re.compile(rb"<table:table-row\b([^>]*)>")
_ODS_COL = re.compile(rb"<table:table-column\b([^>]*)/?>")
_ODS_REPEAT_ROWS = re.compile(rb"table:number-rows-repeated=\"(\d+)\"")
_ODS_REPEAT_COLS = re.compile(rb"table:number-columns-repeated=\"(\d+)\"")
_ODS_HIDDEN = re.compile(rb"table:visibility=\"(?:collapse|filter)\"")


def ods_hidden(path: Path) -> dict[str, tuple[list[int], list[int]]]:
    """Sheet name -> (hidden row numbers, hidden 0-based columns) of an .ods (when it has any)."""
    with zipfile.ZipFile(path) as zf:
        content = b"".join(_stream(zf, "content.xml", MAX_PART_BYTES))
    if not _ODS_HIDDEN.search(content):
        return {}
    out: dict[str, tuple[list[int], list[int]]] = {}
    import html

    starts = [(m.start(), html.unescape(m.group(1).decode("utf-8", "replace")))
              for m in _ODS_TABLE.finditer(content)]  # fmt: skip
    for k, (start, name) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(content)
        body = content[start:end]
        if not _ODS_HIDDEN.search(body):
            continue
        rows: list[int] = []
        number = 0
        for m in _ODS_ROW.finditer(body):
            attrs = m.group(1)
            repeat = _ODS_REPEAT_ROWS.search(attrs)
            count = int(repeat.group(1)) if repeat else 1
            if _ODS_HIDDEN.search(attrs) and number < MAX_ROWS:
                rows.extend(range(number + 1, number + 1 + min(count, MAX_ROWS)))
            number += count
        cols: list[int] = []
        index = 0
        for m in _ODS_COL.finditer(body):
            attrs = m.group(1)
            repeat = _ODS_REPEAT_COLS.search(attrs)
            count = int(repeat.group(1)) if repeat else 1
            if _ODS_HIDDEN.search(attrs) and index < MAX_COLUMNS:
                cols.extend(range(index, index + min(count, MAX_COLUMNS)))
            index += count
        out[name] = (rows, cols)
    return out


# ---------------------------------------------------------------- after the reader ran out of memory

_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br\s*=\s*[\"']([A-Za-z]{1,4})(\d{1,8})[\"']")


def diagnose(path: str | Path, sheet: str | None) -> FileProblem:
    """Why reading made the child run out of memory: the cell that spreads the sheet too far."""
    path = Path(path)
    generic = FileProblem(
        "读取该文件时超出了内存上限，已停止读取，未导入任何数据。文件可能已损坏或被特意构造"
        "（例如记录了远超实际内容的表格范围）。请用Excel或WPS打开后另存为新的.xlsx文件再导入。",
        sheet,
    )
    try:
        if detect_format(path) != "xlsx":
            return generic
        with zipfile.ZipFile(path) as zf:
            parts = xlsx_sheet_parts(zf)
            names = [sheet] if sheet in parts else list(parts)
            for name in names:
                max_row = max_col = 0
                far = None
                row_number = 0
                for body in _stream(zf, parts[name], MAX_PART_BYTES):
                    for tag in re.finditer(rb"<(?:\w+:)?(row|c)\b([^>]*)>", body):
                        attrs = tag.group(2)
                        if tag.group(1) == b"row":
                            m = _ATTR_R.search(attrs)
                            row_number = int(m.group(1)) if m else row_number + 1
                            continue
                        m = re.search(rb"\br\s*=\s*[\"']([A-Za-z]{1,4})(\d{1,8})[\"']", attrs)
                        if m is None:
                            continue
                        col, row = _col_number(m.group(1)), int(m.group(2))
                        max_row, max_col = max(max_row, row), max(max_col, col)
                        if far is None and (row > MAX_ROWS + 1 or col > MAX_COLUMNS
                                            or row * col > MAX_CELLS):  # fmt: skip
                            far = (m.group(1).decode().upper(), row, row_number)
                if far is not None:
                    letters, row, inside = far
                    where = f"第{inside:,}行的数据中" if inside and inside != row else ""
                    return FileProblem(
                        f"工作表的范围被扩展到{letters}{row}单元格（{max_row:,}行×{max_col:,}列），"
                        f"{where}有一个位于第{row:,}行{letters}列的单元格。读取这样的范围需要的内存"
                        f"超过上限，已停止读取，未导入任何数据。请删除该单元格（或在Excel/WPS中"
                        "另存为新文件）后再导入。",
                        name,
                    )
    except FileProblem as problem:
        return problem
    except Exception:  # the diagnosis is best effort: the generic message is still true
        return generic
    return generic
