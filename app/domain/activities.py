"""The creation activities (创建活动): the annual five "one" checklist and model-unit scoring.

Plain Python. :func:`five_one_checklist` decides, for one station and year, which of the five
"one" (五个一) are done and which records prove it; :data:`CREATION_INDICATORS` and
:func:`assess_model_unit` score an enterprise proposed as a model harmonious unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from app.domain.enums import FIVE_ONE, ActivityKind, LabeledEnum

# ====================================================================== the five "one"

#: A "team" needs at least this many active members at the end of the year.
MIN_TEAM_MEMBERS = 3
#: A touring campaign (巡回) goes to at least this many parks or sites.
MIN_TOUR_STOPS = 2

#: Short names of the five for tables and charts.
FIVE_ONE_SHORT = {
    ActivityKind.WORK_TEAM: "工作队伍",
    ActivityKind.EXPERT_LECTURE: "专家讲座",
    ActivityKind.PARK_TOUR: "园区巡回宣讲",
    ActivityKind.OBSERVATION: "现场观摩",
    ActivityKind.MODEL_UNITS: "和谐单位典型",
}


@dataclass(frozen=True)
class RecordRef:
    """A record that proves (or is part of) an item: ``entity`` is the table name."""

    entity: str
    id: str
    on: date | None
    text: str


@dataclass(frozen=True)
class ActivityFact:
    id: str
    kind: ActivityKind
    held_on: date
    title: str
    stop_count: int = 0


@dataclass(frozen=True)
class MemberFact:
    id: str
    name: str
    role_label: str
    active: bool
    joined_on: date | None


@dataclass(frozen=True)
class TrainingFact:
    id: str
    member_id: str
    trained_on: date
    title: str


@dataclass(frozen=True)
class ModelUnitFact:
    id: str
    enterprise_name: str
    status: str
    commended_on: date | None
    total_score: float | None


@dataclass
class FiveOneItem:
    kind: ActivityKind
    done: bool
    #: one Chinese sentence: what was found, or what is missing
    summary: str
    records: list[RecordRef] = field(default_factory=list)

    @property
    def short(self) -> str:
        return FIVE_ONE_SHORT[self.kind]


def five_one_checklist(
    year: int,
    *,
    activities: Sequence[ActivityFact],
    members: Sequence[MemberFact],
    trainings: Sequence[TrainingFact],
    model_units: Sequence[ModelUnitFact],
) -> list[FiveOneItem]:
    """The five "one" of ``year``, in the plan's order, each done or not with its records.

    * work team: at least :data:`MIN_TEAM_MEMBERS` active members who joined by the end of the
      year, and at least one training attended by a member during the year;
    * expert lecture: an expert-lecture activity held in the year;
    * park tour: a touring-publicity activity in the year with at least :data:`MIN_TOUR_STOPS`
      stops recorded;
    * on-site observation: an observation-visit activity held in the year;
    * model units: at least one enterprise commended as a model unit for the year.
    """
    year_end = date(year, 12, 31)
    in_year = [a for a in activities if a.held_on.year == year]
    by_kind: dict[ActivityKind, list[ActivityFact]] = {k: [] for k in ActivityKind}
    for a in sorted(in_year, key=lambda a: a.held_on):
        by_kind[ActivityKind(a.kind)].append(a)

    def refs(items: Sequence[ActivityFact]) -> list[RecordRef]:
        return [RecordRef("activity", a.id, a.held_on, a.title) for a in items]

    result: list[FiveOneItem] = []

    # (1) the work team
    team = [m for m in members if m.active and (m.joined_on is None or m.joined_on <= year_end)]
    year_trainings = sorted(
        (t for t in trainings if t.trained_on.year == year), key=lambda t: t.trained_on
    )
    team_ok = len(team) >= MIN_TEAM_MEMBERS and bool(year_trainings)
    if team_ok:
        summary = f"队伍成员{len(team)}人，本年参加培训{len(year_trainings)}人次"
    else:
        missing = []
        if len(team) < MIN_TEAM_MEMBERS:
            missing.append(f"在册成员{len(team)}人，至少需要{MIN_TEAM_MEMBERS}人")
        if not year_trainings:
            missing.append("本年尚无成员参加培训的记录")
        summary = "；".join(missing)
    records = [
        RecordRef("team_member", m.id, m.joined_on, f"{m.name}（{m.role_label}）") for m in team
    ]
    records += [RecordRef("team_training", t.id, t.trained_on, t.title) for t in year_trainings]
    records += refs(by_kind[ActivityKind.WORK_TEAM])
    result.append(FiveOneItem(ActivityKind.WORK_TEAM, team_ok, summary, records))

    # (2) the expert lecture
    lectures = by_kind[ActivityKind.EXPERT_LECTURE]
    result.append(
        FiveOneItem(
            ActivityKind.EXPERT_LECTURE,
            bool(lectures),
            f"已举办{len(lectures)}场" if lectures else "本年尚未举办专家讲座",
            refs(lectures),
        )
    )

    # (3) the touring publicity campaign into the parks
    tours = by_kind[ActivityKind.PARK_TOUR]
    full_tours = [a for a in tours if a.stop_count >= MIN_TOUR_STOPS]
    if full_tours:
        summary = f"已开展{len(full_tours)}次，共{sum(a.stop_count for a in full_tours)}站"
    elif tours:
        summary = (
            f"已记录的巡回活动只有{max(a.stop_count for a in tours)}个站点，"
            f"巡回宣讲至少需要{MIN_TOUR_STOPS}个站点"
        )
    else:
        summary = "本年尚未开展进园区巡回宣讲"
    result.append(FiveOneItem(ActivityKind.PARK_TOUR, bool(full_tours), summary, refs(tours)))

    # (4) the on-site observation visit
    visits = by_kind[ActivityKind.OBSERVATION]
    result.append(
        FiveOneItem(
            ActivityKind.OBSERVATION,
            bool(visits),
            f"已组织{len(visits)}次" if visits else "本年尚未组织现场观摩学习",
            refs(visits),
        )
    )

    # (5) model harmonious units
    commended = [u for u in model_units if u.status == ModelUnitStatus.COMMENDED]
    candidates = [u for u in model_units if u.status == ModelUnitStatus.CANDIDATE]
    if commended:
        summary = f"已表彰{len(commended)}家"
    elif candidates:
        summary = f"有{len(candidates)}家候选单位，尚未表彰"
    else:
        summary = "本年尚未推荐和谐劳动关系单位"
    unit_records = [
        RecordRef(
            "model_unit",
            u.id,
            u.commended_on,
            f"{u.enterprise_name}（{ModelUnitStatus(u.status).label}"
            + (f"，{u.total_score:g}分）" if u.total_score is not None else "）"),
        )
        for u in [*commended, *candidates]
    ]
    unit_records += refs(by_kind[ActivityKind.MODEL_UNITS])
    result.append(FiveOneItem(ActivityKind.MODEL_UNITS, bool(commended), summary, unit_records))

    assert [r.kind for r in result] == list(FIVE_ONE)
    return result


# ====================================================================== model units


class ModelUnitStatus(LabeledEnum):
    CANDIDATE = ("candidate", "候选")
    COMMENDED = ("commended", "已表彰")
    NOT_SELECTED = ("not_selected", "未入选")


@dataclass(frozen=True)
class CreationIndicator:
    code: str
    label: str
    max_score: int


#: The creation indicators (创建活动指标) an enterprise is scored against, out of 100. They follow
#: the usual evaluation of harmonious labor-relations enterprises; the district may revise them.
CREATION_INDICATORS: tuple[CreationIndicator, ...] = (
    CreationIndicator("labor_contract", "依法订立和履行劳动合同", 15),
    CreationIndicator("wage_payment", "工资按时足额支付、无拖欠", 15),
    CreationIndicator("social_insurance", "依法参加社会保险并足额缴费", 15),
    CreationIndicator("hours_rest", "工作时间和休息休假符合规定", 10),
    CreationIndicator("union_democracy", "建立工会，实行职代会、厂务公开等民主管理", 10),
    CreationIndicator("collective_contract", "开展集体协商，签订集体合同", 10),
    CreationIndicator("dispute_prevention", "建立调解组织，未发生群体性劳动争议", 10),
    CreationIndicator("safety_health", "劳动安全卫生和女职工特殊保护", 10),
    CreationIndicator("care_culture", "人文关怀和企业文化建设", 5),
)
INDICATOR_BY_CODE = {i.code: i for i in CREATION_INDICATORS}
MAX_TOTAL = sum(i.max_score for i in CREATION_INDICATORS)
#: An enterprise scoring at least this much, with no veto, may be commended.
COMMEND_THRESHOLD = 85


@dataclass
class ModelUnitAssessment:
    total: float
    #: what is wrong with the scores themselves (the form shows these next to the fields)
    problems: list[str]
    #: one-vote vetoes (一票否决) that bar commendation whatever the score
    vetoes: list[str]

    @property
    def eligible(self) -> bool:
        return not self.problems and not self.vetoes and self.total >= COMMEND_THRESHOLD


def assess_model_unit(
    scores: Mapping[str, float | None], vetoes: Sequence[str] = ()
) -> ModelUnitAssessment:
    """Check the scores (every indicator scored, each between 0 and its maximum) and total them."""
    problems: list[str] = []
    total = 0.0
    for indicator in CREATION_INDICATORS:
        value = scores.get(indicator.code)
        if value is None:
            problems.append(f"“{indicator.label}”尚未评分")
            continue
        if not 0 <= float(value) <= indicator.max_score:
            problems.append(f"“{indicator.label}”的得分应在0到{indicator.max_score}分之间")
            continue
        total += float(value)
    unknown = sorted(set(scores) - set(INDICATOR_BY_CODE))
    if unknown:
        problems.append("未知的评分指标：" + "、".join(unknown))
    return ModelUnitAssessment(round(total, 1), problems, list(vetoes))
