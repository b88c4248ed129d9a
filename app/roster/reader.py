"""Roster workbooks (.xlsx/.xlsm/.xls/.ods), read in a child process that cannot hurt this one.

The file is recognised, checked and parsed by python-calamine in a reader child with a memory
limit (:mod:`app.spreadsheet`): a false ``<dimension>``, a cell at XFD1048576, a zip bomb or a
huge shared-strings part ends at most that child, and the user gets a Chinese message saying
what is wrong and where. This module is the roster's view of it: :class:`Workbook` (its sheets)
and :class:`Sheet` (extent, merged cells, hidden rows and columns, the first rows; the chosen
columns on request).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.roster.errors import RosterFileError
from app.spreadsheet import client
from app.spreadsheet.probe import (  # noqa: F401  (the limits, for callers and tests)
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    FileProblem,
    column_letters,
)

#: rows sent with a loaded sheet: enough to find the header and show samples below it
HEAD_ROWS = 45


@dataclass(frozen=True)
class SheetInfo:
    name: str
    index: int
    visible: bool


@dataclass
class Sheet:
    """A loaded sheet. Coordinates are absolute (0-based); ``row_number`` is what Excel shows."""

    name: str
    start_row: int
    start_col: int
    height: int
    width: int
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    #: sheet row numbers (1-based) of hidden rows, 0-based columns of hidden columns
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: list[int] = field(default_factory=list)
    first_rows: list[list] = field(default_factory=list)
    workbook: Workbook | None = field(default=None, repr=False)

    @property
    def available(self) -> bool:
        return self.workbook is not None and not self.workbook.closed and self.height > 0

    def head(self, count: int) -> list[list]:
        return self.first_rows[:count]

    def iter_rows(self, skip: int = 0, limit: int | None = None, cancel=None) -> Iterator[list]:
        """Whole rows (cells from ``start_col``), from the ``skip``-th row of the sheet's range."""
        if not self.available:
            return
        if limit is not None and skip + limit <= len(self.first_rows):
            yield from self.first_rows[skip : skip + limit]
            return
        for _count, rows in self.workbook._stream("rows", self.name, skip, limit, cancel=cancel):
            yield from rows

    def iter_columns(self, positions: list[int], skip: int = 0, cancel=None
                     ) -> Iterator[tuple[int, list[list]]]:  # fmt: skip
        """``(rows, [column, ...])`` chunks of the columns at ``positions`` (from ``start_col``)."""
        if not self.available:
            return
        yield from self.workbook._stream("columns", self.name, skip, list(positions),
                                         cancel=cancel)  # fmt: skip


class Workbook:
    """An open roster workbook (its reader child). Use as a context manager."""

    def __init__(self, path: str | Path, *, cancel=None):
        self.path = Path(path)
        self.closed = False
        self._reader = client.take()
        try:
            info = self._call("open", str(self.path), cancel=cancel)
        except BaseException:
            self.close()
            raise
        self.format = info["format"]
        self.sheets = [SheetInfo(name, index, visible) for name, index, visible in info["sheets"]]

    # ------------------------------------------------------------ talking to the child

    def _error(self, problem: FileProblem) -> RosterFileError:
        return RosterFileError(problem.message, path=self.path, sheet=problem.sheet)

    def _died(self, sheet: str | None) -> RosterFileError:
        """The child ran out of memory (or crashed): a fresh one says which cell made it so."""
        try:
            with client.ReaderProcess() as doctor:
                message, where = doctor.call("diagnose", str(self.path), sheet)
        except Exception:
            message, where = client_generic(), sheet
        return RosterFileError(message, path=self.path, sheet=where or sheet)

    def _call(self, op: str, *args, cancel=None, sheet: str | None = None):
        try:
            return self._reader.call(op, *args, cancel=cancel)
        except FileProblem as problem:
            raise self._error(problem) from None
        except client.ReaderDied:
            self.closed = True
            raise self._died(sheet) from None

    def _stream(self, op: str, name: str, *args, cancel=None):
        try:
            yield from self._reader.stream(op, name, *args, cancel=cancel)
        except FileProblem as problem:
            raise self._error(problem) from None
        except client.ReaderDied:
            self.closed = True
            raise self._died(name) from None

    # ------------------------------------------------------------ the API

    def close(self) -> None:
        self.closed = True
        self._reader.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def load(self, name: str, *, cancel=None) -> Sheet:
        """Load one sheet in the child, after the checks there (extent, memory)."""
        if self.closed:
            raise RosterFileError("文件已关闭，请重新打开。", path=self.path, sheet=name)
        meta = self._call("load", name, HEAD_ROWS, cancel=cancel, sheet=name)
        return Sheet(
            name=meta["name"],
            start_row=meta["start_row"],
            start_col=meta["start_col"],
            height=meta["height"],
            width=meta["width"],
            merged=[tuple(map(tuple, m)) for m in meta["merged"]],
            hidden_rows=list(meta["hidden_rows"]),
            hidden_cols=list(meta["hidden_cols"]),
            first_rows=meta["head"],
            workbook=self,
        )


def client_generic() -> str:
    return ("读取该文件时超出了内存上限，已停止读取，未导入任何数据。文件可能已损坏或被特意构造。"
            "请用Excel或WPS打开后另存为新的.xlsx文件再导入。")  # fmt: skip
