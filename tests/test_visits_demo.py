"""The demo steps of visits and activities: every ledger state, overdue items, four of the five."""

import random
from datetime import date

from sqlalchemy import select

from app.activities.checklist import annual_checklist
from app.activities.demo import demo_activities
from app.demo import demo_enterprises
from app.domain.enums import ActivityKind, RiskLevel
from app.store.models import Enterprise
from app.visits import ledger
from app.visits.demo import demo_visits
from app.visits.risk import recompute_all_risks


def test_demo_steps(store):
    rng = random.Random(2026)
    today = date(2026, 3, 10)  # early in the year: activity dates must still fit before today
    demo_enterprises(store, rng, today)
    assert "企业走访" in demo_visits(store, rng, today)
    assert "“五个一”完成 4/5" in demo_activities(store, rng, today)
    s = ledger.ledger_summary(store, today)
    assert min(s.open, s.rectifying, s.rectified, s.escalated, s.overdue) >= 1
    items = annual_checklist(store, 2026)
    assert [i.kind for i in items if not i.done] == [ActivityKind.OBSERVATION]
    assert recompute_all_risks(store, today) == 0  # levels were kept current while recording
    with store.read() as session:
        levels = set(session.scalars(select(Enterprise.risk_level)))
    assert {RiskLevel.HIGH, RiskLevel.LOW} <= levels
