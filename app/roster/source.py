"""A roster sheet opened for import: the workbook, the chosen sheet loaded, its header found."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from app.roster.errors import RosterFileError
from app.roster.mapping import HEADER_SCAN_ROWS, Header, detect_header
from app.roster.reader import Sheet, SheetInfo, Workbook

Progress = Callable[[int, int, str], None]


class RosterSource:
    """Open with :meth:`open`; keep it while the user reviews the mapping; :meth:`close` after."""

    def __init__(self, workbook: Workbook, sheet: Sheet, header: Header | None):
        self.workbook = workbook
        self.sheet = sheet
        self.header = header

    @property
    def path(self) -> Path:
        return self.workbook.path

    @property
    def sheets(self) -> list[SheetInfo]:
        return self.workbook.sheets

    @property
    def sheet_name(self) -> str:
        return self.sheet.name

    @classmethod
    def open(
        cls,
        path: str | Path,
        sheet: str | None = None,
        *,
        require_header: bool = True,
        progress: Progress | None = None,
    ) -> RosterSource:
        """Open ``path`` and load ``sheet`` (default: the first sheet with a roster header)."""
        if progress:
            progress(0, 0, "正在打开文件…")
        workbook = Workbook(path)
        try:
            if sheet is not None:
                loaded = workbook.load(sheet)
                if loaded.height == 0:
                    raise RosterFileError(
                        "工作表是空的，没有任何数据。", path=workbook.path, sheet=sheet
                    )
                header = cls._header(loaded)
                if header is None and require_header:
                    raise cls._no_header(workbook, loaded)
                return cls(workbook, loaded, header)
            first_with_data: Sheet | None = None
            for info in workbook.sheets:
                if not info.visible and first_with_data is not None:
                    continue
                if progress:
                    progress(0, 0, f"正在读取工作表“{info.name}”…")
                loaded = workbook.load(info.name)
                if loaded.height == 0:
                    continue
                header = cls._header(loaded)
                if header is not None:
                    return cls(workbook, loaded, header)
                first_with_data = first_with_data or loaded
            if first_with_data is None:
                raise RosterFileError(
                    "工作簿中没有任何数据（所有工作表都是空的）。", path=workbook.path
                )
            if require_header:
                raise cls._no_header(workbook, first_with_data)
            return cls(workbook, first_with_data, None)
        except BaseException:
            workbook.close()
            raise

    @staticmethod
    def _header(sheet: Sheet) -> Header | None:
        return detect_header(sheet.head(HEADER_SCAN_ROWS), sheet.start_row, sheet.start_col,
                             sheet.merged)  # fmt: skip

    @staticmethod
    def _no_header(workbook: Workbook, sheet: Sheet) -> RosterFileError:
        return RosterFileError(
            f"在前{HEADER_SCAN_ROWS}行中没有找到名录的表头。表头至少应有“统一社会信用代码”或“企业名称”，"
            "以及另外一列（如法定代表人、联系电话、所属街道）。请检查是否选对了工作表，"
            "或下载导入模板对照填写。",
            path=workbook.path,
            sheet=sheet.name,
        )

    def release(self) -> None:
        """Free the loaded sheet and the workbook (the header stays); rows cannot be read again."""
        self.sheet._sheet = None
        self.workbook.close()

    @property
    def released(self) -> bool:
        return self.sheet._sheet is None and self.sheet.height > 0

    def close(self) -> None:
        self.release()

    def __enter__(self) -> RosterSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def data_start(self) -> int:
        """Sheet row number of the first data row (below the header)."""
        first_in_sheet = self.sheet.start_row + 1
        return max(self.header.data_start, first_in_sheet) if self.header else first_in_sheet

    def data_rows(self) -> Iterator[tuple[int, list]]:
        """(sheet row number, cells from column ``sheet.start_col``) below the header."""
        first = self.header.data_start if self.header else 1
        number = self.sheet.start_row
        for cells in self.sheet.iter_rows():
            number += 1
            if number >= first:
                yield number, cells

    def preview_rows(self, count: int = 8) -> list[tuple[int, list]]:
        out = []
        for item in self.data_rows():
            out.append(item)
            if len(out) >= count:
                break
        return out
