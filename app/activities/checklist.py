"""The annual five "one" checklist of the station: gathers the year's records for the domain rule."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.domain.activities import (
    ActivityFact,
    FiveOneItem,
    MemberFact,
    ModelUnitFact,
    TrainingFact,
    five_one_checklist,
)
from app.domain.enums import FIVE_ONE, TeamRole
from app.store.models import Activity, ActivityStop, Enterprise, ModelUnit, TeamMember, TeamTraining
from app.store.store import Store


def annual_checklist(store: Store, year: int) -> list[FiveOneItem]:
    """The five "one" of ``year`` for this station, each done or not with the records behind it."""
    with store.read() as s:
        stop_counts = (
            select(ActivityStop.activity_id, func.count().label("n"))
            .where(ActivityStop.deleted.is_(False))
            .group_by(ActivityStop.activity_id)
            .subquery()
        )
        activities = [
            ActivityFact(a.id, a.kind, a.held_on, a.title, n or 0)
            for a, n in s.execute(
                select(Activity, stop_counts.c.n)
                .outerjoin(stop_counts, stop_counts.c.activity_id == Activity.id)
                .where(
                    Activity.deleted.is_(False),
                    Activity.year == year,
                    Activity.kind.in_([k.value for k in FIVE_ONE]),
                )
            )
        ]
        members = [
            MemberFact(m.id, m.name, TeamRole(m.role).label, m.active, m.joined_on)
            for m in s.scalars(select(TeamMember).where(TeamMember.deleted.is_(False)))
        ]
        trainings = [
            TrainingFact(t.id, t.member_id, t.trained_on, t.title)
            for t in s.scalars(
                select(TeamTraining).where(
                    TeamTraining.deleted.is_(False),
                    TeamTraining.trained_on >= date(year, 1, 1),
                    TeamTraining.trained_on <= date(year, 12, 31),
                )
            )
        ]
        units = [
            ModelUnitFact(u.id, name, u.status, u.commended_on, u.total_score)
            for u, name in s.execute(
                select(ModelUnit, Enterprise.name)
                .join(Enterprise, Enterprise.id == ModelUnit.enterprise_id)
                .where(ModelUnit.deleted.is_(False), ModelUnit.year == year)
            )
        ]
    return five_one_checklist(
        year, activities=activities, members=members, trainings=trainings, model_units=units
    )


def done_count(items: list[FiveOneItem]) -> int:
    return sum(1 for i in items if i.done)
