"""How a roster file was read, said in one sentence for the preview.

    第3行为表头；第1行“鼓楼区企业名录”为标题、第2行“填报单位：…”为表外说明，已跳过；序号列未导入

so that a user sees at once when the reading is wrong (and chooses another header row, or
corrects the mapping, before anything is written). :func:`describe` returns a
:class:`Reading`: the sentence as parts, each a plain fact the tests can check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.roster.fields import FIELD_BY_KEY


@dataclass
class Reading:
    parts: list[str] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        return "；".join(self.parts) + "。" if self.parts else ""

    def __str__(self) -> str:
        return self.sentence


def _short(text: str, limit: int = 14) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def row_list(numbers: list[int], limit: int = 6) -> str:
    """第52–54、103行; long lists end with 等共N行."""
    numbers = sorted(set(numbers))
    spans: list[tuple[int, int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    shown = [f"{a}" if a == b else f"{a}–{b}" for a, b in spans[:limit]]
    more = f"等共{len(numbers)}行" if len(spans) > limit else "行"
    return "第" + "、".join(shown) + more


def _rows_phrase(items: list[tuple[int, str]], what: str) -> str:
    if len(items) == 1:
        row, text = items[0]
        return f"第{row}行“{_short(text)}”为{what}"
    return f"{row_list([r for r, _t in items])}为{what}"


def describe(source, plan=None) -> Reading:
    """The reading of ``source`` (a RosterSource); with ``plan``, also the rows left out."""
    from app.domain import reference
    from app.roster.importer import SKIP_KINDS

    reading = Reading()
    header = source.header
    if header is None:
        reading.parts.append("没有找到表头")
        return reading
    names = source.sheet_names
    if len(names) > 1:
        reading.parts.append(
            f"读取{len(names)}个格式相同的工作表：" + "、".join(f"“{n}”" for n in names)
        )
    left = [p.name for p in source.loaded.values() if p.name not in names and p.sheet.height]
    if left:
        reading.parts.append("工作表" + "、".join(f"“{n}”" for n in left) + "未导入")
    rows = header.rows
    where = f"第{rows[0]}行" if len(rows) == 1 else f"第{rows[0]}–{rows[-1]}行（两行表头）"
    same = all(p.header and p.header.rows == rows for p in source.parts)
    reading.parts.append(
        f"{where}为表头"
        + ("（您指定）" if header.chosen else "")
        + ("" if same or len(names) == 1 else "（各工作表分别识别）")
    )
    outside = []
    if header.title_rows:
        outside.append(_rows_phrase(header.title_rows, "标题"))
    if header.note_rows:
        outside.append(_rows_phrase(header.note_rows, "表外说明"))
    if header.group_rows:
        outside.append(_rows_phrase(header.group_rows, "分组标题"))
    if header.other_rows:
        outside.append(_rows_phrase(header.other_rows, "表头以上的内容"))
    if outside:
        reading.parts.append("、".join(outside) + "，已跳过")
    mapping = header.mapping
    if header.serial_cols:
        reading.parts.append("序号列未导入")
    unmapped = [header.texts[c] for c in sorted(header.texts)
                if c not in mapping and c not in header.serial_cols]  # fmt: skip
    if unmapped:
        reading.parts.append(
            "、".join(f"“{_short(t, 10)}”" for t in unmapped[:6])
            + ("等" if len(unmapped) > 6 else "")
            + "列未导入"
        )
    if "street_code" not in mapping.values():
        code = plan.default_street if plan is not None else None
        if code:
            try:
                street = reference.station(code).name
            except KeyError:
                street = code
            reading.parts.append(f"表中没有所属街道列，全部记为本站（{street}）")
        else:
            reading.parts.append("表中没有所属街道列，将记为本站所在街道")
    sheet = source.sheet
    if sheet.hidden_rows:
        reading.parts.append(f"{row_list(sheet.hidden_rows)}为隐藏行（已读取）")
    if sheet.hidden_cols:
        hidden = []
        for c in sheet.hidden_cols:
            text = header.texts.get(c)
            if text is None:
                continue
            state = f"已导入为“{FIELD_BY_KEY[mapping[c]].label}”" if c in mapping else "未导入"
            hidden.append(f"“{_short(text, 10)}”列为隐藏列（{state}）")
        if hidden:
            reading.parts.append("、".join(hidden))
    if plan is not None and plan.skipped_rows:
        phrases = []
        for kind, label in SKIP_KINDS.items():
            found = plan.skipped_rows.get(kind)
            if not found:
                continue
            if kind == "blank":
                phrases.append(f"空行{len(found)}行")
                continue
            if len(names) > 1:
                by_sheet: dict[str, list[int]] = {}
                for name, row in found:
                    by_sheet.setdefault(name, []).append(row)
                text = "，".join(f"工作表“{n}”{row_list(r)}" for n, r in by_sheet.items())
            else:
                text = row_list([r for _n, r in found])
            phrases.append(f"{text}为{label}")
        reading.parts.append("、".join(phrases) + "，已跳过（不算无效）")
    return reading
