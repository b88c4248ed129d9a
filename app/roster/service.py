"""Enterprises by hand: search, filters, pages for lists, and add/edit with the import's rules.

The form and the importer validate with the same parsers (:mod:`app.roster.normalize`), so a
value the import refuses is refused on the form too, with the same message, next to its field.
A credit code whose only fault is its check character may be accepted by a station head
(``store.user.is_admin``); everyone else gets the message and a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select

from app.domain.validators import to_halfwidth
from app.roster import events  # noqa: F401  (initials and local edits on every path)
from app.roster.fields import FIELD_BY_KEY, FIELD_KEYS
from app.roster.normalize import Bad, Overridable, clean_text, parser_for
from app.store.errors import Conflict, FieldProblem, FormInvalid, NotFound
from app.store.models import Enterprise
from app.store.store import Store

#: fields of the form beyond the roster's own
EXTRA_FIELDS = {"notes": "备注", "last_negotiation_on": "最近一次集体协商日期"}
FORM_FIELDS = (*FIELD_KEYS, *EXTRA_FIELDS)


def label_of(key: str) -> str:
    return FIELD_BY_KEY[key].label if key in FIELD_BY_KEY else EXTRA_FIELDS.get(key, key)


class EnterpriseInvalid(FormInvalid):
    """The form's values are not valid; ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str], *, overridable: bool = False):
        self.errors = errors
        #: the only problem is a credit code's check character (a station head may accept it)
        self.overridable = overridable
        super().__init__([FieldProblem(k, label_of(k), m) for k, m in errors.items()])


# ---------------------------------------------------------------- search and filters


@dataclass
class EnterpriseFilter:
    #: matches the name, the credit code, the legal representative or the pinyin initials
    text: str = ""
    street_code: str | None = None
    size_class: str | None = None
    above_scale: bool | None = None
    has_union: bool | None = None
    has_mediation_committee: bool | None = None
    has_collective_contract: bool | None = None
    risk_level: str | None = None

    def is_empty(self) -> bool:
        return not self.text.strip() and all(
            getattr(self, k) is None
            for k in ("street_code", "size_class", "above_scale", "has_union",
                      "has_mediation_committee", "has_collective_contract", "risk_level")
        )  # fmt: skip


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def apply_filter(query: Select, f: EnterpriseFilter) -> Select:
    e = Enterprise
    query = query.where(e.deleted.is_(False))
    text = clean_text(f.text)
    if text:
        half = to_halfwidth(text)
        conditions = [
            e.name.like(_like(text), escape="\\"),
            e.legal_rep.like(_like(text), escape="\\"),
        ]
        code = re.sub(r"[\s\-]", "", half).upper()
        if code.isalnum() and code.isascii():
            conditions.append(e.credit_code.like(_like(code), escape="\\"))
            if code.isalpha():
                conditions.append(e.name_initials.like(_like(code), escape="\\"))
        query = query.where(or_(*conditions))
    if f.street_code:
        query = query.where(e.street_code == f.street_code)
    if f.size_class:
        query = query.where(e.size_class == f.size_class)
    if f.risk_level:
        query = query.where(e.risk_level == f.risk_level)
    for key in ("above_scale", "has_union", "has_mediation_committee", "has_collective_contract"):
        wanted = getattr(f, key)
        if wanted is True:
            query = query.where(getattr(e, key).is_(True))
        elif wanted is False:
            query = query.where(or_(getattr(e, key).is_(False), getattr(e, key).is_(None)))
    return query


LIST_COLUMNS = ("id", "name", "credit_code", "legal_rep", "phone", "street_code", "industry",
                "employee_count", "size_class", "above_scale", "has_union",
                "has_mediation_committee", "has_collective_contract", "risk_level")  # fmt: skip


class EnterpriseService:
    def __init__(self, store: Store):
        self.store = store

    # ------------------------------------------------------------ reading

    def count(self, f: EnterpriseFilter | None = None) -> int:
        query = apply_filter(select(func.count()).select_from(Enterprise), f or EnterpriseFilter())
        with self.store.read() as s:
            return int(s.scalar(query) or 0)

    def page(self, f: EnterpriseFilter | None, offset: int, limit: int) -> list[tuple]:
        """Rows of :data:`LIST_COLUMNS` in pinyin order, for a list that fetches as it scrolls."""
        cols = [getattr(Enterprise, c) for c in LIST_COLUMNS]
        query = apply_filter(select(*cols), f or EnterpriseFilter())
        query = query.order_by(Enterprise.name_initials, Enterprise.name, Enterprise.id)
        with self.store.read() as s:
            return [tuple(r) for r in s.execute(query.offset(offset).limit(limit))]

    def history(self, enterprise_id: str):
        """The enterprise's 操作记录, newest first: its own edits, its part of each roster import
        that wrote it (one audit event per import), its credit notes and attachments
        (:func:`app.audit.trail.record_history`)."""
        from app.audit.trail import history_of

        return history_of(self.store, Enterprise.entity_name(), enterprise_id)

    def get(self, enterprise_id: str) -> Enterprise:
        with self.store.read() as s:
            found = s.get(Enterprise, enterprise_id)
            if found is None or found.deleted:
                raise NotFound("企业不存在或已被删除")
            return found

    def find_by_code(self, code: str) -> Enterprise | None:
        with self.store.read() as s:
            return s.scalar(
                select(Enterprise).where(
                    Enterprise.credit_code == code, Enterprise.deleted.is_(False)
                )
            )

    # ------------------------------------------------------------ validation

    def validate(
        self, data: dict[str, Any], *, enterprise_id: str | None = None, accept_code: bool = False
    ) -> dict[str, Any]:
        """Clean values of the form, or :class:`EnterpriseInvalid` with a message per field."""
        errors: dict[str, str] = {}
        clean: dict[str, Any] = {"credit_code_accepted": False}
        overridable = False
        for key in FIELD_KEYS:
            if key not in data:
                continue
            raw = data[key]
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                clean[key] = None
                continue
            try:
                clean[key] = parser_for(key)(raw)
            except Overridable as exc:
                if (enterprise_id and self._already_accepted(enterprise_id, exc.code)) or (
                    accept_code and self.store.user.is_admin
                ):
                    clean[key] = exc.code
                    clean["credit_code_accepted"] = True
                elif accept_code:
                    errors[key] = (
                        str(exc).removeprefix("统一社会信用代码") + "（只有站点管理员可以确认）"
                    )
                else:
                    errors[key] = str(exc).removeprefix("统一社会信用代码")
                    overridable = True
            except Bad as exc:
                errors[key] = str(exc).removeprefix(label_of(key))
        if "name" in data and not clean.get("name"):
            errors["name"] = "不能为空"
        if "notes" in data:
            notes = clean_text(data["notes"]) if data["notes"] is not None else ""
            if len(notes) > 2000:
                errors["notes"] = f"最多2000个字，实际{len(notes)}个"
            clean["notes"] = notes or None
        if "last_negotiation_on" in data:
            value = data["last_negotiation_on"]
            if isinstance(value, str) and value.strip():
                try:
                    value = date.fromisoformat(value.strip())
                except ValueError:
                    errors["last_negotiation_on"] = "日期格式应为2026-03-31"
            if value and not isinstance(value, date):
                errors["last_negotiation_on"] = "日期格式应为2026-03-31"
            elif value and value > date.today():
                errors["last_negotiation_on"] = "不能晚于今天"
            clean["last_negotiation_on"] = value or None
        code = clean.get("credit_code")
        if code and "credit_code" not in errors:
            other = self.find_by_code(code)
            if other is not None and other.id != enterprise_id:
                errors["credit_code"] = f"已登记为“{other.name}”，不能重复登记"
        if errors:
            only_code = overridable and set(errors) == {"credit_code"}
            raise EnterpriseInvalid(errors, overridable=only_code)
        return clean

    def _already_accepted(self, enterprise_id: str, code: str) -> bool:
        """The record's own code, accepted earlier by a station head, needs no new acceptance."""
        with self.store.read() as s:
            e = s.get(Enterprise, enterprise_id)
            return e is not None and e.credit_code == code and bool(e.credit_code_accepted)

    # ------------------------------------------------------------ writing

    def create(self, data: dict[str, Any], *, accept_code: bool = False) -> Enterprise:
        clean = self.validate(data, accept_code=accept_code)
        enterprise = Enterprise(source="manual")
        for key, value in clean.items():
            setattr(enterprise, key, value)
        with self.store.unit_of_work() as s:
            s.add(enterprise)
        return enterprise

    def update(
        self,
        enterprise_id: str,
        data: dict[str, Any],
        *,
        expected_version: int | None = None,
        accept_code: bool = False,
    ) -> Enterprise:
        """Change the given fields. A roster field changed here is recorded in ``local_edits``."""
        clean = self.validate(data, enterprise_id=enterprise_id, accept_code=accept_code)
        with self.store.unit_of_work() as s:
            enterprise = s.get(Enterprise, enterprise_id)
            if enterprise is None or enterprise.deleted:
                raise NotFound("企业不存在或已被删除")
            if expected_version is not None and enterprise.version != expected_version:
                raise Conflict("该企业已被其他用户修改，请关闭后重新打开再编辑")
            if "credit_code" in clean and clean["credit_code"] == enterprise.credit_code:
                clean["credit_code_accepted"] = enterprise.credit_code_accepted or clean.get(
                    "credit_code_accepted", False
                )
            elif "credit_code" not in clean:
                clean.pop("credit_code_accepted", None)
            for key, value in clean.items():
                if getattr(enterprise, key) != value:
                    setattr(enterprise, key, value)
        return enterprise
