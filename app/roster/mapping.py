"""Finding the header row and mapping its columns to roster fields.

Rosters carry a title row or two above the header, sometimes a two-row header (a merged group
cell such as “是否建立” above “工会 | 调委会 | 集体合同”). The header is the row (or pair of
rows) among the first :data:`HEADER_SCAN_ROWS` that names the most fields. A mapping the user
corrected is remembered per header layout (the hash of the header texts) in ``import_mapping``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from app.roster.fields import (
    FIELD_BY_KEY,
    FIELD_KEYS,
    REQUIRED_KEYS,
    header_key,
    is_note,
    is_serial_header,
    match_header,
)
from app.roster.normalize import clean_text
from app.store.models import ImportMapping, utcnow

HEADER_SCAN_ROWS = 30
MAPPING_KIND = "enterprise_roster"


@dataclass
class Header:
    """The header found in a sheet. Columns are absolute, 0-based; rows are sheet row numbers."""

    #: sheet row numbers (1-based) of the header row(s); data starts below the last
    rows: tuple[int, ...]
    #: column -> header text as shown in the file (two-row headers joined with “/”)
    texts: dict[int, str]
    #: column -> field, as recognised from the aliases
    detected: dict[int, str]
    layout_key: str
    #: column -> field actually used (detected, remembered or corrected by the user)
    mapping: dict[int, str] = field(default_factory=dict)
    remembered: bool = False
    #: rows above the header: titles (鼓楼区企业名录), notes ("填报单位：…"), group headers
    #: (基本信息 | 联系方式) and anything else; each (row number, text as shown)
    title_rows: list[tuple[int, str]] = field(default_factory=list)
    note_rows: list[tuple[int, str]] = field(default_factory=list)
    group_rows: list[tuple[int, str]] = field(default_factory=list)
    other_rows: list[tuple[int, str]] = field(default_factory=list)
    #: columns headed 序号 (row numbers): never imported
    serial_cols: list[int] = field(default_factory=list)
    #: each header row's own texts (to recognise the header repeated on every page)
    row_texts: list[dict[int, str]] = field(default_factory=list)
    #: the header rows were chosen by the user, not found
    chosen: bool = False

    @property
    def data_start(self) -> int:
        """Sheet row number of the first data row."""
        return self.rows[-1] + 1

    def column_of(self, key: str) -> int | None:
        for col, f in self.mapping.items():
            if f == key:
                return col
        return None

    def missing_required(self) -> list[str]:
        mapped = set(self.mapping.values())
        return [FIELD_BY_KEY[k].label for k in REQUIRED_KEYS if k not in mapped]


def layout_key(texts: dict[int, str]) -> str:
    if not texts:
        return hashlib.sha256(MAPPING_KIND.encode()).hexdigest()
    last = max(texts)
    parts = [header_key(texts.get(c, "")) for c in range(min(texts), last + 1)]
    digest = hashlib.sha256("\x1f".join([MAPPING_KIND, str(min(texts)), *parts]).encode())
    return digest.hexdigest()


def _best_columns(texts: dict[int, str]) -> dict[int, str]:
    """Column -> field, one column per field (the best-matching, then the leftmost)."""
    best: dict[str, tuple[int, int]] = {}
    for col in sorted(texts):
        if is_serial_header(texts[col]):
            continue
        found = match_header(texts[col])
        if found is None:
            continue
        key, quality = found
        if key not in best or quality < best[key][1]:
            best[key] = (col, quality)
    return {col: key for key, (col, _q) in best.items()}


def _score(columns: dict[int, str]) -> int:
    keys = set(columns.values())
    if not keys & {"name", "credit_code"}:
        return 0
    return len(keys) + ("name" in keys) + ("credit_code" in keys)


def _row_texts(row: list, start_col: int) -> dict[int, str]:
    texts = {}
    for j, value in enumerate(row):
        text = clean_text(value)
        if text:
            texts[start_col + j] = text
    return texts


def _joined(texts: dict[int, str]) -> str:
    return "　".join(texts[c] for c in sorted(texts))


def _kind(texts: dict[int, str]) -> str:
    """empty | note (every cell "label：value") | title (one cell) | table (anything else)."""
    if not texts:
        return "empty"
    cells = list(texts.values())
    if all(is_note(t) for t in cells) or (len(cells) <= 3 and any(is_note(t) for t in cells)
                                          and not any(match_header(t) for t in cells)):  # fmt: skip
        return "note"
    if len(cells) == 1:
        return "title"
    return "table"


def _spread(rows: list[dict[int, str]], start_row: int, merged) -> list[dict[int, str]]:
    """Each row's texts with a cell merged across columns (or rows) standing over all of them."""
    spread: list[dict[int, str]] = [dict(r) for r in rows]
    for (r1, c1), (r2, c2) in merged:
        i = r1 - start_row
        if 0 <= i < len(spread) and c1 in spread[i]:
            for c in range(c1 + 1, c2 + 1):
                spread[i].setdefault(c, spread[i][c1])
            for k in range(i + 1, min(r2 - start_row + 1, len(spread))):
                for c in range(c1, c2 + 1):
                    spread[k].setdefault(c, spread[i][c1])
    return spread


def _pair(upper: dict[int, str], lower: dict[int, str]):
    """A two-row header: (texts as shown, the columns recognised)."""
    shown, matched = {}, {}
    for c in set(upper) | set(lower):
        top, low = upper.get(c, ""), lower.get(c, "")
        matched[c] = low if low and match_header(low) else (top or low)
        if low and is_serial_header(low):
            matched[c] = low
        shown[c] = f"{top}/{low}" if top and low and top != low else (low or top)
    return shown, _best_columns(matched)


def detect_header(
    head: list[list],
    start_row: int,
    start_col: int,
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = (),
    *,
    rows: tuple[int, ...] | None = None,
) -> Header | None:
    """The header among the first rows (``head`` as read, starting at ``start_row``, 0-based).

    ``rows`` (sheet row numbers, one or two consecutive): the header the user chose; it is used
    even when it names few fields. Otherwise the row (or pair of rows) naming the most fields
    wins; metadata lines (填报单位：…), titles and blank rows are never part of it.
    """
    texts_of = [_row_texts(r, start_col) for r in head[:HEADER_SCAN_ROWS]]
    kinds = [_kind(t) for t in texts_of]
    spread = _spread(texts_of, start_row, merged)
    if rows is not None:
        index = [r - start_row - 1 for r in rows]
        if not index or any(not 0 <= i < len(texts_of) for i in index):
            return None
        if len(index) == 2:
            shown, cols = _pair(spread[index[0]], texts_of[index[1]])
        else:
            shown, cols = texts_of[index[0]], _best_columns(texts_of[index[0]])
        return _header(tuple(index), shown, cols, texts_of, kinds, start_row, merged, chosen=True)
    singles = [_best_columns(t) if kinds[i] == "table" else {} for i, t in enumerate(texts_of)]
    single_scores = [_score(cols) for cols in singles]
    best = None
    for i, texts in enumerate(texts_of):
        if kinds[i] != "table":
            continue
        candidates = [((i,), texts, singles[i], single_scores[i])]
        if i + 1 < len(texts_of) and kinds[i + 1] == "table":
            shown, pair = _pair(spread[i], texts_of[i + 1])
            score = _score(pair)
            # a two-row header only when it names more than either row alone
            if score > max(single_scores[i], single_scores[i + 1]):
                candidates.append(((i, i + 1), shown, pair, score))
        for used, shown, cols, score in candidates:
            if score >= 3 and (best is None or score > best[0]):
                best = (score, used, shown, cols)
    if best is None:
        return None
    _score_value, used, shown, cols = best
    return _header(used, shown, cols, texts_of, kinds, start_row, merged)


def _header(used, shown, cols, texts_of, kinds, start_row, merged, *, chosen=False) -> Header:
    header = Header(
        rows=tuple(start_row + i + 1 for i in used),
        texts=shown,
        detected=dict(cols),
        layout_key=layout_key(shown),
        mapping=dict(cols),
        row_texts=[texts_of[i] for i in used],
        chosen=chosen,
    )
    header.serial_cols = sorted(c for c, t in texts_of[used[-1]].items() if is_serial_header(t))
    across = {r1: c2 - c1 for (r1, c1), (r2, c2) in merged if c2 > c1}
    for i in range(used[0]):
        texts = texts_of[i]
        if not texts:
            continue
        item = (start_row + i + 1, _joined(texts))
        if kinds[i] == "note":
            header.note_rows.append(item)
        elif kinds[i] == "title":
            header.title_rows.append(item)
        elif start_row + i in across and i == used[0] - 1:
            header.group_rows.append(item)
        else:
            header.other_rows.append(item)
    return header


def clean_mapping(mapping: dict) -> dict[int, str]:
    """A mapping from the UI or the store: int columns, known fields, each field once."""
    out: dict[int, str] = {}
    seen = set()
    for col, key in sorted(((int(c), k) for c, k in mapping.items()), key=lambda t: t[0]):
        if key in FIELD_KEYS and key not in seen:
            out[col] = key
            seen.add(key)
    return out


def remembered_mapping(session, key: str) -> dict[int, str] | None:
    row = session.get(ImportMapping, key)
    if row is None or row.kind != MAPPING_KIND:
        return None
    return clean_mapping((row.mapping or {}).get("columns", {}))


def remember_mapping(session, header: Header) -> None:
    """Keep the mapping for this header layout (called inside the import's transaction)."""
    data = {"columns": {str(c): k for c, k in sorted(header.mapping.items())},
            "header_rows": list(header.rows)}  # fmt: skip
    row = session.get(ImportMapping, header.layout_key)
    if row is None:
        session.add(ImportMapping(layout_key=header.layout_key, kind=MAPPING_KIND, mapping=data,
                                  updated_at=utcnow()))  # fmt: skip
    else:
        row.mapping = data
        row.updated_at = utcnow()


def load_remembered(store, header: Header) -> None:
    with store.read() as s:
        found = remembered_mapping(s, header.layout_key)
    if found and set(found) <= set(header.texts):
        header.mapping = found
        header.remembered = True
