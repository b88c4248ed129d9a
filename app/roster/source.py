"""A roster opened for import: the workbook, its sheets loaded, the header of each found.

A roster may be one sheet or several of the same layout (one per community): by default every
visible sheet whose header has the layout of the first is imported, and the user may choose
others. The user may also choose the header row when the one found is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.roster.errors import RosterFileError
from app.roster.mapping import HEADER_SCAN_ROWS, Header, detect_header
from app.roster.reader import Sheet, SheetInfo, Workbook

Progress = Callable[[int, int, str], None]


@dataclass
class SheetPart:
    """One sheet of the import with its header."""

    sheet: Sheet
    header: Header | None

    def __post_init__(self) -> None:
        #: the header as found, before any choice of the user
        self.found = self.header

    @property
    def name(self) -> str:
        return self.sheet.name

    @property
    def data_start(self) -> int:
        """Sheet row number of the first data row (below the header)."""
        first_in_sheet = self.sheet.start_row + 1
        return max(self.header.data_start, first_in_sheet) if self.header else first_in_sheet


def _detect(sheet: Sheet, rows: tuple[int, ...] | None = None) -> Header | None:
    return detect_header(sheet.head(HEADER_SCAN_ROWS), sheet.start_row, sheet.start_col,
                         sheet.merged, rows=rows)  # fmt: skip


class RosterSource:
    """Open with :meth:`open`; keep it while the user reviews the mapping; :meth:`close` after."""

    def __init__(self, workbook: Workbook, parts: list[SheetPart], loaded: dict[str, SheetPart]):
        self.workbook = workbook
        #: the sheets to import, the first one leading (its header and mapping are the import's)
        self.parts = parts
        #: every sheet loaded, with its header (None: no roster header found)
        self.loaded = loaded

    @property
    def sheet(self) -> Sheet:
        return self.parts[0].sheet

    @property
    def header(self) -> Header | None:
        return self.parts[0].header

    @property
    def path(self) -> Path:
        return self.workbook.path

    @property
    def sheets(self) -> list[SheetInfo]:
        return self.workbook.sheets

    @property
    def sheet_name(self) -> str:
        return self.sheet.name

    @property
    def sheet_names(self) -> list[str]:
        return [p.name for p in self.parts]

    @property
    def multi(self) -> bool:
        return len(self.parts) > 1

    @classmethod
    def open(
        cls,
        path: str | Path,
        sheet: str | list[str] | None = None,
        *,
        require_header: bool = True,
        progress: Progress | None = None,
        cancel=None,
    ) -> RosterSource:
        """Open ``path`` and load its sheets.

        ``sheet``: a sheet name or a list of them; default: the first sheet with a roster header
        and every other visible sheet with the same header layout.
        """
        if progress:
            progress(0, 0, "正在打开文件…")
        workbook = Workbook(path, cancel=cancel)
        try:
            return cls._open(workbook, sheet, require_header, progress, cancel)
        except BaseException:
            workbook.close()
            raise

    @classmethod
    def _open(cls, workbook, sheet, require_header, progress, cancel) -> RosterSource:
        loaded: dict[str, SheetPart] = {}

        def load(name: str) -> SheetPart:
            if progress:
                progress(0, 0, f"正在读取工作表“{name}”…")
            part = loaded.get(name)
            if part is None:
                s = workbook.load(name, cancel=cancel)
                part = loaded[name] = SheetPart(s, _detect(s) if s.height else None)
            return part

        if sheet is not None:
            names = [sheet] if isinstance(sheet, str) else list(sheet)
            parts = [load(n) for n in names]
            for part in parts:
                if part.sheet.height == 0:
                    raise RosterFileError("工作表是空的，没有任何数据。", path=workbook.path,
                                          sheet=part.name)  # fmt: skip
                if part.header is None and require_header:
                    raise cls._no_header(workbook, part.sheet)
            return cls(workbook, parts, loaded)
        first_with_data: SheetPart | None = None
        lead: SheetPart | None = None
        for info in workbook.sheets:
            if not info.visible and (lead is not None or first_with_data is not None):
                continue
            part = load(info.name)
            if part.sheet.height == 0:
                continue
            first_with_data = first_with_data or part
            if part.header is not None and lead is None:
                lead = part
        if lead is None:
            if first_with_data is None:
                raise RosterFileError("工作簿中没有任何数据（所有工作表都是空的）。",
                                      path=workbook.path)  # fmt: skip
            if require_header:
                raise cls._no_header(workbook, first_with_data.sheet)
            return cls(workbook, [first_with_data], loaded)
        parts = [lead] + [
            p for p in loaded.values()
            if p is not lead and p.header is not None
            and p.header.layout_key == lead.header.layout_key
        ]  # fmt: skip
        return cls(workbook, parts, loaded)

    @staticmethod
    def _no_header(workbook: Workbook, sheet: Sheet) -> RosterFileError:
        return RosterFileError(
            f"在前{HEADER_SCAN_ROWS}行中没有找到名录的表头。表头至少应有“统一社会信用代码”或“企业名称”，"
            "以及另外一列（如法定代表人、联系电话、所属街道）。请检查是否选对了工作表，"
            "或下载导入模板对照填写。",
            path=workbook.path,
            sheet=sheet.name,
        )

    # ------------------------------------------------------------ the user's choices

    def choose_header(self, rows: tuple[int, ...] | int) -> Header:
        """Make ``rows`` (one sheet row number, or two consecutive ones) the header of the
        leading sheet; the other sheets of the import move their header by as many rows from
        where it was found (a title one sheet has and another has not stays accounted for).
        Raises RosterFileError when those rows hold no column titles."""
        rows = (rows,) if isinstance(rows, int) else tuple(rows)
        lead = self.parts[0].found
        shift = rows[-1] - lead.rows[-1] if lead is not None else 0
        for k, part in enumerate(self.parts):
            own = rows
            if k and part.found is not None:
                last = part.found.rows[-1] + shift
                own = (last - 1, last) if len(rows) == 2 else (last,)
            header = _detect(part.sheet, own)
            if header is None or not header.texts:
                where = "、".join(f"第{r}行" for r in own)
                raise RosterFileError(f"{where}是空的，不能作为表头。请选择写有列名的行。",
                                      path=self.path, sheet=part.name)  # fmt: skip
            part.header = header
        return self.header

    def choose_sheets(self, names: list[str]) -> None:
        """Import these sheets (loaded on demand; each keeps its own header)."""
        if not names:
            raise RosterFileError("请至少选择一个工作表。", path=self.path)
        parts = []
        for name in names:
            part = self.loaded.get(name)
            if part is None:
                s = self.workbook.load(name)
                part = self.loaded[name] = SheetPart(s, _detect(s) if s.height else None)
            if part.header is None:
                raise RosterFileError("该工作表中没有找到名录的表头，不能导入。", path=self.path,
                                      sheet=name)  # fmt: skip
            parts.append(part)
        self.parts = parts

    def candidate_header_rows(self) -> list[tuple[int, str]]:
        """The first rows of the leading sheet, as (row number, text): for choosing the header."""
        out = []
        sheet = self.sheet
        for i, row in enumerate(sheet.head(HEADER_SCAN_ROWS)):
            texts = [str(v).strip() for v in row if v not in ("", None) and str(v).strip()]
            if texts:
                out.append((sheet.start_row + i + 1, "　".join(texts)))
        return out

    # ------------------------------------------------------------ rows

    def release(self) -> None:
        """Free the workbook (its reader child; the headers stay); rows cannot be read again."""
        self.workbook.close()

    @property
    def released(self) -> bool:
        return self.workbook.closed

    def close(self) -> None:
        self.release()

    def __enter__(self) -> RosterSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def data_start(self) -> int:
        """Sheet row number of the first data row of the leading sheet."""
        return self.parts[0].data_start

    def data_rows(self) -> Iterator[tuple[int, list]]:
        """(sheet row number, cells from column ``sheet.start_col``) below the header.

        Only for a single-sheet import: the row numbers of several sheets would mix.
        """
        if self.multi:
            return
        part = self.parts[0]
        skip = part.data_start - part.sheet.start_row - 1
        yield from enumerate(part.sheet.iter_rows(skip), start=part.data_start)

    def preview_rows(self, count: int = 8) -> list[tuple[int, list]]:
        part = self.parts[0]
        skip = part.data_start - part.sheet.start_row - 1
        rows = part.sheet.iter_rows(skip, count)
        return list(enumerate(rows, start=part.data_start))
