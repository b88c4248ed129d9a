"""Reading roster workbooks (.xlsx/.xlsm/.xls/.ods) with python-calamine, after safety checks.

Files are recognised by their content, not their name: a .xls that is really an .xlsx is read;
a .xls that is really a web page or CSV, a password-protected workbook, a damaged zip, an empty
workbook or a sheet far larger than an import should be gets a Chinese message before anything
big is loaded. For .xlsx the sheet's size is taken from its ``<dimension>`` (or, when a writer
left it out, from a streaming scan of the sheet) before calamine loads the sheet into memory.
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import python_calamine as calamine

from app.roster.errors import RosterFileError

#: rows of one sheet an import accepts (Gulou has tens of thousands of enterprises, not millions)
MAX_ROWS = 200_000
MAX_COLUMNS = 300
MAX_FILE_BYTES = 300 * 1024 * 1024
#: uncompressed size of one sheet part (or the shared strings) of an .xlsx/.ods
MAX_PART_BYTES = 1_500 * 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_WORD_MARK = "WordDocument".encode("utf-16-le")
_PPT_MARK = "PowerPoint Document".encode("utf-16-le")

SAVE_AS_HINT = "请用Excel或WPS打开后“另存为”Excel工作簿（.xlsx）再导入。"
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass(frozen=True)
class SheetInfo:
    name: str
    index: int
    visible: bool
    #: rows according to the file's own record of its size (None when unknown)
    rows: int | None = None


@dataclass
class Sheet:
    """A loaded sheet. Coordinates are absolute (0-based); ``row_number`` is what Excel shows."""

    name: str
    start_row: int
    start_col: int
    height: int
    width: int
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    _sheet: object = None

    def iter_rows(self) -> Iterator[list]:
        if self._sheet is None:
            return iter(())
        return self._sheet.iter_rows()  # type: ignore[attr-defined]

    def head(self, count: int) -> list[list]:
        if self._sheet is None:
            return []
        return self._sheet.to_python(skip_empty_area=True, nrows=count)  # type: ignore[attr-defined]


def _fail(message: str, path: Path, sheet: str | None = None) -> RosterFileError:
    return RosterFileError(message, path=path, sheet=sheet)


def _sniff_text(path: Path, head: bytes) -> RosterFileError:
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
        return _fail("该文件是PDF文档，不是Excel工作簿，无法导入。", path)
    if low.startswith("{\\rtf"):
        return _fail("该文件是RTF文档，不是Excel工作簿。" + SAVE_AS_HINT, path)
    if "urn:schemas-microsoft-com:office:spreadsheet" in low:
        return _fail("该文件是“XML表格 2003”格式，本程序不能直接读取。" + SAVE_AS_HINT, path)
    if "<html" in low or "<!doctype html" in low or "<table" in low or "<meta" in low:
        return _fail(
            f"该文件实际上是网页（HTML）格式，只是扩展名为“{suffix}”，"
            "常见于从业务系统“导出Excel”得到的文件。" + SAVE_AS_HINT,
            path,
        )
    if text and sum(ch.isprintable() or ch in "\r\n\t" for ch in text) >= 0.95 * len(text):
        kind = "CSV" if ("," in text or "，" in text) else "文本"
        return _fail(
            f"该文件实际上是{kind}格式（纯文本），只是扩展名为“{suffix}”，不是Excel工作簿。"
            + SAVE_AS_HINT,
            path,
        )
    return _fail("无法识别的文件格式：不是Excel或WPS表格文件（.xlsx、.xls、.ods）。", path)


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
        raise _fail(
            "工作簿设置了打开密码（已加密），无法读取。请在Excel或WPS中打开，取消打开密码后另存，再导入。",
            path,
        )
    if found_word:
        raise _fail("该文件是Word文档，不是Excel工作簿，无法导入。", path)
    if found_ppt:
        raise _fail("该文件是PowerPoint演示文稿，不是Excel工作簿，无法导入。", path)
    return "xls"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names:
                mime = zf.read("mimetype")[:100].decode("ascii", "replace")
                if "opendocument.spreadsheet" in mime:
                    return "ods"
                if "opendocument.text" in mime:
                    raise _fail("该文件是文字处理文档（.odt），不是表格，无法导入。", path)
            if "word/document.xml" in names:
                raise _fail("该文件是Word文档（.docx），不是Excel工作簿，无法导入。", path)
            if any(n.startswith("ppt/") for n in names):
                raise _fail("该文件是PowerPoint演示文稿，不是Excel工作簿，无法导入。", path)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise _corrupt(path) from exc
    raise _fail("该文件是压缩包，但其中没有Excel工作簿内容，无法导入。", path)


def _corrupt(path: Path, sheet: str | None = None) -> RosterFileError:
    return _fail(
        "文件已损坏，无法读取（可能下载或复制不完整）。请重新获取原文件，或用Excel/WPS打开修复后另存再导入。",
        path,
        sheet,
    )


def detect_format(path: Path) -> str:
    """``"xlsx"`` (also .xlsm), ``"xls"`` or ``"ods"`` by content; RosterFileError otherwise."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise _fail("文件不存在。", path) from None
    except OSError as exc:
        raise _fail(f"文件无法打开：{exc.strerror or exc}", path) from exc
    if path.is_dir():
        raise _fail("这是一个文件夹，不是文件。", path)
    if size == 0:
        raise _fail("文件是空的（0字节），可能下载或复制不完整。", path)
    if size > MAX_FILE_BYTES:
        raise _fail(
            f"文件大小为{size / 1024 / 1024:.0f}MB，超过导入上限{MAX_FILE_BYTES // 1024 // 1024}MB。"
            "请删除多余的工作表、图片和空行，或拆分后分批导入。",
            path,
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise _fail(f"文件无法读取：{exc.strerror or exc}", path) from exc
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path)
    raise _sniff_text(path, head)


# ---------------------------------------------------------------- .xlsx sheet sizes before loading

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?\"")
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _xlsx_sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
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


def _scan_last_row(zf: zipfile.ZipFile, part: str) -> int:
    """The last row number of a sheet part without a dimension, read as a stream."""
    last = 0
    carry = b""
    with zf.open(part) as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            data = carry + chunk
            window = 65536
            while True:
                found = _ROW_NUMBER.findall(data[-window:])
                if found or window >= len(data):
                    break
                window *= 4
            if found:
                last = max(last, int(found[-1]))
                if last > MAX_ROWS:
                    return last
            carry = data[-1024:]
    return last


def xlsx_sheet_sizes(path: Path) -> dict[str, tuple[int | None, int | None]]:
    """Sheet name -> (rows, columns) as recorded in the file, checked against the limits."""
    sizes: dict[str, tuple[int | None, int | None]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            parts = _xlsx_sheet_parts(zf)
            infos = {i.filename: i for i in zf.infolist()}
            for shared in ("xl/sharedStrings.xml",):
                if shared in infos and infos[shared].file_size > MAX_PART_BYTES:
                    raise _fail("共享字符串部分超过读取上限，文件过大或已损坏。", path)
            for name, part in parts.items():
                info = infos.get(part)
                if info is None:
                    continue
                if info.file_size > MAX_PART_BYTES:
                    raise _too_many_rows(path, name, None)
                with zf.open(part) as fh:
                    head = fh.read(65536)
                m = _DIMENSION.search(head)
                rows = cols = None
                if m and m.group(4):
                    rows, cols = int(m.group(4)), _col_number(m.group(3))
                elif m and m.group(2):
                    rows, cols = int(m.group(2)), _col_number(m.group(1))
                if rows is None or rows <= 1:
                    scanned = _scan_last_row(zf, part)
                    rows = max(rows or 0, scanned)
                sizes[name] = (rows, cols)
    except RosterFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ET.ParseError, ValueError) as exc:
        raise _corrupt(path) from exc
    return sizes


def _too_many_rows(path: Path, sheet: str, rows: int | None) -> RosterFileError:
    size = f"有{rows:,}行" if rows else "数据量过大"
    return _fail(
        f"工作表{size}，超过单次导入上限{MAX_ROWS:,}行（可能含有大量空行或格式）。"
        "请删除多余的空行，或将名录拆分为多个文件分批导入。",
        path,
        sheet,
    )


# ---------------------------------------------------------------- the workbook


class Workbook:
    """An open roster workbook. Use as a context manager."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.format = detect_format(self.path)
        self._sizes: dict[str, tuple[int | None, int | None]] = {}
        if self.format == "xlsx":
            self._sizes = xlsx_sheet_sizes(self.path)
        self._wb = self._open_calamine()
        self.sheets = [
            SheetInfo(
                meta.name,
                i,
                str(meta.visible).endswith("Visible"),
                self._sizes.get(meta.name, (None, None))[0],
            )
            for i, meta in enumerate(self._wb.sheets_metadata)
            if str(meta.typ).endswith("WorkSheet")
        ]
        if not self.sheets:
            self.close()
            raise _fail("工作簿中没有任何工作表。", self.path)

    def _open_calamine(self):
        encrypted = _fail(
            "工作簿设置了打开密码（已加密），无法读取。请在Excel或WPS中打开，取消打开密码后另存，再导入。",
            self.path,
        )
        self._fh = self.path.open("rb")
        try:
            # by content: a workbook named with the wrong extension is still read
            return calamine.CalamineWorkbook.from_filelike(self._fh)
        except calamine.PasswordError as exc:
            raise encrypted from exc
        except (calamine.CalamineError, OSError, ValueError) as exc:
            first = exc
        if self.format == "xls" and self.path.suffix.lower() == ".xls":
            # calamine does not recognise some .xls (e.g. password-protected) from content alone
            try:
                return calamine.CalamineWorkbook.from_path(str(self.path))
            except calamine.PasswordError as exc:
                raise encrypted from exc
            except (calamine.CalamineError, OSError, ValueError):
                pass
        self._fh.close()
        raise _corrupt(self.path) from first

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already closed
            self._wb.close()
        with contextlib.suppress(Exception):
            self._fh.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def check_size(self, name: str) -> None:
        rows, cols = self._sizes.get(name, (None, None))
        if rows is not None and rows > MAX_ROWS:
            raise _too_many_rows(self.path, name, rows)
        if cols is not None and cols > MAX_COLUMNS:
            raise _fail(
                f"工作表有{cols}列，超过上限{MAX_COLUMNS}列；请删除多余的列后再导入。",
                self.path,
                name,
            )

    def load(self, name: str) -> Sheet:
        """Load one sheet (whole, into memory) after checking its size."""
        if name not in self.sheet_names:
            names = "、".join(f"“{n}”" for n in self.sheet_names)
            raise _fail(f"没有名为“{name}”的工作表；工作簿中的工作表有：{names}", self.path)
        self.check_size(name)
        try:
            sheet = self._wb.get_sheet_by_name(name)
        except calamine.PasswordError as exc:
            raise _fail("工作表受密码保护，无法读取。", self.path, name) from exc
        except (calamine.CalamineError, ValueError, OSError) as exc:
            raise _corrupt(self.path, name) from exc
        if sheet.height > MAX_ROWS + 1:
            raise _too_many_rows(self.path, name, sheet.height)
        if sheet.width > MAX_COLUMNS:
            raise _fail(
                f"工作表有{sheet.width}列，超过上限{MAX_COLUMNS}列；请删除多余的列后再导入。",
                self.path,
                name,
            )
        start = sheet.start or (0, 0)
        try:
            merged = list(sheet.merged_cell_ranges or [])
        except Exception:
            merged = []
        return Sheet(
            name=name,
            start_row=start[0],
            start_col=start[1],
            height=sheet.height,
            width=sheet.width,
            merged=merged,
            _sheet=sheet if sheet.height else None,
        )
