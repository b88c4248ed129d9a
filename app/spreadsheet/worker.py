"""The reader child: limits its own memory, then opens, checks and parses one workbook.

Started by :class:`app.spreadsheet.client.ReaderProcess` (``spawn``), it answers requests on a
pipe: ``open`` (what the workbook holds), ``load`` (a sheet: its extent, merged cells, hidden
rows and columns, the first rows), ``columns`` (chosen columns, in chunks, packed by
:mod:`codec`), ``rows`` (whole rows), ``close``. A problem with the file is answered as
``("problem", message, sheet)``; anything worse (memory exhausted, a crash inside the parser)
ends this process, which the parent notices.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import os
import threading
from pathlib import Path

from app.spreadsheet import codec, probe
from app.spreadsheet.limits import limit_memory
from app.spreadsheet.probe import (
    CORRUPT,
    ENCRYPTED,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    FileProblem,
    column_letters,
)

CHUNK_ROWS = 20_000
MEMORY = ("读取该工作表需要的内存超过上限，已停止读取，未导入任何数据。请删除多余的空行、空列和格式，"
          "或拆分后分批导入。")  # fmt: skip


class _Hidden(threading.Thread):
    """Finds hidden rows and columns beside the parse (decompressing releases the GIL)."""

    def __init__(self, fn, *args):
        super().__init__(daemon=True)
        self.fn, self.args = fn, args
        self.result = None
        self.start()

    def run(self) -> None:
        with contextlib.suppress(Exception):  # hidden rows are information, never a reason to fail
            self.result = self.fn(*self.args)


class Book:
    def __init__(self, path: str):
        import python_calamine as calamine

        self.calamine = calamine
        self.path = Path(path)
        self.format = probe.detect_format(self.path)
        self.parts: dict[str, str] = {}
        if self.format == "xlsx":
            self.parts = probe.check_xlsx(self.path).parts
        elif self.format == "ods":
            probe.check_ods(self.path)
        self.loaded: dict[str, object] = {}
        self._ods_hidden = None
        self._fh = self.path.open("rb")
        try:
            self.wb = self._open()
        except BaseException:
            self._fh.close()
            raise
        self.sheets = [
            (meta.name, i, str(meta.visible).endswith("Visible"))
            for i, meta in enumerate(self.wb.sheets_metadata)
            if str(meta.typ).endswith("WorkSheet")
        ]
        if not self.sheets:
            raise FileProblem("工作簿中没有任何工作表。")

    def _open(self):
        calamine = self.calamine
        try:
            # by content: a workbook named with the wrong extension is still read
            return calamine.CalamineWorkbook.from_filelike(self._fh)
        except calamine.PasswordError as exc:
            raise FileProblem(ENCRYPTED) from exc
        except (calamine.CalamineError, OSError, ValueError) as exc:
            first = exc
        if self.format == "xls" and self.path.suffix.lower() == ".xls":
            # calamine does not recognise some .xls (e.g. password-protected) from content alone
            try:
                return calamine.CalamineWorkbook.from_path(str(self.path))
            except calamine.PasswordError as exc:
                raise FileProblem(ENCRYPTED) from exc
            except (calamine.CalamineError, OSError, ValueError):
                pass
        raise FileProblem(CORRUPT) from first

    def info(self) -> dict:
        return {"format": self.format, "sheets": self.sheets}

    def _hidden_of(self, name: str) -> _Hidden | None:
        if self.format == "xlsx" and name in self.parts:
            return _Hidden(probe.xlsx_hidden, self.path, self.parts[name])
        if self.format == "ods":
            if self._ods_hidden is None:
                self._ods_hidden = _Hidden(probe.ods_hidden, self.path)
            return self._ods_hidden
        return None

    def load(self, name: str, head: int) -> dict:
        names = [s[0] for s in self.sheets]
        if name not in names:
            listed = "、".join(f"“{n}”" for n in names)
            raise FileProblem(f"没有名为“{name}”的工作表；工作簿中的工作表有：{listed}")
        calamine = self.calamine
        hidden = self._hidden_of(name)
        try:
            sheet = self.wb.get_sheet_by_name(name)
        except calamine.PasswordError as exc:
            raise FileProblem("工作表受密码保护，无法读取。", name) from exc
        except MemoryError as exc:
            raise FileProblem(MEMORY, name) from exc
        except (calamine.CalamineError, ValueError, OSError) as exc:
            raise FileProblem(CORRUPT, name) from exc
        height, width = sheet.height, sheet.width
        start = sheet.start or (0, 0)
        end = sheet.end or (0, 0)
        far = f"（最后一行第{end[0] + 1:,}行、最右一列{column_letters(end[1])}列有内容）"
        if height > MAX_ROWS + 1:
            raise FileProblem(probe.too_many_rows(height) + far, name)
        if width > MAX_COLUMNS:
            raise FileProblem(probe.too_many_columns(width) + far, name)
        if height * width > MAX_CELLS:
            raise FileProblem(
                f"工作表的数据范围为{height:,}行×{width:,}列{far}，超过读取上限{MAX_CELLS:,}个单元格。"
                "请删除多余的行和列（常见于远处残留的内容或格式）后再导入。",
                name,
            )
        try:
            merged = list(sheet.merged_cell_ranges or [])
        except Exception:
            merged = []
        rows = sheet.to_python(skip_empty_area=True, nrows=head) if height else []
        hidden_rows: list[int] = []
        hidden_cols: list[int] = []
        if hidden is not None:
            hidden.join()
            found = hidden.result
            if isinstance(found, dict):  # .ods: every sheet at once
                found = found.get(name)
            if found:
                hidden_rows, hidden_cols = found
        self.loaded[name] = sheet
        return {
            "name": name,
            "start_row": start[0],
            "start_col": start[1],
            "height": height,
            "width": width,
            "merged": merged,
            "head": rows,
            "hidden_rows": hidden_rows,
            "hidden_cols": hidden_cols,
        }

    def _rows(self, name: str, skip: int):
        sheet = self.loaded.get(name)
        if sheet is None:
            raise FileProblem("工作表尚未读取。", name)
        # iter_rows() starts at the sheet's first column but at row 0, not at its first row
        first = (sheet.start or (0, 0))[0]
        return itertools.islice(sheet.iter_rows(), first + skip, None)

    def columns(self, name: str, skip: int, positions: list[int]):
        """Chunks of the chosen columns (positions from the sheet's first column)."""
        rows = self._rows(name, skip)
        pick = operator.itemgetter(*positions) if len(positions) > 1 else None
        width = max(positions) + 1
        while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
            if pick is None:
                columns = [[r[positions[0]] if positions[0] < len(r) else "" for r in chunk]]
            else:
                try:
                    picked = list(map(pick, chunk))
                except IndexError:  # a short row (calamine pads rows; be safe anyway)
                    padding = [""] * width
                    picked = [pick([*r, *padding]) for r in chunk]
                columns = list(zip(*picked, strict=True))
            yield len(chunk), [codec.encode(c) for c in columns]

    def rows(self, name: str, skip: int, limit: int | None):
        rows = self._rows(name, skip)
        if limit is not None:
            rows = itertools.islice(rows, limit)
        while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
            yield len(chunk), chunk

    def close(self) -> None:
        self.loaded.clear()
        with contextlib.suppress(Exception):
            self.wb.close()
        with contextlib.suppress(Exception):
            self._fh.close()


def serve(conn, limit_bytes: int) -> None:
    """The child's main loop (the target of the spawned process)."""
    # a failed allocation in the parser prints one line, not a Rust backtrace
    os.environ["RUST_BACKTRACE"] = "0"
    try:
        how = limit_memory(limit_bytes)
    except Exception as exc:  # the file is still read in this separate process
        how = f"no memory limit ({type(exc).__name__})"
    conn.send(("ready", how))
    book: Book | None = None
    sheet: str | None = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            break
        op, args = request[0], request[1:]
        try:
            if op == "close":
                break
            if op == "open":
                if book is not None:
                    book.close()
                book = Book(*args)
                conn.send(("ok", book.info()))
            elif op == "diagnose":
                found = probe.diagnose(*args)
                conn.send(("ok", (found.message, found.sheet)))
            elif op == "load":
                sheet = args[0]
                conn.send(("ok", book.load(*args)))
            elif op in ("columns", "rows"):
                sheet = args[0]
                total = 0
                for count, chunk in getattr(book, op)(*args):
                    total += count
                    conn.send(("chunk", count, chunk))
                conn.send(("end", total))
            else:
                conn.send(("problem", f"unknown request {op!r}", None))
        except FileProblem as problem:
            conn.send(("problem", problem.message, problem.sheet))
        except MemoryError:
            conn.send(("problem", MEMORY, sheet))
        except Exception as exc:  # a parser error we did not foresee: the file is unreadable
            conn.send(("problem", CORRUPT, sheet, type(exc).__name__))
    if book is not None:
        book.close()
    conn.close()
