"""Model harmonious units (和谐劳动关系单位): scoring against the creation indicators, commendation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.activities import (
    COMMEND_THRESHOLD,
    ModelUnitAssessment,
    ModelUnitStatus,
    assess_model_unit,
)
from app.domain.dates import iso_date
from app.domain.enums import CreditNoteKind, RiskLevel
from app.store.errors import NotFound
from app.store.models import CreditNote, Enterprise, Finding, ModelUnit
from app.store.store import Store
from app.visits.ledger import overdue_clause
from app.visits.problems import Problem, raise_if


def vetoes(session: Session, enterprise_id: str, year: int, today: date) -> list[str]:
    """One-vote vetoes (一票否决) that bar commendation whatever the score.

    * a 失信 credit note dated in the year that was not repaired afterwards;
    * a high wage-arrears risk level;
    * a ledger item overdue for rectification.
    """
    found: list[str] = []
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or enterprise.deleted:
        raise NotFound("企业不存在或已被删除")
    notes = session.scalars(
        select(CreditNote)
        .where(CreditNote.enterprise_id == enterprise_id, CreditNote.deleted.is_(False))
        .order_by(CreditNote.noted_on, CreditNote.created_at)
    ).all()
    for i, note in enumerate(notes):
        if note.kind == CreditNoteKind.UNTRUSTWORTHY and note.noted_on.year == year:
            repaired = any(n.kind == CreditNoteKind.REPAIRED for n in notes[i + 1 :])
            if not repaired:
                found.append(f"{iso_date(note.noted_on)} 有失信记录且未修复")
                break
    if enterprise.risk_level == RiskLevel.HIGH:
        found.append("欠薪风险等级为“高”")
    overdue = session.scalars(
        select(Finding.id).where(
            Finding.enterprise_id == enterprise_id,
            Finding.deleted.is_(False),
            overdue_clause(today),
        )
    ).all()
    if overdue:
        found.append(f"有{len(overdue)}项问题逾期未整改")
    return found


@dataclass
class ModelUnitRow:
    id: str
    version: int
    enterprise_id: str
    enterprise_name: str
    year: int
    scores: dict[str, float]
    total: float | None
    status: ModelUnitStatus
    commended_on: date | None
    note: str
    assessment: ModelUnitAssessment

    @property
    def eligible(self) -> bool:
        return self.assessment.eligible


def score_unit(
    store: Store,
    enterprise_id: str,
    year: int,
    scores: dict[str, float | None],
    *,
    note: str = "",
    today: date | None = None,
) -> str:
    """Propose an enterprise as a model unit for ``year`` (or rescore it); returns the unit's id."""
    today = today or date.today()
    with store.unit_of_work() as s:
        assessment = assess_model_unit(scores)
        problems = [Problem("scores", "评分", m) for m in assessment.problems]
        if not 2000 <= year <= today.year + 1:
            problems.append(Problem("year", "年度", f"年度 {year} 不正确"))
        raise_if(problems)
        unit = s.scalar(
            select(ModelUnit).where(
                ModelUnit.enterprise_id == enterprise_id,
                ModelUnit.year == year,
                ModelUnit.deleted.is_(False),
            )
        )
        if unit is None:
            unit = ModelUnit(
                enterprise_id=enterprise_id, year=year, status=ModelUnitStatus.CANDIDATE.value
            )
            s.add(unit)
        elif unit.status == ModelUnitStatus.COMMENDED:
            raise_if([Problem("scores", "评分", "已表彰的单位不能再修改评分")])
        vetoes(s, enterprise_id, year, today)  # the enterprise must exist
        unit.scores = {k: float(v) for k, v in scores.items() if v is not None}
        unit.total_score = assessment.total
        unit.note = note.strip() or None
        return unit.id


def commend_unit(store: Store, unit_id: str, on: date, *, today: date | None = None) -> None:
    """Commend a unit: it must score at least the threshold and have no veto."""
    today = today or date.today()
    with store.unit_of_work() as s:
        unit = s.get(ModelUnit, unit_id)
        if unit is None or unit.deleted:
            raise NotFound("和谐劳动关系单位记录不存在或已被删除")
        problems = []
        if unit.status == ModelUnitStatus.COMMENDED:
            problems.append(Problem("status", "表彰", "该单位已表彰"))
        assessment = assess_model_unit(
            unit.scores or {}, vetoes(s, unit.enterprise_id, unit.year, today)
        )
        problems += [Problem("scores", "评分", m) for m in assessment.problems]
        problems += [Problem("veto", "一票否决", m) for m in assessment.vetoes]
        if not assessment.problems and assessment.total < COMMEND_THRESHOLD:
            problems.append(
                Problem(
                    "scores",
                    "评分",
                    f"总分{assessment.total:g}分，未达到{COMMEND_THRESHOLD}分的表彰标准",
                )
            )
        if on > today:
            problems.append(Problem("commended_on", "表彰日期", "不能晚于今天"))
        if on < date(unit.year, 1, 1):
            problems.append(Problem("commended_on", "表彰日期", f"不能早于{unit.year}年"))
        raise_if(problems)
        unit.status = ModelUnitStatus.COMMENDED.value
        unit.commended_on = on


def set_not_selected(store: Store, unit_id: str, note: str = "") -> None:
    with store.unit_of_work() as s:
        unit = s.get(ModelUnit, unit_id)
        if unit is None or unit.deleted:
            raise NotFound("和谐劳动关系单位记录不存在或已被删除")
        if unit.status == ModelUnitStatus.COMMENDED:
            raise_if([Problem("status", "状态", "已表彰的单位不能改为未入选")])
        unit.status = ModelUnitStatus.NOT_SELECTED.value
        if note.strip():
            unit.note = note.strip()


def list_units(store: Store, year: int, *, today: date | None = None) -> list[ModelUnitRow]:
    today = today or date.today()
    with store.read() as s:
        rows = s.execute(
            select(ModelUnit, Enterprise.name)
            .join(Enterprise, Enterprise.id == ModelUnit.enterprise_id)
            .where(ModelUnit.year == year, ModelUnit.deleted.is_(False))
            .order_by(ModelUnit.total_score.desc(), Enterprise.name)
        ).all()
        return [
            ModelUnitRow(
                u.id,
                u.version,
                u.enterprise_id,
                name,
                u.year,
                dict(u.scores or {}),
                u.total_score,
                ModelUnitStatus(u.status),
                u.commended_on,
                u.note or "",
                assess_model_unit(u.scores or {}, vetoes(s, u.enterprise_id, u.year, today)),
            )
            for u, name in rows
        ]
