"""Activities, the work team, model units and the annual five "one" checklist."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.activities import model_units, team
from app.activities.checklist import annual_checklist, done_count
from app.activities.service import (
    ActivityInput,
    StopInput,
    delete_activity,
    get_activity,
    list_activities,
    save_activity,
)
from app.domain.activities import (
    COMMEND_THRESHOLD,
    CREATION_INDICATORS,
    MAX_TOTAL,
    ActivityFact,
    MemberFact,
    ModelUnitFact,
    ModelUnitStatus,
    TrainingFact,
    assess_model_unit,
    five_one_checklist,
)
from app.domain.enums import FIVE_ONE, ActivityKind, CreditNoteKind, TeamRole
from app.store.attachments import NewAttachment, attachment_content
from app.store.models import ActivityStop, Attachment
from app.visits import credit
from app.visits.problems import InvalidInput
from tests import visits_factory as fx

TODAY = date(2026, 11, 20)
YEAR = 2026
K = ActivityKind


# ------------------------------------------------------------------ the pure rule


def _facts(**over):
    base = dict(
        activities=[
            ActivityFact("a1", K.EXPERT_LECTURE, date(2026, 3, 1), "讲座"),
            ActivityFact("a2", K.PARK_TOUR, date(2026, 5, 1), "巡回", stop_count=3),
            ActivityFact("a3", K.OBSERVATION, date(2026, 6, 1), "观摩"),
        ],
        members=[
            MemberFact(f"m{i}", f"成员{i}", "劳动关系服务员", True, date(2025, 1, 1))
            for i in range(3)
        ],
        trainings=[TrainingFact("t1", "m0", date(2026, 4, 1), "集体协商培训")],
        model_units=[ModelUnitFact("u1", "福州某公司", "commended", date(2026, 12, 1), 92.0)],
    )
    base.update(over)
    return base


def test_all_five_done():
    items = five_one_checklist(YEAR, **_facts())
    assert [i.kind for i in items] == list(FIVE_ONE)
    assert all(i.done for i in items), [i.summary for i in items]
    assert items[0].summary == "队伍成员3人，本年参加培训1人次"
    assert items[2].summary == "已开展1次，共3站"
    assert [r.entity for r in items[4].records] == ["model_unit"]


@pytest.mark.parametrize(
    ("over", "kind", "summary"),
    [
        (dict(members=[]), K.WORK_TEAM, "在册成员0人，至少需要3人"),
        (
            dict(trainings=[TrainingFact("t", "m0", date(2025, 12, 31), "去年")]),
            K.WORK_TEAM,
            "本年尚无成员参加培训的记录",
        ),
        (dict(activities=[]), K.EXPERT_LECTURE, "本年尚未举办专家讲座"),
        (
            dict(
                activities=[ActivityFact("a", K.PARK_TOUR, date(2026, 5, 1), "巡回", stop_count=1)]
            ),
            K.PARK_TOUR,
            "已记录的巡回活动只有1个站点，巡回宣讲至少需要2个站点",
        ),
        (
            dict(activities=[ActivityFact("a", K.OBSERVATION, date(2025, 6, 1), "去年")]),
            K.OBSERVATION,
            "本年尚未组织现场观摩学习",
        ),
        (
            dict(model_units=[ModelUnitFact("u", "某", "candidate", None, 80.0)]),
            K.MODEL_UNITS,
            "有1家候选单位，尚未表彰",
        ),
    ],
)
def test_what_is_missing_is_said(over, kind, summary):
    item = next(i for i in five_one_checklist(YEAR, **_facts(**over)) if i.kind == kind)
    assert not item.done
    assert item.summary == summary


def test_inactive_or_later_members_do_not_count():
    members = [
        MemberFact("m0", "甲", "r", True, date(2026, 1, 1)),
        MemberFact("m1", "乙", "r", False, date(2026, 1, 1)),
        MemberFact("m2", "丙", "r", True, date(2027, 1, 2)),
        MemberFact("m3", "丁", "r", True, None),
    ]
    item = five_one_checklist(YEAR, **_facts(members=members))[0]
    assert not item.done and item.summary.startswith("在册成员2人")


def test_model_unit_scores():
    full = {i.code: i.max_score for i in CREATION_INDICATORS}
    assert MAX_TOTAL == 100
    assert assess_model_unit(full).eligible
    low = dict(full, labor_contract=0)
    assert assess_model_unit(low).total == 85 and assess_model_unit(low).eligible
    lower = dict(full, labor_contract=0, care_culture=4)
    assert (
        assess_model_unit(lower).total < COMMEND_THRESHOLD and not assess_model_unit(lower).eligible
    )
    assert not assess_model_unit(full, ["欠薪风险等级为“高”"]).eligible
    bad = dict(full, wage_payment=16)
    del bad["care_culture"]
    assert assess_model_unit(bad).problems == [
        "“工资按时足额支付、无拖欠”的得分应在0到15分之间",
        "“人文关怀和企业文化建设”尚未评分",
    ]


# ------------------------------------------------------------------ services against the store


def lecture(**kw) -> ActivityInput:
    base = dict(
        kind=K.EXPERT_LECTURE,
        title="劳动合同法专题讲座",
        held_on=date(2026, 4, 18),
        place="鼓东街道社区服务中心",
        organiser="鼓东街道劳动关系服务站",
        participant_count=86,
        speaker="福建某律师事务所 郑律师",
        summary="讲解劳动合同订立与解除",
    )
    base.update(kw)
    return ActivityInput(**base)


def test_activity_with_stops_enterprises_and_photos(store):
    with store.unit_of_work() as s:
        a = fx.enterprise(s, "福州软件园某科技有限公司", "SOFTPARK")
        b = fx.enterprise(s, "福州洪山园某电子有限公司", "HSPARK")
    tour = ActivityInput(
        kind=K.PARK_TOUR,
        title="和谐劳动关系宣讲进园区",
        held_on=date(2026, 5, 10),
        ended_on=date(2026, 5, 20),
        organiser="鼓东街道劳动关系服务站",
        materials_count=400,
        tags=["宪法宣传周"],
        enterprises=[(a.id, "宣讲企业"), (b.id, "宣讲企业")],
        stops=[
            StopInput(date(2026, 5, 10), "福州软件园", 120),
            StopInput(date(2026, 5, 20), "高新区洪山园", 90),
        ],
        attachments=[NewAttachment("现场1.png", b"\x89PNG\r\n\x1a\n photo")],
    )
    activity_id = save_activity(store, tour, today=TODAY)
    detail = get_activity(store, activity_id)
    assert detail.data.stops == tour.stops
    assert detail.enterprise_names == {a.id: a.name, b.id: b.name}
    with store.read() as s:
        att, content = attachment_content(s, detail.attachments[0].id)
        assert content == b"\x89PNG\r\n\x1a\n photo" and att.mime_type == "image/png"
    # edit: one stop less, one enterprise less, photo removed
    edit = ActivityInput(
        **{
            **tour.__dict__,
            "stops": tour.stops[:1],
            "enterprises": tour.enterprises[:1],
            "attachments": [],
            "removed_attachment_ids": [detail.attachments[0].id],
        }
    )
    save_activity(
        store, edit, activity_id=activity_id, expected_version=detail.version, today=TODAY
    )
    again = get_activity(store, activity_id)
    assert again.data.stops == tour.stops[:1]
    assert list(again.enterprise_names) == [a.id]
    assert again.attachments == []
    rows = list_activities(store, year=2026)
    assert [(r.title, r.stop_count, r.enterprise_count) for r in rows] == [
        ("和谐劳动关系宣讲进园区", 1, 1)
    ]
    delete_activity(store, activity_id)
    assert list_activities(store, year=2026) == []
    with store.read() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(ActivityStop)
                .where(ActivityStop.deleted.is_(False))
            )
            == 0
        )
        assert (
            s.scalar(
                select(func.count()).select_from(Attachment).where(Attachment.deleted.is_(False))
            )
            == 0
        )


def test_bad_activity_input(store):
    data = lecture(
        title=" ",
        held_on=date(2026, 11, 21),
        speaker="",
        participant_count=-1,
        stops=[StopInput(date(2026, 1, 1), "某园区")],
    )
    with pytest.raises(InvalidInput) as info:
        save_activity(store, data, today=TODAY)
    assert [p.key for p in info.value.problems] == [
        "title",
        "held_on",
        "participant_count",
        "speaker",
        "stops",
        "stop:1",
    ]
    assert list_activities(store) == []


def _year_records(store):
    """Four of the five for 2026: no on-site observation."""
    ids = [
        team.save_member(
            store, team.MemberInput(name, role, joined_on=date(2025, 3, 1)), today=TODAY
        )
        for name, role in (
            ("林服务", TeamRole.SERVICE_STAFF),
            ("陈监察", TeamRole.INSPECTOR),
            ("黄调解", TeamRole.MEDIATOR),
        )
    ]
    team.add_training(
        store,
        team.TrainingInput(ids[:2], date(2026, 6, 5), "集体协商能力培训", 6, "区总工会"),
        today=TODAY,
    )
    save_activity(store, lecture(), today=TODAY)
    save_activity(
        store,
        ActivityInput(
            kind=K.PARK_TOUR,
            title="宣讲进园区",
            held_on=date(2026, 5, 10),
            stops=[
                StopInput(date(2026, 5, 10), "福州软件园"),
                StopInput(date(2026, 5, 12), "高新区洪山园"),
            ],
        ),
        today=TODAY,
    )
    with store.unit_of_work() as s:
        firm = fx.enterprise(s, "福州榕城和谐科技有限公司")
    full = {i.code: i.max_score for i in CREATION_INDICATORS}
    unit = model_units.score_unit(store, firm.id, YEAR, dict(full, care_culture=3), today=TODAY)
    model_units.commend_unit(store, unit, date(2026, 11, 10), today=TODAY)
    return firm


def test_annual_checklist_four_of_five(store):
    _year_records(store)
    items = annual_checklist(store, YEAR)
    assert [(i.kind, i.done) for i in items] == [
        (K.WORK_TEAM, True),
        (K.EXPERT_LECTURE, True),
        (K.PARK_TOUR, True),
        (K.OBSERVATION, False),
        (K.MODEL_UNITS, True),
    ]
    assert done_count(items) == 4
    team_item = items[0]
    assert team_item.summary == "队伍成员3人，本年参加培训2人次"
    assert {r.entity for r in team_item.records} == {"team_member", "team_training"}
    assert items[4].records[0].text == "福州榕城和谐科技有限公司（已表彰，98分）"
    assert done_count(annual_checklist(store, 2025)) == 0
    save_activity(
        store,
        ActivityInput(kind=K.OBSERVATION, title="观摩", held_on=date(2026, 9, 9), place="某企业"),
        today=TODAY,
    )
    assert done_count(annual_checklist(store, YEAR)) == 5


def test_team_members_and_trainings(store):
    member = team.save_member(
        store, team.MemberInput("林服务", TeamRole.SERVICE_STAFF, phone="13800001111"), today=TODAY
    )
    with pytest.raises(InvalidInput, match="手机号码应为11位"):
        team.save_member(
            store, team.MemberInput("某", TeamRole.INSPECTOR, phone="1380000"), today=TODAY
        )
    with pytest.raises(InvalidInput) as info:
        team.add_training(store, team.TrainingInput([], date(2026, 12, 1), "", 0), today=TODAY)
    assert [p.key for p in info.value.problems] == ["members", "title", "trained_on", "hours"]
    team.add_training(
        store, team.TrainingInput([member], date(2026, 3, 3), "调解技巧", 4.5), today=TODAY
    )
    rows = team.list_members(store)
    assert (rows[0].training_count, rows[0].training_hours, rows[0].phone) == (
        1,
        4.5,
        "13800001111",
    )
    team.save_member(
        store,
        team.MemberInput("林服务", TeamRole.SERVICE_STAFF, active=False),
        member_id=member,
        expected_version=rows[0].version,
        today=TODAY,
    )
    assert team.list_members(store, include_inactive=False) == []
    assert [t.title for t in team.list_trainings(store, year=2026)] == ["调解技巧"]


def test_model_unit_commendation_needs_score_and_no_veto(store):
    with store.unit_of_work() as s:
        firm = fx.enterprise(s, "福州某餐饮有限公司")
    full = {i.code: i.max_score for i in CREATION_INDICATORS}
    low = model_units.score_unit(
        store, firm.id, YEAR, dict(full, labor_contract=0, wage_payment=5), today=TODAY
    )
    with pytest.raises(InvalidInput, match="未达到85分的表彰标准"):
        model_units.commend_unit(store, low, date(2026, 11, 1), today=TODAY)
    same = model_units.score_unit(store, firm.id, YEAR, full, today=TODAY)
    assert same == low  # one record per enterprise and year, rescored
    credit.add_credit_note(
        store, firm.id, CreditNoteKind.UNTRUSTWORTHY, date(2026, 7, 1), "拖欠工资", today=TODAY
    )
    with pytest.raises(InvalidInput, match="有失信记录且未修复"):
        model_units.commend_unit(store, same, date(2026, 11, 1), today=TODAY)
    credit.add_credit_note(
        store, firm.id, CreditNoteKind.REPAIRED, date(2026, 8, 1), "已补发", today=TODAY
    )
    model_units.commend_unit(store, same, date(2026, 11, 1), today=TODAY)
    [row] = model_units.list_units(store, YEAR, today=TODAY)
    assert (row.status, row.total, row.commended_on) == (
        ModelUnitStatus.COMMENDED,
        100,
        date(2026, 11, 1),
    )
    with pytest.raises(InvalidInput, match="已表彰的单位不能再修改评分"):
        model_units.score_unit(store, firm.id, YEAR, full, today=TODAY)
