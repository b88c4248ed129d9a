"""Recording activities: the five "one" and the plan's other events, with stops, enterprises, photos.

:func:`save_activity` creates or edits an activity in one transaction together with its stops
(for the touring campaign into the parks), the enterprises involved and new photos; the photos
are kept inside the encrypted store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from app.domain.dates import iso_date
from app.domain.enums import ActivityKind
from app.store import changes
from app.store.attachments import (
    NewAttachment,
    add_attachment,
    check_attachment,
    list_attachments,
    remove_attachment,
)
from app.store.errors import Conflict, NotFound
from app.store.models import Activity, ActivityEnterprise, ActivityStop, Enterprise
from app.store.store import Store
from app.visits.problems import Problem, raise_if
from app.visits.service import AttachmentBrief

ACTIVITY_ENTITY = Activity.entity_name()

#: Tags the form offers (free tags are accepted too).
SUGGESTED_TAGS = ("党建", "宪法宣传周", "要约行动月", "依法休假", "农民工工资零拖欠", "送法进企业")


@dataclass
class StopInput:
    held_on: date
    place: str
    audience_count: int | None = None
    note: str = ""


@dataclass
class ActivityInput:
    kind: ActivityKind
    title: str
    held_on: date
    ended_on: date | None = None
    place: str = ""
    organiser: str = ""
    participant_count: int | None = None
    participants: str = ""
    speaker: str = ""
    materials_count: int | None = None
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    #: (enterprise id, role in the activity: 观摩对象, 参加单位 …)
    enterprises: list[tuple[str, str]] = field(default_factory=list)
    stops: list[StopInput] = field(default_factory=list)
    attachments: list[NewAttachment] = field(default_factory=list)
    #: attachments of an edited activity to drop
    removed_attachment_ids: list[str] = field(default_factory=list)


def validate_activity(session, data: ActivityInput, today: date) -> list[Problem]:
    problems: list[Problem] = []
    kind = ActivityKind(data.kind)
    if not data.title.strip():
        problems.append(Problem("title", "活动名称", "请填写活动名称"))
    if data.held_on > today:
        problems.append(Problem("held_on", "活动日期", "不能晚于今天（活动举办后再登记）"))
    if data.ended_on is not None and data.ended_on < data.held_on:
        problems.append(Problem("ended_on", "结束日期", "不能早于开始日期"))
    if data.ended_on is not None and data.ended_on > today:
        problems.append(Problem("ended_on", "结束日期", "不能晚于今天"))
    for key, label, value in (
        ("participant_count", "参加人数", data.participant_count),
        ("materials_count", "发放资料份数", data.materials_count),
    ):
        if value is not None and value < 0:
            problems.append(Problem(key, label, "不能为负数"))
    if kind == ActivityKind.EXPERT_LECTURE and not data.speaker.strip():
        problems.append(Problem("speaker", "主讲专家", "专家讲座请填写主讲专家"))
    if kind == ActivityKind.OBSERVATION and not data.enterprises and not data.place.strip():
        problems.append(Problem("place", "活动地点", "现场观摩请填写观摩地点或选择观摩企业"))
    if data.stops and kind != ActivityKind.PARK_TOUR:
        problems.append(Problem("stops", "巡回站点", "只有进园区巡回宣讲活动记录巡回站点"))
    last = data.ended_on or today
    for i, stop in enumerate(data.stops, start=1):
        if not stop.place.strip():
            problems.append(Problem(f"stop:{i}", f"第{i}站", "请填写站点（园区或企业）"))
        if not data.held_on <= stop.held_on <= last:
            problems.append(
                Problem(
                    f"stop:{i}",
                    f"第{i}站",
                    f"日期应在 {iso_date(data.held_on)} 至 {iso_date(last)} 之间",
                )
            )
        if stop.audience_count is not None and stop.audience_count < 0:
            problems.append(Problem(f"stop:{i}", f"第{i}站", "听众人数不能为负数"))
    seen: set[str] = set()
    for enterprise_id, _role in data.enterprises:
        e = session.get(Enterprise, enterprise_id)
        if e is None or e.deleted:
            problems.append(Problem("enterprises", "参与企业", "所选企业不存在或已被删除"))
        elif enterprise_id in seen:
            problems.append(Problem("enterprises", "参与企业", f"“{e.name}”重复选择"))
        seen.add(enterprise_id)
    for attachment in data.attachments:
        message = check_attachment(attachment.filename, attachment.content)
        if message:
            problems.append(Problem("attachments", "照片/附件", message))
    return problems


def save_activity(
    store: Store,
    data: ActivityInput,
    *,
    activity_id: str | None = None,
    expected_version: int | None = None,
    today: date | None = None,
) -> str:
    """Create (no ``activity_id``) or edit an activity; returns its id."""
    today = today or date.today()
    with store.unit_of_work() as s:
        if activity_id:
            activity = s.get(Activity, activity_id)
            if activity is None or activity.deleted:
                raise NotFound("活动记录不存在或已被删除")
            if expected_version is not None and activity.version != expected_version:
                raise Conflict()
        else:
            activity = Activity()
        raise_if(validate_activity(s, data, today))
        activity.kind = ActivityKind(data.kind)
        activity.year = data.held_on.year
        activity.title = data.title.strip()
        activity.held_on = data.held_on
        activity.ended_on = data.ended_on
        activity.place = data.place.strip() or None
        activity.organiser = data.organiser.strip() or None
        activity.participant_count = data.participant_count
        activity.participants = data.participants.strip() or None
        activity.speaker = data.speaker.strip() or None
        activity.materials_count = data.materials_count
        activity.summary = data.summary.strip() or None
        activity.tags = [t.strip() for t in data.tags if t.strip()] or None
        s.add(activity)

        old_stops = s.scalars(
            select(ActivityStop).where(
                ActivityStop.activity_id == activity.id, ActivityStop.deleted.is_(False)
            )
        ).all()
        new_stops = [
            (st.held_on, st.place.strip(), st.audience_count, st.note.strip() or None)
            for st in data.stops
        ]
        if [
            (o.held_on, o.place, o.audience_count, o.note)
            for o in sorted(old_stops, key=lambda o: o.seq)
        ] != new_stops:
            for old in old_stops:
                changes.soft_delete(s, old)
            for seq, (held_on, place, audience, note) in enumerate(new_stops, start=1):
                s.add(
                    ActivityStop(
                        activity_id=activity.id,
                        seq=seq,
                        held_on=held_on,
                        place=place,
                        audience_count=audience,
                        note=note,
                    )
                )

        old_links = {
            link.enterprise_id: link
            for link in s.scalars(
                select(ActivityEnterprise).where(
                    ActivityEnterprise.activity_id == activity.id,
                    ActivityEnterprise.deleted.is_(False),
                )
            )
        }
        wanted = dict(data.enterprises)
        for enterprise_id, link in old_links.items():
            if enterprise_id not in wanted:
                changes.soft_delete(s, link)
            elif (link.role or "") != (wanted[enterprise_id] or ""):
                link.role = wanted[enterprise_id] or None
        for enterprise_id, role in wanted.items():
            if enterprise_id not in old_links:
                s.add(
                    ActivityEnterprise(
                        activity_id=activity.id, enterprise_id=enterprise_id, role=role or None
                    )
                )

        for attachment_id in data.removed_attachment_ids:
            remove_attachment(s, attachment_id)
        for attachment in data.attachments:
            add_attachment(s, ACTIVITY_ENTITY, activity.id, attachment)
        return activity.id


def delete_activity(store: Store, activity_id: str) -> None:
    """Mark an activity and its stops, enterprise links and photos deleted."""
    with store.unit_of_work() as s:
        activity = s.get(Activity, activity_id)
        if activity is None or activity.deleted:
            raise NotFound("活动记录不存在或已被删除")
        for model in (ActivityStop, ActivityEnterprise):
            for child in s.scalars(
                select(model).where(model.activity_id == activity_id, model.deleted.is_(False))
            ):
                changes.soft_delete(s, child)
        for attachment in list_attachments(s, ACTIVITY_ENTITY, activity_id):
            changes.soft_delete(s, attachment)
        changes.soft_delete(s, activity)


@dataclass
class ActivityRow:
    id: str
    kind: ActivityKind
    title: str
    held_on: date
    place: str
    organiser: str
    participant_count: int | None
    enterprise_count: int
    stop_count: int
    tags: list[str]


def list_activities(
    store: Store, *, year: int | None = None, kind: ActivityKind | None = None, text: str = ""
) -> list[ActivityRow]:
    q = select(Activity).where(Activity.deleted.is_(False))
    if year:
        q = q.where(Activity.year == year)
    if kind:
        q = q.where(Activity.kind == ActivityKind(kind).value)
    if text.strip():
        q = q.where(Activity.title.like(f"%{text.strip()}%"))
    with store.read() as s:
        rows = s.scalars(q.order_by(Activity.held_on.desc())).all()
        ids = [a.id for a in rows]
        enterprises = dict(
            s.execute(
                select(ActivityEnterprise.activity_id, func.count())
                .where(
                    ActivityEnterprise.activity_id.in_(ids), ActivityEnterprise.deleted.is_(False)
                )
                .group_by(ActivityEnterprise.activity_id)
            ).all()
        )
        stops = dict(
            s.execute(
                select(ActivityStop.activity_id, func.count())
                .where(ActivityStop.activity_id.in_(ids), ActivityStop.deleted.is_(False))
                .group_by(ActivityStop.activity_id)
            ).all()
        )
        return [
            ActivityRow(
                a.id,
                a.kind,
                a.title,
                a.held_on,
                a.place or "",
                a.organiser or "",
                a.participant_count,
                enterprises.get(a.id, 0),
                stops.get(a.id, 0),
                list(a.tags or []),
            )
            for a in rows
        ]


@dataclass
class ActivityDetail:
    id: str
    version: int
    data: ActivityInput
    #: enterprise id -> name, for showing the enterprises involved
    enterprise_names: dict[str, str]
    attachments: list[AttachmentBrief]


def get_activity(store: Store, activity_id: str) -> ActivityDetail:
    with store.read() as s:
        a = s.get(Activity, activity_id)
        if a is None or a.deleted:
            raise NotFound("活动记录不存在或已被删除")
        stops = s.scalars(
            select(ActivityStop)
            .where(ActivityStop.activity_id == a.id, ActivityStop.deleted.is_(False))
            .order_by(ActivityStop.seq)
        ).all()
        links = s.execute(
            select(ActivityEnterprise, Enterprise.name)
            .join(Enterprise, Enterprise.id == ActivityEnterprise.enterprise_id)
            .where(ActivityEnterprise.activity_id == a.id, ActivityEnterprise.deleted.is_(False))
            .order_by(ActivityEnterprise.created_at)
        ).all()
        data = ActivityInput(
            kind=a.kind,
            title=a.title,
            held_on=a.held_on,
            ended_on=a.ended_on,
            place=a.place or "",
            organiser=a.organiser or "",
            participant_count=a.participant_count,
            participants=a.participants or "",
            speaker=a.speaker or "",
            materials_count=a.materials_count,
            summary=a.summary or "",
            tags=list(a.tags or []),
            enterprises=[(link.enterprise_id, link.role or "") for link, _n in links],
            stops=[
                StopInput(st.held_on, st.place, st.audience_count, st.note or "") for st in stops
            ],
        )
        return ActivityDetail(
            a.id,
            a.version,
            data,
            {link.enterprise_id: name for link, name in links},
            [
                AttachmentBrief(x.id, x.filename, x.mime_type, x.size)
                for x in list_attachments(s, ACTIVITY_ENTITY, a.id)
            ],
        )
