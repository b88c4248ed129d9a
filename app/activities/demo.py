"""Demo step: the year's activities (four of the five "one" done), the work team, model units."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from app.activities import model_units, team
from app.activities.checklist import annual_checklist, done_count
from app.activities.service import ActivityInput, StopInput, save_activity
from app.domain.activities import CREATION_INDICATORS
from app.domain.enums import ActivityKind, RiskLevel, TeamRole
from app.store.attachments import NewAttachment
from app.store.models import Enterprise, Finding
from app.store.store import Store
from app.visits.demo import demo_photo


def demo_activities(store: Store, rng: random.Random, today: date) -> str:
    year = today.year
    start = date(year, 1, 1)
    span = (today - start).days

    def day(fraction: float) -> date:
        return start + timedelta(days=int(span * fraction))

    station = store.station.name
    organiser = f"{station}劳动关系服务站"
    with store.read() as s:
        flagged = set(s.scalars(select(Finding.enterprise_id).where(Finding.deleted.is_(False))))
        firms = [
            e
            for e in s.scalars(
                select(Enterprise)
                .where(Enterprise.street_code == store.station.code, Enterprise.deleted.is_(False))
                .order_by(Enterprise.employee_count.desc(), Enterprise.name)
                .limit(60)
            )
            if e.id not in flagged and e.risk_level == RiskLevel.NONE
        ]

    # (1) the work team with its trainings
    members = []
    for name, role, org in (
        ("林晓东", TeamRole.SERVICE_STAFF, f"{station}劳动保障事务所"),
        ("陈思远", TeamRole.MEDIATOR, f"{station}劳动争议调解委员会"),
        ("黄丽华", TeamRole.SERVICE_STAFF, f"{station}社区服务中心"),
        ("郑志强", TeamRole.INSPECTOR, "鼓楼区劳动保障监察大队"),
        ("吴建国", TeamRole.ARBITRATOR, "鼓楼区劳动人事争议仲裁院"),
    ):
        members.append(
            team.save_member(
                store,
                team.MemberInput(name, role, org, joined_on=date(year - 1, 3, 1)),
                today=today,
            )
        )
    team.add_training(
        store,
        team.TrainingInput(members[:3], day(0.2), "集体协商能力培训（第一期）", 6, "鼓楼区总工会"),
        today=today,
    )
    team.add_training(
        store,
        team.TrainingInput(members[:4], day(0.55), "劳动争议调解实务培训", 8, "鼓楼区人社局"),
        today=today,
    )

    # (2) the expert lecture
    with_photo = [NewAttachment("讲座现场.png", demo_photo(101))]
    save_activity(
        store,
        ActivityInput(
            kind=ActivityKind.EXPERT_LECTURE,
            title="《劳动合同法》与用工风险防范专家讲座",
            held_on=day(0.3),
            place=f"{station}社区服务中心三楼会议室",
            organiser=organiser,
            participant_count=86,
            participants="辖区企业人事负责人",
            speaker="福建某律师事务所 郑律师（劳动法专业律师）",
            summary="讲解劳动合同订立、解除和经济补偿的常见问题，现场解答企业咨询12个。",
            enterprises=[(e.id, "参加单位") for e in firms[:4]],
            attachments=with_photo,
        ),
        today=today,
    )
    # (3) the touring publicity campaign into the parks
    tour_start = day(0.4)
    save_activity(
        store,
        ActivityInput(
            kind=ActivityKind.PARK_TOUR,
            title="和谐劳动关系宣讲进园区巡回活动",
            held_on=tour_start,
            ended_on=min(tour_start + timedelta(days=14), today),
            organiser=organiser,
            materials_count=600,
            tags=["送法进企业"],
            summary="走进福州软件园和高新区洪山园，宣讲劳动法律法规，发放宣传资料。",
            stops=[
                StopInput(tour_start, "福州软件园A区", 120),
                StopInput(min(tour_start + timedelta(days=7), today), "福州软件园F区", 95),
                StopInput(min(tour_start + timedelta(days=14), today), "高新区洪山园", 80),
            ],
            enterprises=[(e.id, "宣讲企业") for e in firms[4:7]],
            attachments=[NewAttachment("园区宣讲.png", demo_photo(102))],
        ),
        today=today,
    )
    # (4) no on-site observation visit yet this year: the checklist shows it missing
    # (5) model units: scored, two commended
    scores = {i.code: i.max_score for i in CREATION_INDICATORS}
    commended = 0
    for i, e in enumerate(firms[7:10]):
        mine = dict(
            scores,
            care_culture=scores["care_culture"] - i,
            labor_contract=scores["labor_contract"] - 2 * i,
        )
        if i == 2:
            mine["collective_contract"] = 0
            mine["union_democracy"] = 4
        unit = model_units.score_unit(
            store, e.id, year, mine, note="材料齐全，现场核查属实", today=today
        )
        if i < 2:
            model_units.commend_unit(store, unit, day(0.9), today=today)
            commended += 1

    # other activities of the plan
    save_activity(
        store,
        ActivityInput(
            kind=ActivityKind.PUBLICITY,
            title="宪法宣传周劳动法律咨询活动",
            held_on=day(0.05),
            place="东街口广场",
            organiser=organiser,
            participant_count=300,
            materials_count=800,
            tags=["宪法宣传周"],
            summary="现场咨询、发放宣传册、以案释法。",
        ),
        today=today,
    )
    save_activity(
        store,
        ActivityInput(
            kind=ActivityKind.COLLECTIVE_NEGOTIATION,
            title="集体协商“要约行动月”",
            held_on=day(0.25),
            ended_on=day(0.33),
            organiser=f"{station}总工会",
            participant_count=40,
            tags=["要约行动月"],
            summary="指导辖区企业开展工资集体协商，新签专项集体合同。",
            enterprises=[(e.id, "签订集体合同") for e in firms[10:13]],
        ),
        today=today,
    )
    save_activity(
        store,
        ActivityInput(
            kind=ActivityKind.TRAINING,
            title="集体协商能力培训（第二期）",
            held_on=day(0.6),
            place="区总工会培训室",
            organiser="鼓楼区总工会",
            participant_count=35,
        ),
        today=today,
    )
    items = annual_checklist(store, year)
    return (
        f"{year}年活动 6 项、工作队伍 {len(members)} 人、和谐劳动关系单位 3 家（表彰 {commended} 家）；"
        f"“五个一”完成 {done_count(items)}/5"
    )
