"""Reference data: streets and parks, dispute types, intake channels, roles.

Shipped in ``resources/reference``. The two code lists the district keeps (dispute types, intake
channels) can be replaced by the district's: the store/sync layer reads the lists received from the
district server and hands them to :func:`install_district_code_lists` (at login and after every
pull); this module stays free of SQL. With a district list installed, new records are offered its
active codes; a code's name comes from the district's list (active or not), then the shipped
list, so a record keeps showing its name after the district retires its code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from app.paths import resource


@dataclass(frozen=True)
class Station:
    code: str
    name: str
    kind: str  # street | town | park
    short: str

    @property
    def case_prefix(self) -> str:
        """The district prefix plus the station's short name, e.g. ``鼓楼鼓东``."""
        return district()["case_prefix"] + self.short


@dataclass(frozen=True)
class CodeItem:
    code: str
    name: str
    art16: bool = False
    #: offered for new records (the district may retire a code; records using it keep it)
    active: bool = True


@dataclass(frozen=True)
class RoleInfo:
    code: str
    name: str
    can_write: bool
    can_admin: bool


def _load(name: str) -> dict:
    with resource("reference", name).open(encoding="utf-8") as fh:
        return json.load(fh)


@cache
def district() -> dict:
    return _load("stations.json")["district"]


@cache
def stations() -> tuple[Station, ...]:
    return tuple(Station(**s) for s in _load("stations.json")["stations"])


def station(code: str) -> Station:
    for s in stations():
        if s.code == code:
            return s
    raise KeyError(code)


def station_by_name(name: str) -> Station | None:
    """Match a street/park written the way rosters write it: full name, short name or code."""
    text = (name or "").strip()
    if not text:
        return None
    for s in stations():
        if text in (s.code, s.name, s.short) or text.upper() == s.code:
            return s
    for s in stations():
        if s.short in text:
            return s
    return None


#: the code lists the district may replace: kind -> file and key in ``resources/reference``
CODE_LISTS = {"dispute_type": "dispute_types", "intake_channel": "intake_channels"}


@cache
def shipped_code_list(kind: str) -> tuple[CodeItem, ...]:
    """A code list as shipped with the app (what the district seeds its own lists from)."""
    name = CODE_LISTS[kind]
    return tuple(CodeItem(**d) for d in _load(f"{name}.json")[name])


@dataclass(frozen=True)
class _CodeList:
    #: offered for new records, in display order
    offered: tuple[CodeItem, ...]
    #: every code with a name: the district's (active or not) over the shipped ones
    by_code: Mapping[str, CodeItem]


def _combine(kind: str, district: Iterable[CodeItem] | None) -> _CodeList:
    shipped = shipped_code_list(kind)
    by_code = {item.code: item for item in shipped}
    district = list(district or ())
    if not district:
        return _CodeList(shipped, by_code)
    for item in district:
        by_code[item.code] = item
    order = {item.code: i for i, item in enumerate(shipped)}
    ranked = sorted(district, key=lambda item: (order.get(item.code, len(order)), item.code))
    return _CodeList(tuple(item for item in ranked if item.active), by_code)


#: kind -> the list in use; replaced whole (one assignment) so that readers in other threads
#: never see half an update
_in_use: dict[str, _CodeList] = {}


def install_district_code_lists(lists: Mapping[str, Iterable[CodeItem]]) -> None:
    """Use the district's code lists: ``kind -> its items, active and retired``.

    A kind left out (or given no items) goes back to the shipped list, so calling this with the
    lists of another store, or with none, never leaves an earlier store's lists behind.
    """
    global _in_use
    _in_use = {kind: _combine(kind, lists.get(kind)) for kind in CODE_LISTS}


@cache
def _shipped(kind: str) -> _CodeList:
    return _combine(kind, None)


def _list(kind: str) -> _CodeList:
    current = _in_use.get(kind)
    return current if current is not None else _shipped(kind)


def code_list(kind: str) -> tuple[CodeItem, ...]:
    """The codes offered for a new record (the district's active ones when it has sent a list)."""
    return _list(kind).offered


def code_item(kind: str, code: str) -> CodeItem | None:
    """The item of a code, offered or retired; None for a code nobody knows."""
    return _list(kind).by_code.get(code)


def code_name(kind: str, code: str) -> str:
    """The name to show for a code a record holds (the code itself if nobody knows it)."""
    item = code_item(kind, code)
    return item.name if item else code


def known_codes(kind: str) -> tuple[CodeItem, ...]:
    """Every code with a name, offered ones first (e.g. to filter old records by a retired code)."""
    current = _list(kind)
    offered = {item.code for item in current.offered}
    rest = [item for code, item in current.by_code.items() if code not in offered]
    return (*current.offered, *rest)


def choices(kind: str, current: str | None = None) -> tuple[CodeItem, ...]:
    """The codes a form offers: the active ones, and the record's own code if it was retired."""
    offered = code_list(kind)
    if current and all(item.code != current for item in offered):
        item = code_item(kind, current) or CodeItem(current, current, active=False)
        return (*offered, item)
    return offered


def dispute_types() -> tuple[CodeItem, ...]:
    return code_list("dispute_type")


def intake_channels() -> tuple[CodeItem, ...]:
    return code_list("intake_channel")


def dispute_type_name(code: str) -> str:
    return code_name("dispute_type", code)


def intake_channel_name(code: str) -> str:
    return code_name("intake_channel", code)


@cache
def roles() -> tuple[RoleInfo, ...]:
    return tuple(RoleInfo(**r) for r in _load("roles.json")["roles"])


def role(code: str) -> RoleInfo:
    for r in roles():
        if r.code == code:
            return r
    raise KeyError(code)


def name_of(items: tuple[CodeItem, ...], code: str) -> str:
    for item in items:
        if item.code == code:
            return item.name
    return code
