"""Enumerations of the domain, each value with its Chinese label (``.label``)."""

from __future__ import annotations

from enum import StrEnum


class LabeledEnum(StrEnum):
    """A string enum whose members carry a Chinese label: ``Member = ("value", "标签")``."""

    label: str

    def __new__(cls, value: str, label: str = ""):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        return obj

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def from_label(cls, label: str):
        for m in cls:
            if m.label == label:
                return m
        raise ValueError(label)


class Role(LabeledEnum):
    STATION_ADMIN = ("station_admin", "站点管理员")
    MEDIATOR = ("mediator", "调解员")
    READ_ONLY = ("read_only", "只读用户")


class Sex(LabeledEnum):
    MALE = ("M", "男")
    FEMALE = ("F", "女")


class EnterpriseSize(LabeledEnum):
    MICRO = ("micro", "微型")
    SMALL = ("small", "小型")
    MEDIUM = ("medium", "中型")
    LARGE = ("large", "大型")


class RiskLevel(LabeledEnum):
    NONE = ("none", "无风险")
    LOW = ("low", "低")
    MEDIUM = ("medium", "中")
    HIGH = ("high", "高")


class CaseStatus(LabeledEnum):
    REGISTERED = ("registered", "已登记")
    ACCEPTED = ("accepted", "已受理")
    DECLINED = ("declined", "不予受理")
    IN_MEDIATION = ("in_mediation", "调解中")
    AGREEMENT_REACHED = ("agreement_reached", "达成协议")
    FAILED = ("failed", "调解不成")
    WITHDRAWN = ("withdrawn", "申请人撤回")
    PERFORMING = ("performing", "履行跟踪")
    CLOSED = ("closed", "已结案")
    ARCHIVED = ("archived", "已归档")
    #: sent to another station (移交): the case continues there under its own number
    TRANSFERRED = ("transferred", "已移交")


class FailureReason(LabeledEnum):
    NO_AGREEMENT = ("no_agreement", "未能达成协议")
    TIME_RAN_OUT = ("time_ran_out", "逾期未达成协议")
    PARTY_REFUSED = ("party_refused", "一方拒绝调解")


class EmploymentStatus(LabeledEnum):
    """The employment relationship at intake: it decides which rule of Art. 27 applies."""

    ONGOING = ("ongoing", "劳动关系存续")
    ENDED = ("ended", "已解除或终止")
    UNKNOWN = ("unknown", "不清楚")


class DeclineCategory(LabeledEnum):
    """Why an application for mediation is declined; each has its own route (see
    ``app.domain.decline``)."""

    NOT_LABOR_DISPUTE = ("not_labor_dispute", "不属于劳动争议")
    PENDING_ELSEWHERE = ("pending_elsewhere", "已由仲裁委员会或人民法院受理")
    RESPONDENT_REFUSED = ("respondent_refused", "被申请人不同意调解")
    OUT_OF_SCOPE = ("out_of_scope", "不属于本调解组织受理范围")


class PartyRole(LabeledEnum):
    APPLICANT = ("applicant", "申请人")
    RESPONDENT = ("respondent", "被申请人")
    GENERAL_CONTRACTOR = ("general_contractor", "施工总承包单位")
    SUBCONTRACTOR = ("subcontractor", "分包单位")
    #: the host employer of a dispatched worker (用工单位), a joint party (调解仲裁法 Art. 22)
    HOST_EMPLOYER = ("host_employer", "用工单位")
    APPLICANT_AGENT = ("applicant_agent", "申请人委托代理人")
    RESPONDENT_AGENT = ("respondent_agent", "被申请人委托代理人")


class TermKind(LabeledEnum):
    PAYMENT = ("payment", "付款")
    OBLIGATION = ("obligation", "其他义务")


class SignCapacity(LabeledEnum):
    """In what capacity someone signed the agreement for a party (recorded at signing)."""

    SELF = ("self", "本人")
    LEGAL_REP = ("legal_rep", "法定代表人")
    PRINCIPAL = ("principal", "主要负责人")
    AGENT_SPECIAL = ("agent_special", "委托代理人（特别授权）")
    AGENT_GENERAL = ("agent_general", "委托代理人（一般授权）")


class AgreementStatus(LabeledEnum):
    DRAFT = ("draft", "草稿")
    SIGNED = ("signed", "已签署")
    SUPERSEDED = ("superseded", "已被新版本取代")


class FindingStatus(LabeledEnum):
    OPEN = ("open", "待整改")
    RECTIFYING = ("rectifying", "整改中")
    RECTIFIED = ("rectified", "已整改")
    ESCALATED = ("escalated", "移交劳动监察")


class CreditNoteKind(LabeledEnum):
    TRUSTWORTHY = ("trustworthy", "守信")
    UNTRUSTWORTHY = ("untrustworthy", "失信")
    REPAIRED = ("repaired", "信用修复")


class ActivityKind(LabeledEnum):
    # The five "one" of the creation activities (五个一).
    WORK_TEAM = ("work_team", "培育一支劳动关系工作队伍")
    EXPERT_LECTURE = ("expert_lecture", "一场专家讲座")
    PARK_TOUR = ("park_tour", "一次进工业园区巡回宣讲")
    OBSERVATION = ("observation", "一次现场观摩学习")
    MODEL_UNITS = ("model_units", "树立一批和谐劳动关系单位典型")
    # Other activities of the plan.
    PUBLICITY = ("publicity", "普法宣传活动")
    COLLECTIVE_NEGOTIATION = ("collective_negotiation", "集体协商（要约行动月）")
    TRAINING = ("training", "培训")
    PARTY_BUILDING = ("party_building", "党建活动")

    @property
    def is_five_one(self) -> bool:
        return self in FIVE_ONE


FIVE_ONE = (
    ActivityKind.WORK_TEAM,
    ActivityKind.EXPERT_LECTURE,
    ActivityKind.PARK_TOUR,
    ActivityKind.OBSERVATION,
    ActivityKind.MODEL_UNITS,
)


class TeamRole(LabeledEnum):
    SERVICE_STAFF = ("service_staff", "劳动关系服务员")
    INSPECTOR = ("inspector", "劳动保障监察员")
    ARBITRATOR = ("arbitrator", "劳动争议仲裁员")
    MEDIATOR = ("mediator", "劳动争议调解员")


class ChangeOp(LabeledEnum):
    INSERT = ("insert", "新增")
    UPDATE = ("update", "修改")
    DELETE = ("delete", "删除")
