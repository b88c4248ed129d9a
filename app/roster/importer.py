"""The roster import: read and validate, compare with the store, write in one transaction.

    with RosterSource.open(path) as source:          # reads the sheet, finds the header
        plan = analyse(store, source)                 # normalised rows, invalid rows, preview
        result = apply(store, plan, accept=True)      # one transaction with audit and outbox

Upserts are keyed by the unified social credit code (an enterprise entered by hand without a
code is matched by its exact name). A blank cell never clears a stored value. An update never
silently overwrites a field edited locally after the last import (``Enterprise.local_edits``),
nor any value of an enterprise entered by hand and never imported: such fields are conflicts,
applied only when accepted. The comparison runs again inside the write transaction, so what is
written matches the store at that moment even if someone changed it after the preview.

Speed: rows are tuples, the store is read once into dictionaries, and the writes are Core
``executemany`` statements in batches (progress and cancel between batches); no ORM objects.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import operator
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.domain.enums import ChangeOp, EnterpriseSize
from app.roster.errors import MappingError, RosterFileError
from app.roster.fields import FIELD_BY_KEY, FIELD_KEYS, header_key
from app.roster.initials import name_initials
from app.roster.mapping import Header, clean_mapping, load_remembered, remember_mapping
from app.roster.normalize import CACHED_KINDS, SLOT, Overridable, display, parse_column
from app.roster.reading import describe
from app.roster.source import RosterSource
from app.spreadsheet.client import ReaderCancelled
from app.store import changes
from app.store.bulk import BackgroundWriter, BulkAudit, RawTable, new_ids, outbox_statements
from app.store.errors import PermissionDenied
from app.store.models import ROSTER_FIELDS, Enterprise, utcnow
from app.store.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
BATCH = 5_000
CODE = SLOT["credit_code"]
NAME = SLOT["name"]
_FOOTER_WORDS = ("合计", "总计", "小计", "共计", "填表人", "制表人", "填报人", "审核人", "负责人：",
                 "填表日期", "制表日期", "备注", "说明", "注：", "注:")  # fmt: skip
_NAME_HEADERS = {header_key(a) for a in (FIELD_BY_KEY["name"].label, *FIELD_BY_KEY["name"].aliases)}


#: rows whose name starts with this are the template's example and are not imported
EXAMPLE_PREFIX = "（示例）"


class ImportCancelled(Exception):
    """The user cancelled; the transaction was rolled back and nothing was written."""


@contextlib.contextmanager
def _bulk_mode():
    """No cyclic garbage collection while millions of short-lived tuples are made (a full
    collection walks every tracked object: it made row handling several times slower)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: page cache of the import's write transaction, in KiB (the store's default is 32 MB); random
#: keys (credit codes, names) touch index pages all over, and spilling them costs most
IMPORT_CACHE_KIB = 48 * 1024


def _trim_heap() -> None:
    """Give memory freed by the workbook back to the system (glibc keeps it otherwise)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _is_cancelled(cancel) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return cancel.is_set()
    if callable(cancel):
        return bool(cancel())
    return bool(cancel)


def _check_cancel(cancel) -> None:
    if _is_cancelled(cancel):
        raise ImportCancelled()


# ---------------------------------------------------------------- results


@dataclass
class InvalidRow:
    row: int
    reasons: list[str]
    #: the mapped cells as read: field -> value
    cells: dict
    #: the sheet, when the import reads several
    sheet: str | None = None

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)

    @property
    def where(self) -> str:
        """工作表“一社区”第12行 (or 第12行 when the import reads one sheet)."""
        return f"工作表“{self.sheet}”第{self.row}行" if self.sheet else f"第{self.row}行"


@dataclass
class ConflictItem:
    row: int
    enterprise_id: str
    credit_code: str | None
    name: str
    field: str
    local_value: object
    import_value: object
    edited_at: str | None

    @property
    def label(self) -> str:
        return FIELD_BY_KEY[self.field].label

    @property
    def key(self) -> tuple[str, str]:
        return (self.enterprise_id, self.field)


@dataclass
class _Update:
    index: int
    enterprise_id: str
    version: int
    existing: dict
    changes: dict[str, tuple[object, object]]
    conflicts: list[ConflictItem]
    accepted_codes: frozenset[str] | set[str] = frozenset()


@dataclass
class Diff:
    new: list[int] = field(default_factory=list)
    updates: list[_Update] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[ConflictItem] = field(default_factory=list)
    #: rows that are valid on their own but not against the store
    invalid: list[InvalidRow] = field(default_factory=list)
    #: codes a station head accepted (check character fails) that this import writes
    accepted_codes: set[str] = field(default_factory=set)

    @property
    def changed(self) -> int:
        return sum(1 for u in self.updates if u.changes)


@dataclass
class ImportOptions:
    #: a station head accepts credit codes whose only fault is the check character
    accept_check_digit: bool = False


@dataclass
class ImportPlan:
    path: Path
    sheet: str
    header: Header
    mapped: tuple[str, ...]
    rows: list[tuple[int, tuple]]
    invalid: list[InvalidRow]
    duplicates: list[tuple[int, int]]
    skipped: int
    #: row index -> message, for codes whose only fault is the check character
    overridable: dict[int, str]
    options: ImportOptions
    preview: Diff | None = None
    #: the sheets read, in order; with several, ``sheet_of`` gives each row's sheet (index)
    sheets: list[str] = field(default_factory=list)
    sheet_of: list[int] | None = None
    #: rows read and left out: kind (importer.SKIP_KINDS) -> [(sheet, row number)]
    skipped_rows: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: the station's street, given to rows when the file has no street column
    default_street: str | None = None
    #: how the file was read, for the preview (app.roster.reading.Reading)
    reading: object = None

    def sheet_of_row(self, index: int) -> str | None:
        return self.sheets[self.sheet_of[index]] if self.sheet_of is not None else None

    @property
    def all_invalid(self) -> list[InvalidRow]:
        extra = self.preview.invalid if self.preview else []
        order = {name: i for i, name in enumerate(self.sheets)}
        return sorted([*self.invalid, *extra], key=lambda r: (order.get(r.sheet, 0), r.row))

    def counts(self) -> dict[str, int]:
        p = self.preview or Diff()
        return {
            "new": len(p.new),
            "updated": p.changed,
            "unchanged": p.unchanged,
            "invalid": len(self.invalid) + len(p.invalid),
            "conflicts": len(p.conflicts),
            "duplicates": len(self.duplicates),
        }


@dataclass
class ImportResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    duplicates: int = 0
    conflicts: int = 0
    conflicts_accepted: int = 0
    conflicts_skipped: int = 0
    written: bool = False

    def summary(self) -> str:
        text = (
            f"新增 {self.new}，更新 {self.updated}，未变 {self.unchanged}，"
            f"无效 {self.invalid}，冲突 {self.conflicts}"
        )
        if self.conflicts:
            text += f"（采用导入值 {self.conflicts_accepted}，保留本地值 {self.conflicts_skipped}）"
        if self.duplicates:
            text += f"，文件内重复 {self.duplicates}"
        return text


# ---------------------------------------------------------------- reading and validating rows

#: kinds of rows that are read and left out, as the preview names them
SKIP_KINDS = {
    "blank": "空行",
    "header": "重复的表头",
    "title": "重复的标题或表外说明",
    "total": "合计/小计行",
    "notes": "填表说明",
    "example": "模板示例行",
}
_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "累计")
_NOTES_WORDS = ("填表说明", "说明", "备注", "注：", "注:", "注意", "填表人", "制表人", "填报人",
                "审核人", "负责人：", "负责人:", "填表日期", "制表日期", "填报日期", "填报单位",
                "联系人：", "联系人:")  # fmt: skip


@dataclass
class RowsRead:
    """What :func:`read_rows` found: the valid rows and everything it left out, by row."""

    rows: list[tuple[int, tuple]]
    invalid: list[InvalidRow]
    duplicates: list[tuple[int, int]]
    skipped: int
    overridable: dict[int, str]
    #: index in ``sheets`` of each row of ``rows`` (only when several sheets are imported)
    sheet_of: list[int] | None = None
    #: kind (SKIP_KINDS) -> [(sheet, row number)]
    skipped_rows: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def __iter__(self):  # the five values callers unpack
        return iter((self.rows, self.invalid, self.duplicates, self.skipped, self.overridable))


def _fill_merged(merged, col: int, first: int, column: list, offset: int, count: int) -> None:
    """Give the cells of a vertically merged block in ``column`` the value of its first cell.

    ``column[offset:offset + count]`` holds the sheet rows from row number ``first`` on.
    """
    for (r1, c1), (r2, _c2) in merged:
        if c1 != col or r2 <= r1:
            continue
        anchor = r1 + 1 - first
        if not 0 <= anchor < count:
            continue
        value = column[offset + anchor]
        for i in range(max(r1 + 2 - first, 0), min(r2 + 2 - first, count)):
            if column[offset + i] in ("", None):
                column[offset + i] = value


def _header_words(header: Header, keys: list[str]) -> list[set[str]]:
    """For each field, the header texts (as keys) that say that field's name in this sheet."""
    by_field = {k: c for c, k in header.mapping.items()}
    out = []
    for key in keys:
        col = by_field.get(key)
        words = set()
        if col is not None:
            words.add(header_key(header.texts.get(col, "")))
            for texts in header.row_texts:
                words.add(header_key(texts.get(col, "")))
        words.discard("")
        out.append(words)
    return out


def read_rows(
    source: RosterSource,
    mapping: dict[int, str],
    *,
    progress: Progress | None = None,
    cancel=None,
    release: bool = False,
    default_street: str | None = None,
) -> RowsRead:
    """Normalise and validate each data row of every sheet of the import.

    Works a column at a time (see :func:`normalize.parse_column`); only mapped cells (and the
    first column, where footers such as 合计 usually start) come from the reader child. The
    mapping is the leading sheet's; the other sheets, of the same layout, map their own
    columns to the same fields. ``default_street``: the street of rows without one, when the
    file has no street column.
    """
    keys = [key for _col, key in sorted(mapping.items())]
    multi = len(source.parts) > 1
    all_columns: list[list] = [[] for _ in range(len(keys) + 1)]
    numbers: list[int] = []
    sheet_index: list[int] = []
    segments = []  # (part, offset, count, positions)
    total = sum(p.sheet.height for p in source.parts)
    done = 0
    # Columns with few distinct values (streets, yes/no, sizes) share one object per value.
    for k, part in enumerate(source.parts):
        header = part.header
        same = k == 0 or header.layout_key == source.parts[0].header.layout_key
        cols = dict(mapping) if same else {c: f for c, f in header.mapping.items() if f in keys}
        by_field = {f: c for c, f in cols.items()}
        start_col = part.sheet.start_col
        positions = [by_field.get(key) for key in keys]
        wanted = [p - start_col for p in positions if p is not None] + [0]
        skip = part.data_start - part.sheet.start_row - 1
        offset = len(numbers)
        count = 0
        try:
            for n, chunk in part.sheet.iter_columns(wanted, skip, cancel=cancel):
                it = iter(chunk)
                for j, p in enumerate(positions):
                    all_columns[j].extend(next(it) if p is not None else [""] * n)
                all_columns[-1].extend(next(it))
                count += n
                done += n
                if progress:
                    progress(done, total, "正在读取数据…")
                _check_cancel(cancel)
        except ReaderCancelled:
            raise ImportCancelled() from None
        numbers.extend(range(part.data_start, part.data_start + count))
        if multi:
            sheet_index.extend([k] * count)
        segments.append((part, offset, count, positions))
    if progress:
        progress(0, 0, "正在检查数据…")
    if release:
        source.release()  # the rows are read: free the reader child before parsing
    _check_cancel(cancel)
    columns, lead_column = all_columns[:-1], all_columns[-1]
    for part, offset, count, positions in segments:
        for j, p in enumerate(positions):
            if p is not None:
                _fill_merged(part.sheet.merged, p, part.data_start, columns[j], offset, count)

    def raw_of(i: int) -> tuple:
        return kept_raw[i]

    parsed: dict[str, list] = {}
    errors: dict[int, list[str]] = {}
    overridable: dict[int, str] = {}
    for key, column in zip(keys, columns, strict=True):
        _check_cancel(cancel)
        if FIELD_BY_KEY[key].kind in CACHED_KINDS or key == "industry":
            shared: dict = {}
            column[:] = [shared.setdefault(v, v) for v in column]
        values, bad = parse_column(key, column)
        parsed[key] = values
        label = FIELD_BY_KEY[key].label
        for i, exc in bad.items():
            message = f"{label}：{str(exc).removeprefix(label)}"
            if isinstance(exc, Overridable):
                overridable[i] = message
            else:
                errors.setdefault(i, []).append(message)
    n_rows = len(numbers)
    none = [None] * n_rows
    if default_street and "street_code" not in parsed:
        parsed["street_code"] = [default_street] * n_rows
    codes, names = parsed.get("credit_code", none), parsed.get("name", none)
    # Keep the cells as read only for the rows that need them (problems, blanks, footers): the
    # rest of the raw cells (hundreds of thousands of small strings) are freed here.
    kept_raw = {
        i: tuple(col[i] for col in columns)
        for i in range(n_rows)
        if codes[i] is None or names[i] is None or i in errors
    }
    duplicate_codes: dict[str, int] = {}
    for c in codes:
        if c is not None:
            duplicate_codes[c] = duplicate_codes.get(c, 0) + 1
    for i, c in enumerate(codes):
        if c is not None and duplicate_codes[c] > 1:
            kept_raw[i] = tuple(col[i] for col in columns)
    del columns, all_columns, duplicate_codes
    slots = [parsed.get(key, none) for key in FIELD_KEYS]
    all_values = list(zip(*slots, strict=True)) if n_rows else []
    del slots, parsed
    name_pos = keys.index("name") if "name" in keys else None
    code_pos = keys.index("credit_code") if "credit_code" in keys else None
    names_of = [p.name for p in source.parts]
    header_words = [_header_words(p.header, keys) for p in source.parts]
    outside = [
        {header_key(t) for _r, t in (*p.header.title_rows, *p.header.note_rows)} for p in source.parts
    ]
    rows: list[tuple[int, tuple]] = []
    row_sheets: list[int] = []
    invalid: list[InvalidRow] = []
    duplicates: list[tuple[int, int]] = []
    plan_overridable: dict[int, str] = {}
    first_row_of: dict[str, tuple[int, int]] = {}  # code -> (row number, index in rows)
    skipped_rows: dict[str, list[tuple[str, int]]] = {}
    in_notes = [False] * len(source.parts)

    def skip(kind: str, k: int, number: int) -> None:
        skipped_rows.setdefault(kind, []).append((names_of[k], number))

    def where(k: int, number: int) -> str:
        return f"工作表“{names_of[k]}”第{number}行" if multi else f"第{number}行"

    for i, number in enumerate(numbers):
        k = sheet_index[i] if multi else 0
        code = codes[i]
        if code is not None and names[i] is not None and i not in errors:
            in_notes[k] = False
            if names[i].startswith(EXAMPLE_PREFIX):  # the template's example row
                skip("example", k, number)
                continue
            seen = first_row_of.get(code)
            if seen is None:
                first_row_of[code] = (number, len(rows))
                if i in overridable:
                    plan_overridable[len(rows)] = overridable[i]
                rows.append((number, all_values[i]))
                if multi:
                    row_sheets.append(k)
                continue
            raw = raw_of(i)
            first, index = seen
            if rows[index][1] == all_values[i]:
                duplicates.append((number, first))
            else:
                other = where(row_sheets[index] if multi else 0, first)
                message = f"统一社会信用代码：与{other}相同，但其他内容不同，请核对后只保留一行"
                invalid.append(InvalidRow(number, [message], dict(zip(keys, raw, strict=True)),
                                          names_of[k] if multi else None))  # fmt: skip
            continue
        raw = raw_of(i)
        lead_cell = lead_column[i]
        filled = [v for v in (lead_cell, *raw) if v != "" and v is not None]
        if not filled:
            skip("blank", k, number)
            continue
        texts = [header_key(v) for v in raw]
        said = sum(1 for j, t in enumerate(texts) if t and t in header_words[k][j])
        if said >= 2 or (said and said == sum(1 for t in texts if t)):
            skip("header", k, number)  # the header again (printed on every page)
            continue
        lead = next((str(v).strip() for v in filled), "")
        if len({header_key(v) for v in filled}) == 1 and header_key(lead) in outside[k]:
            skip("title", k, number)
            continue
        if lead.startswith(_TOTAL_WORDS) or any(str(v).strip().startswith(_TOTAL_WORDS)
                                                for v in filled[:2]):  # fmt: skip
            skip("total", k, number)
            continue
        if lead.startswith(_NOTES_WORDS) or (in_notes[k] and code is None and len(filled) <= 2):
            in_notes[k] = True
            skip("notes", k, number)
            continue
        reasons = errors.get(i)
        name_cell = raw[name_pos] if name_pos is not None else ""
        if header_key(name_cell) in _NAME_HEADERS:
            skip("header", k, number)
            continue
        others = [v for j, v in enumerate(raw) if j != code_pos]
        if code is None and not reasons and all(v == "" or v is None for v in others):
            skip("blank", k, number)
            continue
        if code is None and not (
            reasons and any(r.startswith("统一社会信用代码") for r in reasons)
        ):
            reasons = [*(reasons or []), "统一社会信用代码：不能为空"]
        if names[i] is None and not (reasons and any(r.startswith("企业名称") for r in reasons)):
            reasons = [*(reasons or []), "企业名称：不能为空"]
        invalid.append(InvalidRow(number, reasons or [], dict(zip(keys, raw, strict=True)),
                                  names_of[k] if multi else None))  # fmt: skip
    skipped = sum(len(v) for v in skipped_rows.values())
    return RowsRead(rows, invalid, duplicates, skipped, plan_overridable,
                    row_sheets if multi else None, skipped_rows)  # fmt: skip


# ---------------------------------------------------------------- comparing with the store

_EXISTING_COLUMNS = ("id", "version", "credit_code", "credit_code_accepted", "source",
                     "last_import_at", "local_edits", "updated_at", *ROSTER_FIELDS)  # fmt: skip
_FIRST_FIELD = _EXISTING_COLUMNS.index(ROSTER_FIELDS[0])
assert ROSTER_FIELDS[0] == "name"  # the import reads names (and initials) from the first field
_BOOL_FIELDS = frozenset(k for k in ROSTER_FIELDS if FIELD_BY_KEY[k].kind == "bool")


def _fingerprint(session) -> tuple:
    """Changes when any enterprise is added, changed or deleted: every write adds a row or bumps
    a version (optimistic locking; synced records are never hard-deleted)."""
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        return tuple(cursor.execute(
            f"SELECT count(*), total(version), max(updated_at) FROM {Enterprise.__tablename__}"
        ).fetchone())  # fmt: skip
    finally:
        cursor.close()


class Preload:
    """The stored enterprises read in a thread while the file is read (SQLite releases the GIL
    while it steps); :func:`apply` uses them if the store has not changed since, else reads again
    inside its transaction."""

    def __init__(self, store: Store):
        self.store = store
        self.result: tuple | None = None
        self._thread = threading.Thread(target=self._run, name="roster-preload", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with contextlib.suppress(Exception), self.store.read() as s:  # only a head start
            self.result = (_fingerprint(s), _load_existing(s))

    def take(self, session) -> tuple[dict, dict] | None:
        """The records read ahead when they are still those of ``session``'s store, else None."""
        self._thread.join()
        result, self.result = self.result, None
        if result is None or result[0] != _fingerprint(session):
            return None
        return result[1]


def _load_existing(session) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """Live enterprises as stored (raw tuples), by credit code and, without a code, by name."""
    table = Enterprise.__table__
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.execute(f"SELECT {', '.join(_EXISTING_COLUMNS)} FROM {table.name} WHERE deleted = 0")
        records = cursor.fetchall()
    finally:
        cursor.close()
    by_code: dict[str, tuple] = {}
    by_name: dict[str, tuple] = {}
    for record in records:
        if record[2]:
            by_code[record[2]] = record
        by_name.setdefault(record[_FIRST_FIELD], record)
    return by_code, by_name


def _existing_dict(session, record: tuple) -> dict:
    """A stored record with its values as the model gives them (bools, times, JSON)."""
    out = dict(zip(_EXISTING_COLUMNS, record, strict=True))
    dialect = session.get_bind().dialect
    table = Enterprise.__table__
    for key in ("last_import_at", "updated_at", "local_edits"):
        proc = table.c[key].type._cached_result_processor(dialect, None)
        if proc is not None:
            out[key] = proc(out[key])
    for key in (*_BOOL_FIELDS, "credit_code_accepted"):
        if out[key] is not None:
            out[key] = bool(out[key])
    return out


def compute_diff(session, plan: ImportPlan, *, allow_accept: bool, existing=None) -> Diff:
    by_code, by_name = existing or _load_existing(session)
    diff = Diff()
    compare = [k for k in plan.mapped if k != "credit_code"]
    pick_new = operator.itemgetter(*[SLOT[k] for k in compare], CODE)
    pick_old = operator.itemgetter(*[_EXISTING_COLUMNS.index(k) for k in compare], 2)
    claimed: set[str] = set()
    for index, (number, values) in enumerate(plan.rows):
        code = values[CODE]
        record = by_code.get(code)
        if index in plan.overridable:
            already = record is not None and record[3]
            if already or (plan.options.accept_check_digit and allow_accept):
                diff.accepted_codes.add(code)
            else:
                hint = "" if allow_accept else "（只有站点管理员可以确认）"
                diff.invalid.append(InvalidRow(number, [plan.overridable[index] + hint], {},
                                               plan.sheet_of_row(index)))  # fmt: skip
                continue
        if record is not None and pick_new(values) == pick_old(record):
            diff.unchanged += 1
            continue
        name = values[NAME]
        if record is None:
            same_name = by_name.get(name)
            if same_name is not None and not same_name[2] and same_name[0] not in claimed:
                record = same_name
            elif same_name is not None and same_name[2]:
                diff.invalid.append(InvalidRow(number, [
                    f"企业名称：与已有企业同名，但已有企业的统一社会信用代码为{same_name[2]}，请核对"
                ], {}, plan.sheet_of_row(index)))  # fmt: skip
                continue
        if record is None:
            diff.new.append(index)
            continue
        existing = _existing_dict(session, record)
        claimed.add(existing["id"])
        protected = existing["local_edits"] or {}
        never_imported = existing["last_import_at"] is None
        found: dict[str, tuple[object, object]] = {}
        conflicts: list[ConflictItem] = []
        if not existing["credit_code"]:
            found["credit_code"] = (None, code)
        for key in compare:
            new = values[SLOT[key]]
            if new is None:
                continue
            old = existing[key]
            if old is not None and old == new:
                continue
            if old is not None and (key in protected or never_imported):
                conflicts.append(ConflictItem(number, existing["id"], existing["credit_code"],
                                              existing["name"], key, old, new,
                                              protected.get(key)))  # fmt: skip
            else:
                found[key] = (old, new)
        if found or conflicts:
            diff.updates.append(_Update(index, existing["id"], existing["version"], existing,
                                        found, conflicts, diff.accepted_codes))  # fmt: skip
            diff.conflicts.extend(conflicts)
        else:
            diff.unchanged += 1
    return diff


# ---------------------------------------------------------------- analyse (no writes)


def station_street(store: Store) -> str | None:
    """The station's own street (or park): rows of a roster without a street column get it."""
    try:
        return store.keys.station_code
    except AttributeError:
        return None


def analyse(
    store: Store,
    source: RosterSource,
    mapping: dict | None = None,
    options: ImportOptions | None = None,
    *,
    preview: bool = True,
    release: bool = False,
    progress: Progress | None = None,
    cancel=None,
) -> ImportPlan:
    """Read and check every row and (``preview``) compare with the store. Writes nothing."""
    if source.header is None:
        raise RosterFileError("没有找到表头，无法导入。", path=source.path, sheet=source.sheet_name)
    header = source.header
    if mapping is not None:
        header.mapping = clean_mapping(mapping)
    elif not header.remembered:
        load_remembered(store, header)
    missing = header.missing_required()
    if missing:
        raise MappingError(
            "没有对应到必需的列：" + "、".join(f"“{m}”" for m in missing) + "。请在列对应中指定。",
            path=source.path,
            sheet=source.sheet_name,
        )
    default_street = None if "street_code" in header.mapping.values() else station_street(store)
    with _bulk_mode():
        found = read_rows(source, header.mapping, progress=progress, cancel=cancel,
                          release=release, default_street=default_street)  # fmt: skip
    plan = ImportPlan(
        path=source.path,
        sheet=source.sheet_name,
        header=header,
        mapped=tuple(k for k in FIELD_KEYS if k in set(header.mapping.values())),
        rows=found.rows,
        invalid=found.invalid,
        duplicates=found.duplicates,
        skipped=found.skipped,
        overridable=found.overridable,
        options=options or ImportOptions(),
        sheets=source.sheet_names,
        sheet_of=found.sheet_of,
        skipped_rows=found.skipped_rows,
        default_street=default_street,
    )
    plan.reading = describe(source, plan)
    _check_cancel(cancel)
    if preview:
        if progress:
            progress(0, 0, "正在与已有企业比对…")
        with store.read() as s:
            plan.preview = compute_diff(s, plan, allow_accept=store.user.is_admin)
    return plan


# ---------------------------------------------------------------- apply (one transaction)


def _plain(value):
    return value.value if hasattr(value, "value") else value


_INSERT_COLUMNS = ("id", "station_code", "created_at", "created_by", "updated_at", "updated_by",
                   "version", "deleted", "credit_code", "credit_code_accepted", "name_initials",
                   *ROSTER_FIELDS, "risk_level", "source", "last_import_at", "local_edits")  # fmt: skip
_UPDATE_COLUMNS = ("id", "credit_code", "credit_code_accepted", "name_initials", *ROSTER_FIELDS,
                   "version", "updated_at", "updated_by", "last_import_at", "local_edits")  # fmt: skip
_CONSTANT_COLUMNS = ("station_code", "created_at", "created_by", "updated_at", "updated_by",
                     "version", "deleted", "risk_level", "source", "last_import_at", "local_edits",
                     "credit_code_accepted", "size_class", *_BOOL_FIELDS)  # fmt: skip


@dataclass
class _UpdateOutcome:
    row: tuple | None
    audit: dict
    accepted: int
    skipped: int


def _update_row(plan, item: _Update, mapped, accepted_all, accepted, now, stamp) -> _UpdateOutcome:
    """The UPDATE row for one enterprise after the conflict rule (None: nothing to write)."""
    existing = item.existing
    written = dict(item.changes)
    edits = dict(existing["local_edits"] or {})
    edited_at = existing["updated_at"].isoformat()
    n_accepted = n_skipped = 0
    for conflict in item.conflicts:
        if accepted_all or conflict.key in accepted:
            written[conflict.field] = (conflict.local_value, conflict.import_value)
            edits.pop(conflict.field, None)
            n_accepted += 1
        else:
            edits.setdefault(conflict.field, conflict.edited_at or edited_at)
            n_skipped += 1
    for key in written:
        edits.pop(key, None)
    if existing["last_import_at"] is None:
        # a record entered by hand: its values not confirmed by this import stay local
        values = plan.rows[item.index][1]
        for key in ROSTER_FIELDS:
            new = values[SLOT[key]] if key in mapped else None
            confirmed = new is not None and existing[key] == new
            if existing[key] is not None and key not in written and not confirmed:
                edits.setdefault(key, edited_at)
    if not written and edits == (existing["local_edits"] or {}) and existing["last_import_at"]:
        return _UpdateOutcome(None, {}, n_accepted, n_skipped)
    final = {k: existing[k] for k in ROSTER_FIELDS}
    final["credit_code"] = existing["credit_code"]
    for key, (_old, new) in written.items():
        final[key] = new
    code = final["credit_code"]
    row = (
        item.enterprise_id,
        code,
        bool(existing["credit_code_accepted"]) or code in item.accepted_codes,
        name_initials(final["name"]),
        *(_plain(final[k]) for k in ROSTER_FIELDS),
        item.version + 1,
        now,
        stamp["updated_by"],
        now,
        edits or None,
    )
    audit = {k: ("changed" if k in changes.PERSONAL_FIELDS else [_plain(old), _plain(new)])
             for k, (old, new) in written.items()}  # fmt: skip
    return _UpdateOutcome(row, audit, n_accepted, n_skipped)


def apply(
    store: Store,
    plan: ImportPlan,
    *,
    accept: bool | set[tuple[str, str]] = False,
    progress: Progress | None = None,
    cancel=None,
    preload: Preload | None = None,
) -> ImportResult:
    """Write the plan in one transaction. ``accept``: True for every conflict, or the set of
    ``(enterprise_id, field)`` whose imported value replaces the local one. ``preload``: the
    stored enterprises read ahead (used only if the store is unchanged since)."""
    if plan.options.accept_check_digit and plan.overridable and not store.user.is_admin:
        raise PermissionDenied("只有站点管理员可以确认校验位不符的统一社会信用代码")
    result = ImportResult(invalid=len(plan.invalid), duplicates=len(plan.duplicates))
    entity = Enterprise.entity_name()
    with _bulk_mode(), store.unit_of_work() as s:
        connection = s.connection()
        default_cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        try:
            existing = preload.take(s) if preload is not None else None
            _apply_in(s, plan, result, entity, accept, progress, cancel, store.user.is_admin,
                      existing)  # fmt: skip
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(default_cache)}")
    result.written = True
    log.info("roster import: %d new, %d updated, %d unchanged, %d invalid, %d conflicts",
             result.new, result.updated, result.unchanged, result.invalid, result.conflicts)  # fmt: skip
    return result


def _apply_in(s, plan, result, entity, accept, progress, cancel, is_admin, existing) -> None:
    _check_cancel(cancel)
    if progress:
        progress(0, 0, "正在与已有企业比对…")
    diff = compute_diff(s, plan, allow_accept=is_admin, existing=existing)
    result.invalid += len(diff.invalid)
    result.unchanged = diff.unchanged
    result.conflicts = len(diff.conflicts)
    now = utcnow()
    stamp = changes.stamp_new(s, now)
    total = len(diff.new) + len(diff.updates)
    done = 0
    mapped = set(plan.mapped)
    writer = BackgroundWriter(s)
    audit = BulkAudit(entity, "import", insert_summary="名录导入新增", update_summary="名录导入更新")
    try:
        # --- new enterprises (ids sorted: the indexes on id then grow at one end)
        # Rows are made column by column (C loops); the values every row shares are literals
        # of the statement, so a row binds only its own values.
        inserter = RawTable(s, Enterprise.__table__,
                            ("id", "credit_code", "credit_code_accepted", "name_initials",
                             *ROSTER_FIELDS))  # fmt: skip
        insert_sql = inserter.insert_sql_with({
            "station_code": stamp["station_code"], "created_at": now,
            "created_by": stamp["created_by"], "updated_at": now,
            "updated_by": stamp["updated_by"], "version": 1, "deleted": False,
            "risk_level": "none", "source": "import", "last_import_at": now, "local_edits": None,
        })  # fmt: skip
        ids = sorted(new_ids(len(diff.new)))
        # in credit-code order, so that the unique code index also grows at one end
        diff.new.sort(key=lambda i: plan.rows[i][1][CODE])
        yes_no = inserter.value_map("credit_code_accepted", (None, True, False))
        # roster fields whose stored form differs from the Python value (yes/no, enums)
        converted = [
            (i, inserter.value_map(k, (None, True, False) if k in _BOOL_FIELDS else
                                   (None, *(m.value for m in EnterpriseSize))).__getitem__)
            for i, k in enumerate(ROSTER_FIELDS) if k in _BOOL_FIELDS or k == "size_class"
        ]  # fmt: skip
        field_slots = operator.itemgetter(*[SLOT[k] for k in ROSTER_FIELDS])
        accepted_codes = diff.accepted_codes
        all_rows = plan.rows
        for start in range(0, len(diff.new), BATCH):
            _check_cancel(cancel)
            chunk = diff.new[start : start + BATCH]
            values = [all_rows[index][1] for index in chunk]
            columns = list(zip(*map(field_slots, values), strict=True))
            for i, stored in converted:
                columns[i] = map(stored, columns[i])
            codes = [v[CODE] for v in values]
            if accepted_codes:
                accepted_column = [yes_no[c in accepted_codes] for c in codes]
            else:
                accepted_column = [yes_no[False]] * len(codes)
            initials = map(name_initials, columns[0])  # ROSTER_FIELDS[0] is the name
            chunk_ids = ids[start : start + len(chunk)]
            rows = list(zip(chunk_ids, codes, accepted_column, initials, *columns, strict=True))
            writer.put([
                (insert_sql, rows),
                *outbox_statements(s, entity, [(i, 1, ChangeOp.INSERT) for i in chunk_ids]),
            ])  # fmt: skip
            audit.inserted.extend(chunk_ids)
            done += len(chunk)
            if progress:
                progress(done, total, f"正在写入：新增 {done:,} 家")
        result.new = len(diff.new)
        # --- updates
        accepted_all = accept is True
        accepted = accept if isinstance(accept, set) else set()
        updater = RawTable(s, Enterprise.__table__, _UPDATE_COLUMNS)
        batch: list[tuple] = []
        records: list[tuple[str, int, ChangeOp]] = []
        updated = 0

        def flush() -> None:
            if batch:
                prepared = updater.for_update(updater.prepare(batch, cached=_CONSTANT_COLUMNS))
                writer.put([(updater.update_sql, prepared),
                            *outbox_statements(s, entity, list(records))])  # fmt: skip
                batch.clear()
                records.clear()

        for item in diff.updates:
            outcome = _update_row(plan, item, mapped, accepted_all, accepted, now, stamp)
            result.conflicts_accepted += outcome.accepted
            result.conflicts_skipped += outcome.skipped
            if outcome.row is None:
                result.unchanged += 1
                continue
            batch.append(outcome.row)
            records.append((item.enterprise_id, item.version + 1, ChangeOp.UPDATE))
            audit.updated[item.enterprise_id] = outcome.audit or None
            if outcome.audit:
                updated += 1
            else:
                result.unchanged += 1
            done += 1
            if len(batch) >= BATCH:
                _check_cancel(cancel)
                flush()
                if progress:
                    progress(done, total, f"正在写入：更新 {updated:,} 家")
        _check_cancel(cancel)
        flush()
        result.updated = updated
        writer.put([audit.statement(s, f"名录导入：新增 {result.new:,} 家，更新 {updated:,} 家",
                                    {"new": result.new, "updated": updated,
                                     "invalid": result.invalid, "conflicts": result.conflicts})])  # fmt: skip
    except BaseException:
        writer.abort()
        raise
    writer.finish()
    result.updated = updated
    remember_mapping(s, plan.header)
    _check_cancel(cancel)
    if progress:
        progress(total, total, "正在保存…")


def dry_run_result(plan: ImportPlan) -> ImportResult:
    counts = plan.counts()
    return ImportResult(
        new=counts["new"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        invalid=counts["invalid"],
        duplicates=counts["duplicates"],
        conflicts=counts["conflicts"],
    )


def import_file(
    store: Store,
    path: str | Path,
    *,
    sheet: str | None = None,
    mapping: dict | None = None,
    options: ImportOptions | None = None,
    dry_run: bool = False,
    accept: bool | set[tuple[str, str]] = False,
    progress: Progress | None = None,
    cancel=None,
) -> tuple[ImportPlan, ImportResult]:
    """Open, analyse and (unless ``dry_run``) apply: the command line's and the bench's path.
    The stored enterprises are read in a thread meanwhile (:class:`Preload`)."""
    preload = None if dry_run else Preload(store)
    with RosterSource.open(path, sheet, progress=progress) as source:
        plan = analyse(store, source, mapping, options, preview=dry_run, release=True,
                       progress=progress, cancel=cancel)  # fmt: skip
    if dry_run:
        return plan, dry_run_result(plan)
    return plan, apply(store, plan, accept=accept, progress=progress, cancel=cancel,
                       preload=preload)  # fmt: skip


def describe_value(key: str, value) -> str:
    """A field value as a user reads it (是/否, 小型, 鼓东街道 …)."""
    if value is None:
        return ""
    if key == "size_class":
        from app.domain.enums import EnterpriseSize

        return EnterpriseSize(value).label
    if key == "street_code":
        from app.domain import reference

        try:
            return reference.station(value).name
        except KeyError:
            return str(value)
    if value is True:
        return "是"
    if value is False:
        return "否"
    if hasattr(value, "label"):
        return value.label
    return display(value)
