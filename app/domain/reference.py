"""Reference data shipped in ``resources/reference``: streets and parks, dispute types, channels, roles."""

from __future__ import annotations

import json
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


@cache
def dispute_types() -> tuple[CodeItem, ...]:
    return tuple(CodeItem(**d) for d in _load("dispute_types.json")["dispute_types"])


@cache
def intake_channels() -> tuple[CodeItem, ...]:
    return tuple(CodeItem(**d) for d in _load("intake_channels.json")["intake_channels"])


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
