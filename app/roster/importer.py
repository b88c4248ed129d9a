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

import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update

from app.domain.enums import ChangeOp
from app.roster.errors import MappingError, RosterFileError
from app.roster.fields import FIELD_BY_KEY, FIELD_KEYS, header_key
from app.roster.initials import name_initials, warm
from app.roster.mapping import Header, clean_mapping, load_remembered, remember_mapping
from app.roster.normalize import SLOT, Bad, Overridable, display, parser_for
from app.roster.source import RosterSource
from app.store import changes
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


class ImportCancelled(Exception):
    """The user cancelled; the transaction was rolled back and nothing was written."""


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
    #: the row's cells as read (from column ``source.sheet.start_col``)
    cells: list

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


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

    @property
    def all_invalid(self) -> list[InvalidRow]:
        extra = self.preview.invalid if self.preview else []
        return sorted([*self.invalid, *extra], key=lambda r: r.row)

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


def _merged_fill(source: RosterSource, mapped_cols: set[int]) -> dict[int, list[tuple[int, int, int]]]:
    """Row number -> [(column, anchor row number, anchor column)] for vertically merged data cells."""
    fill: dict[int, list[tuple[int, int, int]]] = {}
    first = source.header.data_start if source.header else 1
    for (r1, c1), (r2, _c2) in source.sheet.merged:
        if r2 <= r1 or c1 not in mapped_cols or r2 + 1 < first:
            continue
        for r in range(max(r1 + 2, first), r2 + 2):
            fill.setdefault(r, []).append((c1, r1 + 1, c1))
    return fill


def read_rows(
    source: RosterSource,
    mapping: dict[int, str],
    *,
    progress: Progress | None = None,
    cancel=None,
) -> tuple[list[tuple[int, tuple]], list[InvalidRow], list[tuple[int, int]], int, dict[int, str]]:
    """Normalise and validate each data row: (rows, invalid, duplicates, skipped, overridable)."""
    start_col = source.sheet.start_col
    columns = [(col - start_col, SLOT[key], parser_for(key), FIELD_BY_KEY[key].label)
               for col, key in sorted(mapping.items())]  # fmt: skip
    name_at = next((c for c, s, _p, _l in columns if s == NAME), None)
    fill = _merged_fill(source, set(mapping))
    anchors: dict[tuple[int, int], object] = {}
    anchor_cols: dict[int, set[int]] = {}
    for items in fill.values():
        for _col, r, c in items:
            anchor_cols.setdefault(r, set()).add(c)
    width = len(FIELD_KEYS)
    empty = ("", None)
    total = source.sheet.start_row + source.sheet.height
    rows: list[tuple[int, tuple]] = []
    invalid: list[InvalidRow] = []
    duplicates: list[tuple[int, int]] = []
    overridable: dict[int, str] = {}
    first_row_of: dict[str, int] = {}
    index_of: dict[str, int] = {}
    skipped = 0
    report_every = 5_000
    for number, cells in source.data_rows():
        if number % report_every == 0:
            _check_cancel(cancel)
            if progress:
                progress(number, total, "正在检查数据…")
        if anchor_cols:
            for c in anchor_cols.get(number, ()):
                if 0 <= c - start_col < len(cells):
                    anchors[(number, c)] = cells[c - start_col]
            if number in fill:
                cells = list(cells)
                for col, ar, ac in fill[number]:
                    j = col - start_col
                    if 0 <= j < len(cells) and cells[j] in empty:
                        cells[j] = anchors.get((ar, ac), "")
        n = len(cells)
        values = [None] * width
        reasons = None
        blank = True
        check_message = None
        for j, slot, parse, label in columns:
            if j >= n:
                continue
            raw = cells[j]
            if raw in empty:
                continue
            blank = False
            try:
                values[slot] = parse(raw)
            except Overridable as exc:
                values[slot] = exc.code
                check_message = f"{label}：{str(exc).removeprefix(label)}"
            except Bad as exc:
                if reasons is None:
                    reasons = []
                reasons.append(f"{label}：{exc}")
        if blank:
            skipped += 1
            continue
        code, name = values[CODE], values[NAME]
        lead = next((str(c).strip() for c in cells if c not in empty), "")
        if lead.startswith(_FOOTER_WORDS) or (
            code is None and name_at is not None and name_at < n
            and header_key(cells[name_at]) in _NAME_HEADERS
        ):  # fmt: skip
            skipped += 1
            continue
        if (
            code is None
            and reasons is None
            and check_message is None
            and all(cells[j] in empty for j, s, _p, _l in columns if s != CODE and j < n)
        ):
            skipped += 1
            continue
        if code is None and not (reasons and any(r.startswith("统一社会信用代码") for r in reasons)):
            reasons = [*(reasons or []), "统一社会信用代码：不能为空"]
        if name is None:
            reasons = [*(reasons or []), "企业名称：不能为空"]
        if reasons:
            invalid.append(InvalidRow(number, reasons, list(cells)))
            continue
        row = tuple(values)
        first = first_row_of.get(code)
        if first is not None:
            if rows[index_of[code]][1] == row:
                duplicates.append((number, first))
            else:
                invalid.append(
                    InvalidRow(number, [f"统一社会信用代码：与第{first}行相同，但其他内容不同，请核对后只保留一行"],
                               list(cells))  # fmt: skip
                )
            continue
        first_row_of[code] = number
        index_of[code] = len(rows)
        if check_message:
            overridable[len(rows)] = check_message
        rows.append((number, row))
    return rows, invalid, duplicates, skipped, overridable


# ---------------------------------------------------------------- comparing with the store

_EXISTING_COLUMNS = ("id", "version", "credit_code", "credit_code_accepted", "source",
                     "last_import_at", "local_edits", "updated_at", *ROSTER_FIELDS)  # fmt: skip


def _load_existing(session) -> tuple[dict[str, dict], dict[str, dict]]:
    """Live enterprises by credit code, and those without a code by exact name."""
    table = Enterprise.__table__
    cols = [table.c[c] for c in _EXISTING_COLUMNS]
    by_code: dict[str, dict] = {}
    by_name: dict[str, dict] = {}
    result = session.execute(select(*cols).where(table.c.deleted.is_(False)))
    for row in result:
        record = dict(zip(_EXISTING_COLUMNS, row, strict=True))
        if record["credit_code"]:
            by_code[record["credit_code"]] = record
        by_name.setdefault(record["name"], record)
    return by_code, by_name


def _same(old, new) -> bool:
    return old == new


def compute_diff(session, plan: ImportPlan, *, allow_accept: bool) -> Diff:
    by_code, by_name = _load_existing(session)
    diff = Diff()
    compare = [k for k in plan.mapped if k != "credit_code"]
    claimed: set[str] = set()
    for index, (number, values) in enumerate(plan.rows):
        code = values[CODE]
        existing = by_code.get(code)
        if index in plan.overridable:
            already = existing is not None and existing["credit_code_accepted"]
            if already or (plan.options.accept_check_digit and allow_accept):
                diff.accepted_codes.add(code)
            else:
                hint = "" if allow_accept else "（只有站点管理员可以确认）"
                diff.invalid.append(InvalidRow(number, [plan.overridable[index] + hint], []))
                continue
        name = values[NAME]
        if existing is None:
            same_name = by_name.get(name)
            if same_name is not None and not same_name["credit_code"] and same_name["id"] not in claimed:
                existing = same_name
            elif same_name is not None and same_name["credit_code"]:
                diff.invalid.append(InvalidRow(number, [
                    f"企业名称：与已有企业同名，但已有企业的统一社会信用代码为{same_name['credit_code']}，请核对"
                ], []))  # fmt: skip
                continue
        if existing is None:
            diff.new.append(index)
            continue
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
            if old is not None and _same(old, new):
                continue
            if old is not None and (key in protected or never_imported):
                conflicts.append(ConflictItem(number, existing["id"], existing["credit_code"],
                                              existing["name"], key, old, new,
                                              protected.get(key)))  # fmt: skip
            else:
                found[key] = (old, new)
        if found or conflicts:
            diff.updates.append(_Update(index, existing["id"], existing["version"], existing,
                                        found, conflicts))  # fmt: skip
            diff.conflicts.extend(conflicts)
        else:
            diff.unchanged += 1
    return diff


# ---------------------------------------------------------------- analyse (no writes)


def analyse(
    store: Store,
    source: RosterSource,
    mapping: dict | None = None,
    options: ImportOptions | None = None,
    *,
    progress: Progress | None = None,
    cancel=None,
) -> ImportPlan:
    """Read and check every row and compare with the store. Writes nothing."""
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
    warmer = threading.Thread(target=warm, daemon=True)
    warmer.start()
    rows, invalid, duplicates, skipped, overridable = read_rows(
        source, header.mapping, progress=progress, cancel=cancel
    )
    warmer.join()
    plan = ImportPlan(
        path=source.path,
        sheet=source.sheet_name,
        header=header,
        mapped=tuple(k for k in FIELD_KEYS if k in set(header.mapping.values())),
        rows=rows,
        invalid=invalid,
        duplicates=duplicates,
        skipped=skipped,
        overridable=overridable,
        options=options or ImportOptions(),
    )
    _check_cancel(cancel)
    if progress:
        progress(0, 0, "正在与已有企业比对…")
    with store.read() as s:
        plan.preview = compute_diff(s, plan, allow_accept=store.user.is_admin)
    return plan


# ---------------------------------------------------------------- apply (one transaction)


def _uuids(count: int) -> list[str]:
    """``count`` random (version 4) UUID strings, made in one go."""
    data = os.urandom(16 * count)
    out = []
    for i in range(count):
        out.append(str(uuid.UUID(bytes=data[16 * i : 16 * i + 16], version=4)))
    return out


def _plain(value):
    return value.value if hasattr(value, "value") else value


def apply(
    store: Store,
    plan: ImportPlan,
    *,
    accept: bool | set[tuple[str, str]] = False,
    progress: Progress | None = None,
    cancel=None,
) -> ImportResult:
    """Write the plan in one transaction. ``accept``: True for every conflict, or the set of
    ``(enterprise_id, field)`` whose imported value replaces the local one."""
    if plan.options.accept_check_digit and plan.overridable and not store.user.is_admin:
        raise PermissionDenied("只有站点管理员可以确认校验位不符的统一社会信用代码")
    result = ImportResult(invalid=len(plan.invalid), duplicates=len(plan.duplicates))
    table = Enterprise.__table__
    with store.unit_of_work() as s:
        diff = compute_diff(s, plan, allow_accept=store.user.is_admin)
        result.invalid += len(diff.invalid)
        result.unchanged = diff.unchanged
        result.conflicts = len(diff.conflicts)
        now = utcnow()
        naive_now = now.astimezone(UTC).replace(tzinfo=None)
        stamp = changes.stamp_new(s, now)
        stamp["created_at"] = stamp["updated_at"] = naive_now
        total = len(diff.new) + len(diff.updates)
        done = 0
        mapped = set(plan.mapped)
        roster_cols = [k for k in ROSTER_FIELDS]
        # --- new enterprises
        ids = _uuids(len(diff.new))
        insert_stmt = insert(table)
        for start in range(0, len(diff.new), BATCH):
            _check_cancel(cancel)
            chunk = diff.new[start : start + BATCH]
            params = []
            for offset, index in enumerate(chunk):
                values = plan.rows[index][1]
                row = dict(stamp)
                row["id"] = ids[start + offset]
                for k in roster_cols:
                    row[k] = values[SLOT[k]]
                code = values[CODE]
                row["credit_code"] = code
                row["credit_code_accepted"] = code in diff.accepted_codes
                row["name_initials"] = name_initials(values[NAME])
                row["source"] = "import"
                row["last_import_at"] = naive_now
                row["local_edits"] = None
                row["risk_level"] = "none"
                params.append(row)
            s.execute(insert_stmt, params)
            changes.record_bulk(
                s, Enterprise.entity_name(), [(p["id"], 1, ChangeOp.INSERT) for p in params],
                action="import", summary="名录导入新增",
            )
            done += len(chunk)
            if progress:
                progress(done, total, f"正在写入：新增 {done:,} 家")
        result.new = len(diff.new)
        # --- updates
        accepted_all = accept is True
        accepted = accept if isinstance(accept, set) else set()
        update_cols = ["credit_code", "credit_code_accepted", "name_initials", *roster_cols]
        update_stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(c) for c in [*update_cols, "version", "updated_at", "updated_by",
                                                 "last_import_at", "local_edits"]})
        )  # fmt: skip
        batch: list[dict] = []
        records: list[tuple[str, int, ChangeOp]] = []
        audit: list[dict] = []
        updated = 0

        def flush() -> None:
            if batch:
                s.execute(update_stmt, batch)
                changes.record_bulk(s, Enterprise.entity_name(), records, action="import",
                                    summary="名录导入更新", changes=audit)  # fmt: skip
                batch.clear()
                records.clear()
                audit.clear()

        for item in diff.updates:
            existing = item.existing
            final = {k: existing[k] for k in roster_cols}
            final["credit_code"] = existing["credit_code"]
            written = dict(item.changes)
            edits = dict(existing["local_edits"] or {})
            for conflict in item.conflicts:
                if accepted_all or conflict.key in accepted:
                    written[conflict.field] = (conflict.local_value, conflict.import_value)
                    edits.pop(conflict.field, None)
                    result.conflicts_accepted += 1
                else:
                    edits.setdefault(conflict.field, conflict.edited_at or existing["updated_at"].isoformat())
                    result.conflicts_skipped += 1
            for key in written:
                edits.pop(key, None)
            if existing["last_import_at"] is None:
                # a record entered by hand: its values not confirmed by this import stay local
                values = plan.rows[item.index][1]
                for key in roster_cols:
                    confirmed = key in mapped and values[SLOT[key]] is not None and _same(
                        existing[key], values[SLOT[key]]
                    )
                    if existing[key] is not None and key not in written and not confirmed:
                        edits.setdefault(key, existing["updated_at"].isoformat())
            if not written and edits == (existing["local_edits"] or {}) and existing["last_import_at"]:
                result.unchanged += 1
                continue
            for key, (_old, new) in written.items():
                final[key] = new
            code = final["credit_code"]
            row = {k: _plain(final[k]) for k in roster_cols}
            row.update(
                b_id=item.enterprise_id,
                credit_code=code,
                credit_code_accepted=bool(existing["credit_code_accepted"]) or code in diff.accepted_codes,
                name_initials=name_initials(final["name"]),
                version=item.version + 1,
                updated_at=naive_now,
                updated_by=stamp["updated_by"],
                last_import_at=naive_now,
                local_edits=edits or None,
            )
            batch.append(row)
            records.append((item.enterprise_id, item.version + 1, ChangeOp.UPDATE))
            audit.append({k: ("changed" if k in changes.PERSONAL_FIELDS else
                              [_plain(old), _plain(new)]) for k, (old, new) in written.items()})  # fmt: skip
            if written:
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
        remember_mapping(s, plan.header)
        _check_cancel(cancel)
        if progress:
            progress(total, total, "正在保存…")
    result.written = True
    log.info("roster import: %d new, %d updated, %d unchanged, %d invalid, %d conflicts",
             result.new, result.updated, result.unchanged, result.invalid, result.conflicts)  # fmt: skip
    return result


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
    """Open, analyse and (unless ``dry_run``) apply: the command line's and the bench's path."""
    with RosterSource.open(path, sheet, progress=progress) as source:
        plan = analyse(store, source, mapping, options, progress=progress, cancel=cancel)
    if dry_run:
        return plan, dry_run_result(plan)
    return plan, apply(store, plan, accept=accept, progress=progress, cancel=cancel)


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
