"""Small lookups shared by several areas (the full lists live with their areas)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.validators import normalize_code
from app.store.models import Enterprise


@dataclass(frozen=True)
class EnterpriseHit:
    id: str
    name: str
    credit_code: str | None
    legal_rep: str | None
    street_code: str | None

    @property
    def label(self) -> str:
        return f"{self.name}（{self.credit_code}）" if self.credit_code else self.name


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def lookup_enterprises(session: Session, text: str, limit: int = 20) -> list[EnterpriseHit]:
    """Enterprises whose name, credit code, legal representative or pinyin initials match ``text``.

    Exact credit-code matches come first, then names that start with the text, then the rest.
    """
    text = (text or "").strip()
    q = select(
        Enterprise.id,
        Enterprise.name,
        Enterprise.credit_code,
        Enterprise.legal_rep,
        Enterprise.street_code,
    ).where(Enterprise.deleted.is_(False))
    if text:
        code = normalize_code(text)
        pattern = _like(text)
        conditions = [
            Enterprise.name.like(pattern, escape="\\"),
            Enterprise.legal_rep.like(pattern, escape="\\"),
        ]
        if code:
            conditions.append(Enterprise.credit_code.like(_like(code), escape="\\"))
            conditions.append(Enterprise.name_initials.like(_like(code), escape="\\"))
        q = q.where(or_(*conditions))
    rows = session.execute(q.order_by(Enterprise.name).limit(limit * 3)).all()
    hits = [EnterpriseHit(*row) for row in rows]
    code = normalize_code(text)

    def rank(hit: EnterpriseHit) -> tuple:
        return (hit.credit_code != code, not hit.name.startswith(text), hit.name)

    return sorted(hits, key=rank)[:limit]
