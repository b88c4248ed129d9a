"""What the workbench (工作台) shows: this month and the year to date, and what needs attention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, select

from app.cases.queries import Alert, OverdueTerm, deadline_alerts, overdue_terms
from app.domain.enums import RiskLevel
from app.reports import periods
from app.reports.figures import StationFigures, compute_figures
from app.store.models import Enterprise
from app.store.store import Store
from app.visits.ledger import LedgerRow, overdue_findings


@dataclass
class RiskRow:
    id: str
    name: str
    level: RiskLevel


@dataclass
class WorkbenchData:
    today: date
    month: StationFigures
    year: StationFigures
    overdue_findings: list[LedgerRow]
    risky_enterprises: list[RiskRow]
    #: mediation periods ending soon or over, agreement terms due soon or overdue
    case_alerts: list[Alert]
    #: agreement terms past their date and not fully performed
    overdue_terms: list[OverdueTerm]


def workbench_data(store: Store, today: date | None = None, *, limit: int = 50) -> WorkbenchData:
    today = today or date.today()
    month = compute_figures(store, periods.month_of(today), today)
    year = compute_figures(store, periods.year_to_date(today), today)
    with store.read() as s:
        risky = [
            RiskRow(e.id, e.name, e.risk_level)
            for e in s.scalars(
                select(Enterprise)
                .where(
                    Enterprise.deleted.is_(False),
                    Enterprise.risk_level.in_([RiskLevel.HIGH.value, RiskLevel.MEDIUM.value]),
                )
                .order_by(
                    case((Enterprise.risk_level == RiskLevel.HIGH.value, 0), else_=1),
                    Enterprise.risk_updated_at.desc(),
                )
                .limit(limit)
            )
        ]
        alerts = deadline_alerts(s, today)
        terms = overdue_terms(s, today)
    return WorkbenchData(
        today, month, year, overdue_findings(store, today, limit), risky, alerts, terms
    )
