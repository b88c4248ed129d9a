"""The roster's importable fields: Chinese labels, header aliases, limits and value kinds.

One place for what a roster column means: the importer, the template, the export, the errors
sheet and the enterprise form all read this table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.validators import to_halfwidth


@dataclass(frozen=True)
class RosterField:
    key: str
    label: str
    #: header texts that mean this field (after :func:`header_key`); the label is always one
    aliases: tuple[str, ...]
    #: text | code | phone | int | bool | street | size
    kind: str = "text"
    max_length: int | None = None
    required: bool = False
    #: shown in the template's input message
    hint: str = ""


FIELDS: tuple[RosterField, ...] = (
    RosterField(
        "credit_code", "统一社会信用代码",
        ("统一社会信用代码", "社会信用代码", "信用代码", "统一信用代码", "统一代码",
         "社会统一信用代码", "组织机构代码", "注册号", "信用代码/注册号", "统一社会信用代码/注册号"),
        kind="code", max_length=18, required=True, hint="18位，字母大写，请设为文本格式",
    ),
    RosterField(
        "name", "企业名称",
        ("企业名称", "单位名称", "企业名", "公司名称", "名称", "企业全称", "单位全称", "用人单位",
         "用人单位名称", "市场主体名称", "企业（单位）名称", "企业(单位)名称"),
        max_length=200, required=True, hint="营业执照上的全称",
    ),
    RosterField(
        "legal_rep", "法定代表人",
        ("法定代表人", "法人代表", "法人", "负责人", "法定代表人（负责人）", "法定代表人/负责人",
         "法定代表人(负责人)", "经营者", "投资人"),
        max_length=60,
    ),
    RosterField(
        "phone", "联系电话",
        ("联系电话", "电话", "联系方式", "手机", "手机号码", "联系人电话", "电话号码", "固定电话",
         "办公电话", "联系手机"),
        kind="phone", max_length=40, hint="手机11位，座机如0591-87654321",
    ),
    RosterField(
        "address", "注册地址",
        ("注册地址", "地址", "住所", "经营地址", "企业地址", "单位地址", "办公地址", "住所地",
         "实际经营地址", "生产经营地址", "详细地址"),
        max_length=300,
    ),
    RosterField(
        "street_code", "所属街道",
        ("所属街道", "街镇", "所属街镇", "街道", "所在街道", "属地街道", "街道（园区）", "所属街道（园区）",
         "所属街道/园区", "街道/园区", "所属园区", "园区", "乡镇街道", "所属镇街"),
        kind="street", max_length=16, hint="鼓楼区十个街镇或两个园区之一",
    ),
    RosterField(
        "industry", "行业",
        ("行业", "所属行业", "行业名称", "行业类别", "行业分类", "行业门类", "国民经济行业", "主营行业"),
        max_length=100,
    ),
    RosterField(
        "employee_count", "职工人数",
        ("职工人数", "从业人数", "从业人员", "员工人数", "职工数", "用工人数", "从业人员数", "在职人数",
         "参保人数", "人数", "职工总数", "从业人员期末人数"),
        kind="int", hint="整数",
    ),
    RosterField(
        "size_class", "企业规模",
        ("企业规模", "规模", "规模类型", "企业类型（规模）", "企业规模类型", "大中小微"),
        kind="size", hint="微型、小型、中型或大型",
    ),
    RosterField(
        "above_scale", "是否规模以上",
        ("是否规模以上", "规模以上", "是否规上", "规上企业", "规上", "是否规上企业", "规模以上企业"),
        kind="bool", hint="是或否",
    ),
    RosterField(
        "has_union", "工会",
        ("工会", "是否建立工会", "是否建会", "建会情况", "是否有工会", "工会组织", "已建工会"),
        kind="bool", hint="是或否",
    ),
    RosterField(
        "has_mediation_committee", "调解委员会",
        ("调解委员会", "是否建立调解委员会", "调委会", "劳动争议调解委员会", "是否有调解委员会",
         "企业调解委员会", "是否建立劳动争议调解委员会", "调解组织"),
        kind="bool", hint="是或否",
    ),
    RosterField(
        "has_collective_contract", "集体合同",
        ("集体合同", "是否签订集体合同", "集体协商", "是否开展集体协商", "签订集体合同",
         "工资集体协商", "是否有集体合同"),
        kind="bool", hint="是或否",
    ),
    RosterField(
        "has_party_org", "党组织",
        ("党组织", "是否建立党组织", "党建", "是否有党组织", "党组织建立情况", "建立党组织"),
        kind="bool", hint="是或否",
    ),
)  # fmt: skip

FIELD_BY_KEY: dict[str, RosterField] = {f.key: f for f in FIELDS}
FIELD_KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS)
REQUIRED_KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS if f.required)

_BRACKETS = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")


def header_key(text: object) -> str:
    """A header cell reduced for matching: half-width, no spaces, marks or bracketed notes."""
    if text is None:
        return ""
    s = to_halfwidth(str(text))
    s = re.sub(r"\s+", "", s)
    s = s.replace("*", "").replace("★", "").replace("：", "").replace(":", "")
    return s


def _stripped(key: str) -> str:
    return _BRACKETS.sub("", key)


#: header key -> (field, rank): the rank orders the aliases of a field, best first
_ALIAS_INDEX: dict[str, tuple[str, int]] = {}
for _f in FIELDS:
    for _rank, _alias in enumerate((_f.label, *_f.aliases)):
        _ALIAS_INDEX.setdefault(header_key(_alias), (_f.key, _rank))
        _ALIAS_INDEX.setdefault(_stripped(header_key(_alias)), (_f.key, _rank))
# Short aliases ("工会", "人数") only match a whole header; a few are safe inside longer ones.
_CONTAINED_OK = {"电话", "地址", "街道", "街镇"}
_CONTAINED = sorted(
    ((a, fr) for a, fr in _ALIAS_INDEX.items() if len(a) >= 3 or a in _CONTAINED_OK),
    key=lambda kv: -len(kv[0]),
)


#: "label：value" (填报单位：东街街道, 联系电话：0591-…): a note about the table, never a header
_NOTE = re.compile(r"^[^：:]{1,20}[：:]\s*\S")
#: a row-number column (序号): recognised, and never imported
SERIAL_HEADERS = frozenset({"序号", "序", "编号", "顺序号", "序列号", "行号", "NO", "NO.", "No", "No."})


def is_note(text: object) -> bool:
    """A cell written as "label：value", as the lines above and below a roster table are."""
    return bool(text) and _NOTE.match(str(text).strip()) is not None


def is_serial_header(text: object) -> bool:
    key = header_key(text)
    return key in SERIAL_HEADERS or key.upper() in SERIAL_HEADERS


def match_header(text: object) -> tuple[str, int] | None:
    """``(field, quality)`` for a header cell, lower quality is better; None when unknown.

    An exact alias (brackets and marks ignored) beats one contained in a longer header. A cell
    written as "label：value" is a note, not a header (“填报单位：东街街道” is no 所属街道).
    """
    key = header_key(text)
    if not key or len(key) > 40 or is_note(text):
        return None
    for candidate in (key, _stripped(key)):
        if candidate in _ALIAS_INDEX:
            field, rank = _ALIAS_INDEX[candidate]
            return field, rank
    bare = _stripped(key)
    for alias, (field, rank) in _CONTAINED:
        if alias in bare:
            return field, 100 + rank
    return None


def field_for_header(text: object) -> str | None:
    found = match_header(text)
    return found[0] if found else None
