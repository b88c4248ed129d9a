"""The station's labor-relations work team (劳动关系工作队伍): members, roles and trainings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.domain.enums import TeamRole
from app.domain.validators import check_phone
from app.store.errors import Conflict, NotFound
from app.store.models import Activity, TeamMember, TeamTraining
from app.store.store import Store
from app.visits.problems import Problem, raise_if


@dataclass
class MemberInput:
    name: str
    role: TeamRole
    organisation: str = ""
    phone: str = ""
    joined_on: date | None = None
    active: bool = True
    note: str = ""


@dataclass
class MemberRow:
    id: str
    version: int
    name: str
    role: TeamRole
    organisation: str
    phone: str
    joined_on: date | None
    active: bool
    note: str
    training_count: int
    training_hours: float


def _member_problems(data: MemberInput, today: date) -> list[Problem]:
    problems = []
    if not data.name.strip():
        problems.append(Problem("name", "姓名", "请填写姓名"))
    try:
        TeamRole(data.role)
    except ValueError:
        problems.append(Problem("role", "角色", "请选择角色"))
    if data.phone.strip() and not check_phone(data.phone).ok:
        problems.append(Problem("phone", "联系电话", check_phone(data.phone).message))
    if data.joined_on and data.joined_on > today:
        problems.append(Problem("joined_on", "加入日期", "不能晚于今天"))
    return problems


def save_member(
    store: Store,
    data: MemberInput,
    *,
    member_id: str | None = None,
    expected_version: int | None = None,
    today: date | None = None,
) -> str:
    today = today or date.today()
    raise_if(_member_problems(data, today))
    with store.unit_of_work() as s:
        if member_id:
            member = s.get(TeamMember, member_id)
            if member is None or member.deleted:
                raise NotFound("队伍成员不存在或已被删除")
            if expected_version is not None and member.version != expected_version:
                raise Conflict()
        else:
            member = TeamMember()
        phone = data.phone.strip()
        member.name = data.name.strip()
        member.role = TeamRole(data.role)
        member.organisation = data.organisation.strip() or None
        member.phone = check_phone(phone).value if phone else None
        member.joined_on = data.joined_on
        member.active = data.active
        member.note = data.note.strip() or None
        s.add(member)
        return member.id


def list_members(store: Store, *, include_inactive: bool = True) -> list[MemberRow]:
    with store.read() as s:
        q = select(TeamMember).where(TeamMember.deleted.is_(False))
        if not include_inactive:
            q = q.where(TeamMember.active.is_(True))
        members = s.scalars(
            q.order_by(TeamMember.active.desc(), TeamMember.joined_on, TeamMember.name)
        ).all()
        trainings = s.scalars(select(TeamTraining).where(TeamTraining.deleted.is_(False))).all()
        count: dict[str, int] = {}
        hours: dict[str, float] = {}
        for t in trainings:
            count[t.member_id] = count.get(t.member_id, 0) + 1
            hours[t.member_id] = hours.get(t.member_id, 0.0) + (t.hours or 0.0)
        return [
            MemberRow(
                m.id,
                m.version,
                m.name,
                m.role,
                m.organisation or "",
                m.phone or "",
                m.joined_on,
                m.active,
                m.note or "",
                count.get(m.id, 0),
                hours.get(m.id, 0.0),
            )
            for m in members
        ]


@dataclass
class TrainingInput:
    member_ids: list[str]
    trained_on: date
    title: str
    hours: float | None = None
    organiser: str = ""
    activity_id: str | None = None


@dataclass
class TrainingRow:
    id: str
    member_id: str
    member_name: str
    trained_on: date
    title: str
    hours: float | None
    organiser: str


def add_training(store: Store, data: TrainingInput, *, today: date | None = None) -> list[str]:
    """Record one training attended by one or more members (one row per member)."""
    today = today or date.today()
    problems = []
    if not data.member_ids:
        problems.append(Problem("members", "参训人员", "请选择参加培训的成员"))
    if not data.title.strip():
        problems.append(Problem("title", "培训内容", "请填写培训名称或内容"))
    if data.trained_on > today:
        problems.append(Problem("trained_on", "培训日期", "不能晚于今天"))
    if data.hours is not None and not 0 < data.hours <= 200:
        problems.append(Problem("hours", "学时", "应大于0且不超过200"))
    raise_if(problems)
    ids = []
    with store.unit_of_work() as s:
        if data.activity_id:
            activity = s.get(Activity, data.activity_id)
            if activity is None or activity.deleted:
                raise_if([Problem("activity", "对应活动", "所选活动不存在或已被删除")])
        for member_id in dict.fromkeys(data.member_ids):
            member = s.get(TeamMember, member_id)
            if member is None or member.deleted:
                raise_if([Problem("members", "参训人员", "所选成员不存在或已被删除")])
            training = TeamTraining(
                member_id=member_id,
                trained_on=data.trained_on,
                title=data.title.strip(),
                hours=data.hours,
                organiser=data.organiser.strip() or None,
                activity_id=data.activity_id,
            )
            s.add(training)
            ids.append(training.id)
    return ids


def list_trainings(
    store: Store, *, member_id: str | None = None, year: int | None = None
) -> list[TrainingRow]:
    with store.read() as s:
        q = (
            select(TeamTraining, TeamMember.name)
            .join(TeamMember, TeamMember.id == TeamTraining.member_id)
            .where(TeamTraining.deleted.is_(False))
        )
        if member_id:
            q = q.where(TeamTraining.member_id == member_id)
        if year:
            q = q.where(
                TeamTraining.trained_on >= date(year, 1, 1),
                TeamTraining.trained_on <= date(year, 12, 31),
            )
        return [
            TrainingRow(t.id, t.member_id, name, t.trained_on, t.title, t.hours, t.organiser or "")
            for t, name in s.execute(q.order_by(TeamTraining.trained_on.desc(), TeamMember.name))
        ]
