"""Recompute an enterprise's wage-arrears risk level from its visits, cases and ledger items.

The rule itself is :func:`app.domain.visits.assess_risk`; this module gathers what it needs from
the store and writes the level on the enterprise (``Enterprise.risk_level``, shown in the roster).
Call :func:`recompute_risk` inside the transaction that changed a visit, a ledger item or a case;
:func:`recompute_all_risks` refreshes every enterprise whose level may have changed with time
(indicators older than the window stop counting).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.enums import PartyRole, RiskLevel
from app.domain.visits import (
    RISK_WINDOW_DAYS,
    CaseObservation,
    FindingObservation,
    RiskAssessment,
    RiskIndicator,
    VisitObservation,
    assess_risk,
)
from app.store.errors import NotFound
from app.store.models import (
    CaseClaim,
    CaseParty,
    DisputeCase,
    Enterprise,
    EnterpriseVisit,
    Finding,
    utcnow,
)
from app.store.store import Store

#: Parties whose enterprise owes the workers: the respondent, and on construction projects the
#: general contractor and the subcontractor (保障农民工工资支付条例 Art. 30).
OWING_ROLES = (PartyRole.RESPONDENT, PartyRole.GENERAL_CONTRACTOR, PartyRole.SUBCONTRACTOR)


def _indicators(raw) -> frozenset[RiskIndicator] | None:
    if raw is None:
        return None
    return frozenset(
        RiskIndicator(code) for code in raw if code in RiskIndicator._value2member_map_
    )


def observations(
    session: Session, enterprise_id: str, today: date, window_days: int = RISK_WINDOW_DAYS
):
    since = today - timedelta(days=window_days)
    visits = [
        VisitObservation(v.visited_on, _indicators(v.risk_indicators), f"visit:{v.id}")
        for v in session.scalars(
            select(EnterpriseVisit).where(
                EnterpriseVisit.enterprise_id == enterprise_id,
                EnterpriseVisit.deleted.is_(False),
                EnterpriseVisit.visited_on >= since,
            )
        )
    ]
    party_cases = select(CaseParty.case_id).where(
        CaseParty.enterprise_id == enterprise_id,
        CaseParty.role.in_([r.value for r in OWING_ROLES]),
        CaseParty.deleted.is_(False),
    )
    case_rows = session.scalars(
        select(DisputeCase).where(
            DisputeCase.deleted.is_(False),
            DisputeCase.received_on >= since,
            or_(DisputeCase.respondent_id == enterprise_id, DisputeCase.id.in_(party_cases)),
        )
    ).all()
    types: dict[str, set[str]] = defaultdict(set)
    if case_rows:
        for case_id, dispute_type in session.execute(
            select(CaseClaim.case_id, CaseClaim.dispute_type).where(
                CaseClaim.case_id.in_([c.id for c in case_rows]), CaseClaim.deleted.is_(False)
            )
        ):
            types[case_id].add(dispute_type)
    cases = [
        CaseObservation(
            c.received_on, c.status, frozenset(types[c.id]), c.is_collective, f"case:{c.id}"
        )
        for c in case_rows
    ]
    findings = [
        FindingObservation(found_on, f.category, f.status, f"finding:{f.id}")
        for f, found_on in session.execute(
            select(Finding, EnterpriseVisit.visited_on)
            .join(EnterpriseVisit, EnterpriseVisit.id == Finding.visit_id)
            .where(
                Finding.enterprise_id == enterprise_id,
                Finding.deleted.is_(False),
                EnterpriseVisit.visited_on >= since,
            )
        )
    ]
    return visits, cases, findings


def assess_enterprise(session: Session, enterprise_id: str, today: date) -> RiskAssessment:
    visits, cases, findings = observations(session, enterprise_id, today)
    return assess_risk(visits=visits, cases=cases, findings=findings, today=today)


def recompute_risk(session: Session, enterprise_id: str, today: date) -> RiskAssessment:
    """Assess and store the level on the enterprise (only written when it changed)."""
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None or enterprise.deleted:
        raise NotFound("企业不存在或已被删除")
    session.flush()
    result = assess_enterprise(session, enterprise_id, today)
    if enterprise.risk_level != result.level:
        enterprise.risk_level = result.level
        enterprise.risk_updated_at = utcnow()
    return result


def enterprise_risk(store: Store, enterprise_id: str, today: date | None = None) -> RiskAssessment:
    with store.read() as s:
        return assess_enterprise(s, enterprise_id, today or date.today())


def recompute_all_risks(store: Store, today: date | None = None) -> int:
    """Refresh every enterprise that has a level or anything recorded in the window.

    Returns how many levels changed. Run daily (the workbench does it in the background), since
    the window moves even when nothing is recorded.
    """
    today = today or date.today()
    since = today - timedelta(days=RISK_WINDOW_DAYS)
    with store.read() as s:
        ids = set(
            s.scalars(
                select(Enterprise.id).where(
                    Enterprise.deleted.is_(False), Enterprise.risk_level != RiskLevel.NONE.value
                )
            )
        )
        ids |= set(
            s.scalars(
                select(EnterpriseVisit.enterprise_id).where(
                    EnterpriseVisit.deleted.is_(False), EnterpriseVisit.visited_on >= since
                )
            )
        )
        ids |= {
            i
            for i in s.scalars(
                select(DisputeCase.respondent_id).where(
                    DisputeCase.deleted.is_(False), DisputeCase.received_on >= since
                )
            )
            if i
        }
        ids |= set(
            s.scalars(
                select(CaseParty.enterprise_id)
                .join(DisputeCase, DisputeCase.id == CaseParty.case_id)
                .where(
                    CaseParty.enterprise_id.is_not(None),
                    CaseParty.role.in_([r.value for r in OWING_ROLES]),
                    DisputeCase.received_on >= since,
                )
            )
        )
        current = dict(
            s.execute(
                select(Enterprise.id, Enterprise.risk_level).where(Enterprise.id.in_(ids))
            ).all()
        )
        wanted = {}
        for enterprise_id in ids:
            if enterprise_id not in current:
                continue
            level = assess_enterprise(s, enterprise_id, today).level
            if level != current[enterprise_id]:
                wanted[enterprise_id] = level
    if not wanted or not store.user.can_write:  # a read-only session leaves the levels as stored
        return 0
    with store.unit_of_work() as s:
        for enterprise_id, level in wanted.items():
            enterprise = s.get(Enterprise, enterprise_id)
            if enterprise is not None:
                enterprise.risk_level = level
                enterprise.risk_updated_at = utcnow()
    return len(wanted)


#: the day the levels were last refreshed (a station setting)
RISK_SETTING = "visits.risk_recomputed_on"
#: records whose change may move an enterprise's wage-arrears risk (table names, as the store's
#: change notification names them)
RISK_ENTITIES = frozenset(
    {"dispute_case", "case_party", "mediation_agreement", "performance_record",
     "enterprise_visit", "finding"}
)  # fmt: skip


def affects_risk(entities: frozenset[str] | set[str]) -> bool:
    return bool(RISK_ENTITIES & set(entities))


def recompute_risks_if_due(store: Store, today: date | None = None) -> int | None:
    """The daily refresh: recompute every level once a day (the window moves even when nothing is
    recorded). Returns how many levels changed, or None when it was done today already or the
    user may not write."""
    today = today or date.today()
    if not store.user.can_write or store.get_setting(RISK_SETTING) == today.isoformat():
        return None
    changed = recompute_all_risks(store, today)
    store.set_setting(RISK_SETTING, today.isoformat())
    return changed
