"""Cases feed the wage-arrears early warning: open wage cases are risk indicators of the respondent
(the rule is in :mod:`app.visits.risk`). Every case change that can move them refreshes the
respondent's level in the same transaction."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.store.models import DisputeCase
from app.visits.risk import recompute_risk


def refresh_respondent_risk(session: Session, case: DisputeCase, today: date) -> None:
    if case.respondent_id:
        recompute_risk(session, case.respondent_id, today)
