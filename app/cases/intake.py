"""Registering a case (立案登记): validate the intake form, number the case, write it in one transaction.

The form follows the paper application (调解申请书): when and how it came in, the applicants
(workers), the respondent (employer), for construction wage cases the project, the general
contractor and the subcontractor (保障农民工工资支付条例 Art. 30), the claims by dispute type with
amounts, the facts and requests, agents. Ten or more workers with a common claim make a collective
case with elected representatives (调解仲裁法 Art. 7). An oral application needs the on-the-spot
record of Art. 12 (applicant's details, matters in dispute, reasons, time).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.enterprises import EnterpriseInput, make_enterprise, validate_enterprise
from app.cases.errors import Problems
from app.cases.numbering import next_case_number
from app.cases.risk import refresh_respondent_risk
from app.domain import amounts, reference
from app.domain.case_workflow import CaseFacts, TransitionInput, TransitionRefused, check_transition
from app.domain.dates import cn_datetime
from app.domain.deadlines import fmt
from app.domain.enums import CaseStatus, EmploymentStatus, PartyRole, Sex
from app.domain.identity import IdDocType, check_identity
from app.domain.validators import check_id_number, check_phone
from app.store.models import (
    CaseClaim,
    CaseParty,
    DisputeCase,
    Enterprise,
    Person,
    UserAccount,
    utcnow,
)

log = logging.getLogger(__name__)

COLLECTIVE_MIN_WORKERS = 10
MAX_AMOUNT = Decimal("100000000")
AUTHORITIES = ("一般授权", "特别授权")
#: channels whose referral carries a reference number (警情号, 工单号, 信访件编号 …)
REFERRAL_CHANNELS = frozenset({"police_110", "hotline_12345", "petition", "labor_inspection"})


@dataclass
class WorkerInput:
    name: str = ""
    id_number: str = ""
    #: the document of ``id_number`` (app.domain.identity.IdDocType); empty: resident ID card
    id_type: str = ""
    #: left empty: taken from the ID number; given: must agree with it
    sex: Sex | None = None
    phone: str = ""
    address: str = ""
    job: str = ""
    hukou: str = ""
    is_representative: bool = False


@dataclass
class ClaimInput:
    dispute_type: str = ""
    amount: Decimal | str | None = None
    description: str = ""


@dataclass
class AgentInput:
    #: "applicant" or "respondent"
    side: str = "applicant"
    name: str = ""
    phone: str = ""
    organisation: str = ""
    id_number: str = ""
    authority: str = "一般授权"
    #: for an applicant's agent: index of the worker it acts for (None: all applicants)
    for_worker: int | None = None


@dataclass
class EnterpriseChoice:
    """An enterprise from the roster (``enterprise_id``) or a new one (``new``)."""

    enterprise_id: str | None = None
    new: EnterpriseInput | None = None

    @property
    def empty(self) -> bool:
        return not self.enterprise_id and not (self.new and (self.new.name or "").strip())


@dataclass
class IntakeForm:
    received_on: date | None = None
    channel: str = "walk_in"
    channel_ref: str = ""
    oral: bool = False
    oral_record: str = ""
    workers: list[WorkerInput] = field(default_factory=list)
    #: the employer; in a construction case, the subcontractor that employed the workers
    respondent: EnterpriseChoice = field(default_factory=EnterpriseChoice)
    is_construction: bool = False
    project_name: str = ""
    general_contractor: EnterpriseChoice = field(default_factory=EnterpriseChoice)
    claims: list[ClaimInput] = field(default_factory=list)
    facts: str = ""
    requests: str = ""
    is_migrant_worker: bool = False
    #: required: 劳动关系存续 / 已解除或终止 (with the day) / 不清楚 (Art. 27 depends on it)
    employment_status: EmploymentStatus | str | None = None
    employment_ended_on: date | None = None
    infringement_known_on: date | None = None
    agents: list[AgentInput] = field(default_factory=list)
    #: the 110 incident number (接处警编号) when the police were called, whatever the channel
    police_incident_no: str = ""
    #: "worker" (default) or "employer": the employer applied against the workers (Art. 12)
    applicant_side: str = "worker"
    #: labor dispatch (劳务派遣): ``respondent`` is the dispatch agency (the employer), and the
    #: host employer (用工单位) is a joint party (调解仲裁法 Art. 22)
    is_dispatch: bool = False
    host_employer: EnterpriseChoice = field(default_factory=EnterpriseChoice)
    mediator_id: str | None = None
    co_mediators: str = ""
    #: accept the case on the spot (受理) once registered
    accept_now: bool = False


@dataclass(frozen=True)
class Registered:
    case_id: str
    case_no: str


# amounts typed by users are parsed by the domain's one parser (refuses "1,2,3", "nan", "1e5",
# negative numbers and more than two decimals, with a message); re-exported for the case services
parse_amount = amounts.parse_amount


def worker_label(index: int) -> str:
    return f"申请人{index + 1}"


def oral_record_template(form: IntakeForm, recorder: str, now: datetime) -> str:
    """A first draft of the Art. 12 on-the-spot record from what the form already holds."""
    lines = []
    for i, w in enumerate(form.workers):
        parsed = check_id_number(w.id_number) if w.id_number else None
        born = fmt(parsed.birth_date) if parsed and parsed.ok else "（未核实）"
        sex = parsed.sex if parsed and parsed.ok else (w.sex.label if w.sex else "")
        lines.append(
            f"申请人{i + 1}：{w.name}，{sex}，出生日期{born}，身份证号{w.id_number}，"
            f"住址{w.address or '（未提供）'}，联系电话{w.phone or '（未提供）'}。"
        )
    matters = "、".join(
        reference.dispute_type_name(c.dispute_type) for c in form.claims if c.dispute_type
    )
    lines.append(f"申请调解的争议事项：{matters or '（待补充）'}。")
    lines.append(f"理由：{form.facts or '（待补充）'}")
    lines.append(f"申请时间：{cn_datetime(now)}，以口头方式提出，由{recorder}当场记录。")
    return "\n".join(lines)


def _check_dates(form: IntakeForm, today: date, problems: Problems) -> None:
    if form.received_on is None:
        problems.add("received_on", "收到申请日期", "不能为空")
        return
    if form.received_on > today:
        problems.add("received_on", "收到申请日期", f"{fmt(form.received_on)}晚于今天")
    if form.employment_ended_on and form.employment_ended_on > today:
        problems.add("employment_ended_on", "劳动关系解除或终止日期", "不能晚于今天")
    if form.infringement_known_on and form.infringement_known_on > form.received_on:
        problems.add("infringement_known_on", "知道权利被侵害之日", "不能晚于收到调解申请之日")


def check_employment(
    status, ended_on: date | None, problems: Problems
) -> tuple[EmploymentStatus | None, date | None]:
    """The employment status is required; an end date goes with "已解除或终止" and only with it."""
    try:
        value = EmploymentStatus(status) if status else None
    except ValueError:
        value = None
    if value is None:
        problems.add(
            "employment_status",
            "劳动关系状态",
            "请选择劳动关系存续、已解除或终止、或不清楚（决定仲裁时效的计算，调解仲裁法第二十七条）",
        )
        return None, ended_on
    if value == EmploymentStatus.ENDED:
        if ended_on is None:
            problems.add(
                "employment_ended_on",
                "劳动关系解除或终止日期",
                "劳动关系已解除或终止的，请填写日期",
            )
        return value, ended_on
    return value, None


#: claims that presuppose the relationship has ended (经济补偿/赔偿金, 解除或终止劳动合同)
ENDING_CLAIMS = frozenset({"compensation", "termination"})


def employment_warnings(status, claim_types) -> list[str]:
    """Warnings (not errors) about the employment status against the claims recorded."""
    if not status or EmploymentStatus(status) != EmploymentStatus.ONGOING:
        return []
    ending = [t for t in dict.fromkeys(claim_types) if t in ENDING_CLAIMS]
    if not ending:
        return []
    names = "、".join(reference.dispute_type_name(t) for t in ending)
    return [
        f"登记为“劳动关系存续”，但请求事项有{names}：这类请求通常以劳动关系已解除或终止为前提。"
        "请核实劳动关系状态；如已解除或终止，请改为“已解除或终止”并填写日期，"
        "否则通知书会按劳动关系存续告知时效"
    ]


def check_worker(
    w: WorkerInput, today: date, problems: Problems, *, key: str = "", label: str = ""
) -> dict:
    """One worker's own fields, checked as at intake; ``key``/``label`` prefix the problems.

    Returns the clean values (``birth_date`` and ``sex`` only when the ID number is valid).
    """

    def at(name: str) -> str:
        return f"{key}.{name}" if key else name

    values: dict = {"name": (w.name or "").strip()}
    if not values["name"]:
        problems.add(at("name"), f"{label}姓名", "不能为空")
    elif len(values["name"]) > 60 or any(ch.isdigit() for ch in values["name"]):
        problems.add(at("name"), f"{label}姓名", "姓名不能含数字，且不超过60个字符")
    doc = IdDocType(w.id_type) if w.id_type in IdDocType._value2member_map_ else None
    result = check_identity(doc, w.id_number, today=today)
    values["id_number"] = result.value
    values["id_type"] = doc.value if doc and doc != IdDocType.RESIDENT_ID else None
    if w.id_type and doc is None:
        problems.add(at("id_type"), f"{label}证件类型", "请选择证件类型")
    elif not result.ok:
        problems.add(
            at("id_number"),
            f"{label}{'证件号码' if doc not in (None, IdDocType.RESIDENT_ID) else '身份证号'}",
            result.message,
        )
    elif result.birth_date is not None:
        values["birth_date"] = result.birth_date
        values["sex"] = Sex.from_label(result.sex)
        if w.sex is not None and Sex(w.sex) != values["sex"]:
            problems.add(at("sex"), f"{label}性别", f"与身份证号不符（身份证号显示为{result.sex}）")
    elif w.sex is not None:  # a document whose number says nothing of the person: as given
        values["sex"] = Sex(w.sex)
    if (w.phone or "").strip():
        phone = check_phone(w.phone)
        if not phone.ok:
            problems.add(at("phone"), f"{label}联系电话", phone.message)
        values["phone"] = phone.value
    else:
        values["phone"] = None
    values["address"] = (w.address or "").strip() or None
    values["job"] = (w.job or "").strip() or None
    values["hukou"] = (w.hukou or "").strip() or None
    values["is_representative"] = bool(w.is_representative)
    return values


def _check_workers(
    session: Session, form: IntakeForm, today: date, problems: Problems
) -> list[dict]:
    out: list[dict] = []
    if not form.workers:
        problems.add("workers", "申请人", "至少需要一名申请人（劳动者）")
        return out
    seen: dict[str, int] = {}
    for i, w in enumerate(form.workers):
        key, label = f"workers[{i}]", worker_label(i)
        values = check_worker(w, today, problems, key=key, label=label)
        if "birth_date" in values:
            if values["id_number"] in seen:
                problems.add(
                    f"{key}.id_number",
                    f"{label}身份证号",
                    f"与{worker_label(seen[values['id_number']])}的身份证号相同",
                )
            seen.setdefault(values["id_number"], i)
        out.append(values)
    if not any(v.get("phone") for v in out):
        problems.add("workers[0].phone", f"{worker_label(0)}联系电话", "至少一名申请人须留联系电话")
    # Art. 7: ten or more workers with a common claim *may* elect representatives; they need not.
    collective = len(form.workers) >= COLLECTIVE_MIN_WORKERS
    reps = sum(1 for v in out if v["is_representative"])
    if not collective and reps:
        problems.add(
            "workers",
            "申请人",
            f"劳动者一方不足{COLLECTIVE_MIN_WORKERS}人，不适用推举代表：请取消“代表”标记",
        )
    return out


def _check_choice(
    session: Session,
    choice: EnterpriseChoice,
    problems: Problems,
    *,
    key: str,
    label: str,
    is_admin: bool,
) -> Enterprise | dict | None:
    if choice.enterprise_id:
        e = session.get(Enterprise, choice.enterprise_id)
        if e is None or e.deleted:
            problems.add(key, label, "所选企业不存在或已被删除，请重新选择")
            return None
        return e
    if choice.new is not None and (choice.new.name or "").strip():
        return validate_enterprise(
            session, choice.new, problems, key=f"{key}.new", label=label, is_admin=is_admin
        )
    problems.add(key, label, "请从企业名录中选择，或新建企业")
    return None


def _check_claims(form: IntakeForm, problems: Problems) -> list[dict]:
    codes = {d.code for d in reference.dispute_types()}
    out = []
    if not form.claims:
        problems.add("claims", "请求事项", "至少需要一项请求事项（争议类型）")
    for i, c in enumerate(form.claims):
        key, label = f"claims[{i}]", f"请求事项{i + 1}"
        if c.dispute_type not in codes:
            problems.add(f"{key}.dispute_type", f"{label}争议类型", "请选择争议类型")
        try:
            amount = parse_amount(c.amount)
        except ValueError as exc:
            problems.add(f"{key}.amount", f"{label}金额", str(exc))
            amount = None
        else:
            if amount is not None and (amount < 0 or amount >= MAX_AMOUNT):
                problems.add(f"{key}.amount", f"{label}金额", "金额应在0至1亿元之间")
            elif amount is not None and amount != amount.quantize(Decimal("0.01")):
                problems.add(f"{key}.amount", f"{label}金额", "金额最多保留两位小数（分）")
        out.append(
            {
                "dispute_type": c.dispute_type,
                "amount": amount,
                "description": (c.description or "").strip() or None,
            }
        )
    return out


def check_agent_person(
    a: AgentInput, today: date, problems: Problems, *, key: str = "", label: str = ""
) -> dict:
    """An agent's own fields (name, organisation, authority, phone, ID number) as at intake."""

    def at(name: str) -> str:
        return f"{key}.{name}" if key else name

    values = {
        "name": (a.name or "").strip(),
        "organisation": (a.organisation or "").strip() or None,
        "authority": a.authority,
        "phone": None,
        "id_number": None,
    }
    if not values["name"]:
        problems.add(at("name"), f"{label}姓名", "不能为空")
    if a.authority not in AUTHORITIES:
        problems.add(at("authority"), f"{label}代理权限", "请选择一般授权或特别授权")
    if (a.phone or "").strip():
        phone = check_phone(a.phone)
        if not phone.ok:
            problems.add(at("phone"), f"{label}电话", phone.message)
        values["phone"] = phone.value
    if (a.id_number or "").strip():
        result = check_id_number(a.id_number, today=today)
        if not result.ok:
            problems.add(at("id_number"), f"{label}身份证号", result.message)
        values["id_number"] = result.value
        values["birth_date"] = result.birth_date
        values["sex"] = Sex.from_label(result.sex) if result.ok else None
    return values


def _check_agents(form: IntakeForm, today: date, problems: Problems) -> list[dict]:
    out = []
    for i, a in enumerate(form.agents):
        key, label = f"agents[{i}]", f"委托代理人{i + 1}"
        if a.side not in ("applicant", "respondent"):
            problems.add(f"{key}.side", f"{label}代理哪一方", "请选择申请人或被申请人")
        values = {"side": a.side, "for_worker": a.for_worker}
        values |= check_agent_person(a, today, problems, key=key, label=label)
        if (
            a.side == "applicant"
            and a.for_worker is not None
            and not (0 <= a.for_worker < len(form.workers))
        ):
            problems.add(f"{key}.for_worker", f"{label}被代理人", "所选申请人不存在")
        out.append(values)
    return out


def validate_intake(
    session: Session, form: IntakeForm, *, today: date, is_admin: bool
) -> tuple[Problems, dict]:
    """Every problem of the form at once (for the messages next to the fields) and the clean values."""
    problems = Problems()
    clean: dict = {}
    _check_dates(form, today, problems)
    clean["employment_status"], clean["employment_ended_on"] = check_employment(
        form.employment_status, form.employment_ended_on, problems
    )
    channels = {c.code for c in reference.intake_channels()}
    if form.channel not in channels:
        problems.add("channel", "来源渠道", "请选择来源渠道")
    if len((form.channel_ref or "").strip()) > 60:
        problems.add("channel_ref", "转办编号", "不能超过60个字符")
    incident = (form.police_incident_no or "").strip()
    if len(incident) > 60:
        problems.add("police_incident_no", "110接处警编号", "不能超过60个字符")
    elif incident and not all(ch.isalnum() or ch in "-_/（）()" for ch in incident):
        problems.add("police_incident_no", "110接处警编号", "只能包含数字、字母和连字符")
    if form.applicant_side not in ("worker", "employer"):
        problems.add("applicant_side", "申请方", "请选择劳动者申请或用人单位申请")
    if form.oral and not (form.oral_record or "").strip():
        problems.add(
            "oral_record",
            "口头申请记录",
            "口头申请的，应当场记录申请人基本情况、争议事项、理由和时间（调解仲裁法第十二条）",
        )
    clean["workers"] = _check_workers(session, form, today, problems)
    respondent_label = (
        "分包单位（用人单位）"
        if form.is_construction
        else "劳务派遣单位（用人单位）"
        if form.is_dispatch
        else "被申请人（用人单位）"
    )
    clean["respondent"] = _check_choice(
        session,
        form.respondent,
        problems,
        key="respondent",
        label=respondent_label,
        is_admin=is_admin,
    )
    clean["general_contractor"] = None
    if form.is_construction:
        if not (form.project_name or "").strip():
            problems.add("project_name", "工程项目名称", "建设工程欠薪案件须填写工程项目名称")
        clean["general_contractor"] = _check_choice(
            session,
            form.general_contractor,
            problems,
            key="general_contractor",
            label="施工总承包单位",
            is_admin=is_admin,
        )
        same = (
            form.respondent.enterprise_id
            and form.respondent.enterprise_id == form.general_contractor.enterprise_id
        )
        if same:
            problems.add(
                "general_contractor",
                "施工总承包单位",
                "与分包单位相同：总承包单位直接招用劳动者的，按一般案件登记，不勾选“建设工程欠薪”",
            )
    clean["host_employer"] = None
    if form.is_dispatch:
        if form.is_construction:
            problems.add(
                "is_dispatch", "劳务派遣", "建设工程欠薪案件与劳务派遣案件请分别登记，不能同时勾选"
            )
        clean["host_employer"] = _check_choice(
            session,
            form.host_employer,
            problems,
            key="host_employer",
            label="用工单位",
            is_admin=is_admin,
        )
        if (
            form.respondent.enterprise_id
            and form.respondent.enterprise_id == form.host_employer.enterprise_id
        ):
            problems.add(
                "host_employer", "用工单位", "与劳务派遣单位（用人单位）相同：请选择实际用工的单位"
            )
    clean["claims"] = _check_claims(form, problems)
    if not (form.facts or "").strip():
        problems.add("facts", "事实与理由", "不能为空")
    clean["agents"] = _check_agents(form, today, problems)
    if form.mediator_id:
        account = session.get(UserAccount, form.mediator_id)
        if account is None or not account.active:
            problems.add("mediator_id", "承办调解员", "所选调解员不存在或已停用")
    return problems, clean


def _person_for(session: Session, values: dict) -> Person:
    """Reuse the worker's record from an earlier case (same ID number), updated; or a new one."""
    person = None
    if values.get("id_number"):
        person = session.scalar(
            select(Person)
            .where(Person.id_number == values["id_number"], Person.deleted.is_(False))
            .order_by(Person.created_at)
            .limit(1)
        )
    fields = (
        "name",
        "id_number",
        "id_type",
        "sex",
        "birth_date",
        "phone",
        "address",
        "job",
        "hukou",
        "organisation",
    )
    if person is None:
        person = Person(**{k: values.get(k) for k in fields})
        session.add(person)
        return person
    for k in fields:
        if values.get(k) is not None and getattr(person, k) != values[k]:
            setattr(person, k, values[k])
    return person


def _enterprise_for(session: Session, chosen, street_code: str) -> Enterprise:
    if isinstance(chosen, Enterprise):
        return chosen
    enterprise = make_enterprise(chosen, street_code)
    session.add(enterprise)
    return enterprise


def register_case(store, form: IntakeForm, *, today: date | None = None) -> Registered:
    """Validate and register a case in one transaction; raises ``FormInvalid`` with every problem."""
    today = today or date.today()
    station = reference.station(store.station.code)
    with store.unit_of_work() as s:
        problems, clean = validate_intake(s, form, today=today, is_admin=store.user.is_admin)
        problems.raise_if_any()
        number = next_case_number(s, station.code, station.case_prefix, today.year)
        now = utcnow()
        workers = clean["workers"]
        case = DisputeCase(
            case_no=str(number),
            case_year=number.year,
            case_seq=number.seq,
            status=CaseStatus.REGISTERED,
            status_changed_at=now,
            intake_channel=form.channel,
            intake_ref=(form.channel_ref or "").strip() or None,
            oral_application=bool(form.oral),
            oral_record=(form.oral_record or "").strip() or None if form.oral else None,
            received_on=form.received_on,
            registered_at=now,
            is_collective=len(workers) >= COLLECTIVE_MIN_WORKERS,
            is_migrant_worker=bool(form.is_migrant_worker),
            is_construction=bool(form.is_construction),
            project_name=(form.project_name or "").strip() or None
            if form.is_construction
            else None,
            facts=form.facts.strip(),
            requests=(form.requests or "").strip() or None,
            mediator_id=form.mediator_id or store.user.id,
            co_mediators=(form.co_mediators or "").strip() or None,
            employment_status=clean["employment_status"],
            employment_ended_on=clean["employment_ended_on"],
            infringement_known_on=form.infringement_known_on,
            police_incident_no=(form.police_incident_no or "").strip() or None,
            applicant_side=form.applicant_side,
            is_dispatch=bool(form.is_dispatch) and not form.is_construction,
        )
        s.add(case)
        order = 0
        applicant_parties: list[CaseParty] = []
        for values in workers:
            person = _person_for(s, values)
            party = CaseParty(
                case_id=case.id,
                role=PartyRole.APPLICANT,
                person_id=person.id,
                is_representative=values["is_representative"],
                sort_order=order,
            )
            s.add(party)
            applicant_parties.append(party)
            order += 1
        respondent = _enterprise_for(s, clean["respondent"], station.code)
        case.respondent_id = respondent.id
        respondent_party = CaseParty(
            case_id=case.id,
            role=PartyRole.SUBCONTRACTOR if form.is_construction else PartyRole.RESPONDENT,
            enterprise_id=respondent.id,
            sort_order=order,
        )
        s.add(respondent_party)
        order += 1
        if form.is_construction:
            contractor = _enterprise_for(s, clean["general_contractor"], station.code)
            s.add(
                CaseParty(
                    case_id=case.id,
                    role=PartyRole.GENERAL_CONTRACTOR,
                    enterprise_id=contractor.id,
                    sort_order=order,
                )
            )
            order += 1
        if form.is_dispatch:
            host = _enterprise_for(s, clean["host_employer"], station.code)
            s.add(
                CaseParty(
                    case_id=case.id,
                    role=PartyRole.HOST_EMPLOYER,
                    enterprise_id=host.id,
                    sort_order=order,
                )
            )
            order += 1
        for values in clean["agents"]:
            person = _person_for(s, values)
            if values["side"] == "respondent":
                role, for_party = PartyRole.RESPONDENT_AGENT, respondent_party
            else:
                role = PartyRole.APPLICANT_AGENT
                index = values["for_worker"]
                for_party = applicant_parties[index] if index is not None else None
            s.add(
                CaseParty(
                    case_id=case.id,
                    role=role,
                    person_id=person.id,
                    agent_for_id=for_party.id if for_party else None,
                    authority=values["authority"],
                    sort_order=order,
                )
            )
            order += 1
        for values in clean["claims"]:
            s.add(CaseClaim(case_id=case.id, **values))
        if form.accept_now:
            facts = CaseFacts(
                status=CaseStatus.REGISTERED,
                received_on=form.received_on,
                applicants=len(workers),
                has_respondent=True,
            )
            try:
                check_transition(facts, CaseStatus.ACCEPTED, TransitionInput(on=today), today)
            except TransitionRefused as exc:  # pragma: no cover - the form was validated above
                from app.cases.errors import WorkflowRefused

                raise WorkflowRefused(exc.reason, exc.field) from exc
            case.status = CaseStatus.ACCEPTED
            case.accepted_on = today
        refresh_respondent_risk(s, case, today)
        case_id, case_no = case.id, case.case_no
    log.info("registered case %s (%d applicants)", case_id, len(workers))
    return Registered(case_id, case_no)
