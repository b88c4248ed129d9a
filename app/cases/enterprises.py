"""The respondent enterprise of a case: picked from the roster (``app.store.queries.lookup_enterprises``
and the shared picker), or created with the minimum a case needs (the roster area owns the full
enterprise form)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.errors import Problems
from app.domain.validators import check_credit_code, check_phone
from app.roster.initials import name_initials
from app.store.models import Enterprise


@dataclass
class EnterpriseInput:
    name: str
    credit_code: str = ""
    legal_rep: str = ""
    address: str = ""
    phone: str = ""
    #: a station head confirmed a code that fails the GB 32100 check (rare real codes do)
    accept_failed_check: bool = False


def validate_enterprise(
    session: Session,
    data: EnterpriseInput,
    problems: Problems,
    *,
    key: str,
    label: str,
    is_admin: bool,
) -> dict:
    """Check a new enterprise; returns its normalised column values (problems go to ``problems``)."""
    values: dict = {}
    name = (data.name or "").strip()
    if not name:
        problems.add(f"{key}.name", f"{label}名称", "不能为空")
    elif len(name) > 200:
        problems.add(f"{key}.name", f"{label}名称", "不能超过200个字符")
    values["name"] = name
    values["credit_code"] = None
    values["credit_code_accepted"] = False
    if (data.credit_code or "").strip():
        result = check_credit_code(data.credit_code)
        values["credit_code"] = result.value
        if not result.ok:
            if result.overridable and data.accept_failed_check:
                if is_admin:
                    values["credit_code_accepted"] = True
                else:
                    problems.add(
                        f"{key}.credit_code",
                        f"{label}统一社会信用代码",
                        "校验位不符的代码只能由站点管理员确认后使用",
                    )
            else:
                problems.add(f"{key}.credit_code", f"{label}统一社会信用代码", result.message)
        if result.value and len(result.value) == 18:
            existing = session.scalar(
                select(Enterprise).where(
                    Enterprise.credit_code == result.value, Enterprise.deleted.is_(False)
                )
            )
            if existing is not None:
                problems.add(
                    f"{key}.credit_code",
                    f"{label}统一社会信用代码",
                    f"该代码已在企业名录中（{existing.name}），请直接从名录中选择",
                )
    if (data.phone or "").strip():
        phone = check_phone(data.phone)
        if not phone.ok:
            problems.add(f"{key}.phone", f"{label}电话", phone.message)
        values["phone"] = phone.value
    else:
        values["phone"] = None
    values["legal_rep"] = (data.legal_rep or "").strip() or None
    values["address"] = (data.address or "").strip() or None
    return values


def make_enterprise(values: dict, street_code: str | None) -> Enterprise:
    return Enterprise(
        name=values["name"],
        credit_code=values["credit_code"],
        credit_code_accepted=values["credit_code_accepted"],
        legal_rep=values["legal_rep"],
        address=values["address"],
        phone=values["phone"],
        street_code=street_code,
        name_initials=name_initials(values["name"]),
        source="manual",
    )
