"""Errors of the roster import: each says in Chinese what is wrong and where."""

from __future__ import annotations

from pathlib import Path

from app.store.errors import StoreError


class RosterFileError(StoreError):
    """A file that cannot be read as a roster. Nothing was written."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ):
        self.path = Path(path) if path else None
        self.sheet = sheet
        self.row = row
        self.field = field
        where = []
        if self.path is not None:
            where.append(f"文件“{self.path.name}”")
        if sheet:
            where.append(f"工作表“{sheet}”")
        if row:
            where.append(f"第{row}行")
        if field:
            where.append(f"“{field}”列")
        prefix = "".join(where)
        super().__init__(f"{prefix}：{message}" if prefix else message)
        self.detail = message


class MappingError(RosterFileError):
    """The columns needed for an import are not mapped."""
