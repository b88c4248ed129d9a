"""The printed documents of a mediation case (ReportLab, A4, CJK font embedded).

Kinds (``KINDS``):

* ``application``   劳动争议调解申请书, with the on-the-spot record of an oral application (Art. 12)
* ``register``      劳动争议调解案件登记表
* ``acceptance``    受理通知书 (to the applicant) and 参加调解通知书 (to the respondent);
                    for a declined case the 不予受理通知书
* ``session_record`` 调解笔录, one per session (or one chosen session)
* ``agreement``     调解协议书 (the signed version in force, a chosen version, or the draft)
* ``termination``   调解终止通知书, with the right to apply for arbitration and its time limit

Every renderer takes a :class:`DocumentContext` (plain data, no session), so documents can be
rendered in a background thread; :func:`load_context` reads it from the store.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer

from app.cases.agreements import agreement_content, party_content
from app.cases.arbitration import ArbitrationCommission, load_commission
from app.cases.detail import CaseDetail, load_case
from app.documents.agreement_parts import (
    followup_lines,
    schedule_block,
    schedule_payee,
    signature_record,
)
from app.documents.authorization import render_authorization
from app.documents.kinds import KINDS, DocumentKind, kind_by_name
from app.documents.layout import (
    TEXT_W,
    build_pdf,
    cn_date,
    grid,
    issued_by,
    money,
    para,
    paragraphs,
    rmb_upper,
    seal_block,
    signature_block,
    styles,
)
from app.domain.case_workflow import ACTIVE
from app.domain.deadlines import (
    Route,
    default_route,
    effective_due,
    fmt,
    review_deadline,
    term_item_name,
)
from app.domain.decline import acceptance_due, route_for
from app.domain.enums import (
    AgreementStatus,
    CaseStatus,
    EmploymentStatus,
    FailureReason,
    PartyRole,
)
from app.store.errors import StoreError

LAW = "《中华人民共和国劳动争议调解仲裁法》"


class DocumentUnavailable(StoreError):
    """The document does not apply to the case in its current state (message says why)."""


@dataclass
class DocumentContext:
    detail: CaseDetail
    organisation: str
    station_address: str | None = None
    station_phone: str | None = None
    today: date = field(default_factory=date.today)
    #: agreement id -> signed content (the snapshot), for signed and superseded versions
    signed: dict[str, dict] = field(default_factory=dict)
    #: the competent arbitration commission (a station setting), printed where a notice points to it
    commission: ArbitrationCommission = field(default_factory=ArbitrationCommission)


def load_context(store, case_id: str, *, today: date | None = None) -> DocumentContext:
    from sqlalchemy import select

    from app.cases.numbering import official_case_no
    from app.store.models import AgreementSnapshot

    station = store.station
    with store.read() as s:
        detail = load_case(s, case_id)
        # printed with full-width brackets (（2026）), also a number stored before they were used
        detail.case_no = official_case_no(detail.case_no)
        ids = [a.id for a in detail.agreements if a.status != AgreementStatus.DRAFT]
        signed = {}
        if ids:
            for snap in s.scalars(
                select(AgreementSnapshot).where(AgreementSnapshot.agreement_id.in_(ids))
            ):
                signed[snap.agreement_id] = json.loads(snap.content)
    return DocumentContext(
        detail=detail,
        organisation=station.organisation_name,
        station_address=station.address,
        station_phone=station.phone,
        today=today or date.today(),
        signed=signed,
        commission=load_commission(store),
    )


# ---------------------------------------------------------------- shared blocks


def _head(title: str, case_no: str | None, subtitle: str | None = None) -> list:
    st = styles()
    out = [para(title, st.title)]
    if subtitle:
        out.append(para(subtitle, st.subtitle))
    if case_no:
        out.append(para(case_no, st.number))
    out.append(Spacer(1, 3 * mm))
    return out


_ROLE_TITLES = {
    "respondent": "被申请人（用人单位）",
    "subcontractor": "被申请人（分包单位）",
    "general_contractor": "被申请人（施工总承包单位）",
    "host_employer": "被申请人（用工单位）",
}


def _role_title(r: dict, *, dispatch: bool = False, employer_applied: bool = False) -> str:
    """The title of an enterprise party: 被申请人（用人单位）…; the dispatch agency of a dispatch
    case is the employer (劳务派遣单位); when the employer applied it is the 申请人."""
    title = _ROLE_TITLES.get(r["role"], "被申请人")
    if dispatch and r["role"] == "respondent":
        title = "被申请人（劳务派遣单位）"
    if employer_applied and r["role"] in ("respondent", "subcontractor"):
        title = "申请人" + title[len("被申请人") :]
    return title


def _titled(table, title_row: int = 0) -> KeepTogether:
    """A party table with its title in its first row, kept on one page: the title row never
    stays alone at a page foot (the table is a few rows; it moves to the next page whole)."""
    table.setStyle(
        [
            ("SPAN", (0, title_row), (-1, title_row)),
            ("BACKGROUND", (0, title_row), (-1, title_row), "#e6e6e6"),
        ]
    )
    return KeepTogether([table])


def _person_table(a: dict, title: str):
    """A worker as published agreement formats show one: name, sex, birth date and age, ID number,
    phone, job, address."""
    w = TEXT_W
    born = cn_date(date.fromisoformat(a["birth_date"]), "") if a.get("birth_date") else ""
    if a.get("age") is not None:
        born += f"（{a['age']}岁）"
    rows = [
        [title, "", "", ""],
        ["姓名", a["name"], "性别", a.get("sex") or ""],
        ["出生日期", born, "身份证号", a.get("id_number") or ""],
        ["联系电话", a.get("phone") or "", "工作岗位", a.get("job") or ""],
        ["住址", a.get("address") or "", "", ""],
    ]
    t = grid(rows, [w * 0.15, w * 0.35, w * 0.15, w * 0.35], label_cols=(0, 2))
    t.setStyle([("SPAN", (1, 4), (-1, 4)), ("BACKGROUND", (1, 4), (-1, 4), colors.white)])
    return _titled(t)


def _enterprise_table(r: dict, title: str):
    w = TEXT_W
    rows = [
        [title, "", "", ""],
        ["名称", r["name"], "统一社会信用代码", r.get("credit_code") or ""],
        ["法定代表人", r.get("legal_rep") or "", "联系电话", r.get("phone") or ""],
        ["住所", r.get("address") or "", "", ""],
    ]
    t = grid(rows, [w * 0.15, w * 0.35, w * 0.23, w * 0.27], label_cols=(0, 2))
    t.setStyle([("SPAN", (1, 3), (-1, 3)), ("BACKGROUND", (1, 3), (-1, 3), colors.white)])
    return _titled(t)


def _applicants_list(applicants: list[dict], *, signature: bool = False):
    """Collective cases: every worker in one table, representatives marked."""
    w = TEXT_W
    last = "签名" if signature else "代表"
    rows = [["序号", "姓名", "性别", "身份证号", "联系电话", last]]
    for i, a in enumerate(applicants, 1):
        mark = "" if signature else ("推举代表" if a.get("representative") else "")
        rows.append(
            [
                str(i),
                a["name"],
                a.get("sex") or "",
                a.get("id_number") or "",
                a.get("phone") or "",
                mark,
            ]
        )
    return grid(
        rows,
        [w * 0.08, w * 0.15, w * 0.08, w * 0.32, w * 0.19, w * 0.18],
        label_cols=(),
        header=True,
    )


def _agent_line(a: dict) -> str:
    side = "被申请人" if a["side"] == "respondent" else "申请人"
    bits = [
        a["name"],
        a.get("organisation") or "",
        f"电话{a['phone']}" if a.get("phone") else "",
        a.get("authority") or "",
    ]
    return (
        f"{side}委托代理人：" + "，".join(b for b in bits if b) + f"（代理{a.get('for') or side}）"
    )


def _parties_story(
    applicants: list[dict],
    respondents: list[dict],
    agents: list[dict],
    *,
    collective: bool,
    project: str | None,
    list_applicants: bool,
    dispatch: bool = False,
    employer_applied: bool = False,
) -> list:
    st = styles()
    out: list = []
    worker_word = "被申请人" if employer_applied else "申请人"

    def enterprises() -> list:
        tables = []
        for r in respondents:
            title = _role_title(r, dispatch=dispatch, employer_applied=employer_applied)
            tables += [Spacer(1, 2 * mm), _enterprise_table(r, title)]
        return tables

    if employer_applied:
        out += enterprises()
        out.append(Spacer(1, 2 * mm))
    if collective:
        reps = [a for a in applicants if a.get("representative")]
        chosen = "推举代表：" + "、".join(a["name"] for a in reps) if reps else "未推举代表"
        out.append(
            para(
                f"{worker_word}：{applicants[0]['name']}等{len(applicants)}人（集体争议，{chosen}；依据{LAW}第七条）",
                st.plain,
            )
        )
        for a in reps:
            out += [Spacer(1, 2 * mm), _person_table(a, f"{worker_word}代表")]
        if list_applicants or not reps:
            out += [
                Spacer(1, 2 * mm),
                para(f"{worker_word}名单：", st.caption),
                _applicants_list(applicants),
            ]
    else:
        for i, a in enumerate(applicants):
            title = worker_word if len(applicants) == 1 else f"{worker_word}{i + 1}"
            if employer_applied:
                title += "（劳动者）"
            out += [_person_table(a, title), Spacer(1, 2 * mm)]
    if not employer_applied:
        out += enterprises()
    if dispatch and any(r["role"] == "host_employer" for r in respondents):
        out += [
            Spacer(1, 2 * mm),
            para(
                f"劳务派遣：依{LAW}第二十二条第二款，劳务派遣单位或者用工单位与劳动者发生劳动争议的，"
                "劳务派遣单位和用工单位为共同当事人。",
                st.plain,
            ),
        ]
    if project:
        out += [
            Spacer(1, 2 * mm),
            para(
                f"工程项目：{project}（建设工程领域欠薪：依《保障农民工工资支付条例》第三十条，"
                "分包单位拖欠农民工工资的，由施工总承包单位先行清偿，再依法进行追偿）",
                st.plain,
            ),
        ]
    out += [Spacer(1, 1 * mm)] + [para(_agent_line(a), st.plain) for a in agents]
    return out


def _parties_block(d: CaseDetail, day: date) -> list:
    applicants, respondents, agents = party_content(d, day)
    return _parties_story(
        applicants,
        respondents,
        agents,
        collective=d.is_collective,
        project=d.project_name if d.is_construction else None,
        list_applicants=True,
        dispatch=d.is_dispatch,
        employer_applied=d.employer_applied,
    )


def _claims_lines(d: CaseDetail) -> list:
    st = styles()
    out = []
    for i, c in enumerate(d.claims, 1):
        amount = f"，金额{money(c.amount)}元" if c.amount is not None else ""
        desc = f"：{c.description}" if c.description else ""
        out.append(para(f"{i}. {c.type_name}{amount}{desc}", st.plain))
    if d.requests:
        out += paragraphs(d.requests, st.plain)
    return out


# ---------------------------------------------------------------- application


def render_application(ctx: DocumentContext) -> bytes:
    d, st = ctx.detail, styles()
    story = _head("劳动争议调解申请书", d.case_no)
    story += _parties_block(d, d.received_on)
    story += [Spacer(1, 3 * mm), para("请求事项：", st.heading), *_claims_lines(d)]
    story += [para("事实与理由：", st.heading), *paragraphs(d.facts)]
    extra = []
    if d.employment_ended_on:
        extra.append(f"劳动关系解除或终止日期：{cn_date(d.employment_ended_on)}")
    if d.infringement_known_on:
        extra.append(f"知道或应当知道权利被侵害之日：{cn_date(d.infringement_known_on)}")
    if d.is_migrant_worker:
        extra.append(
            "申请人为农民工（《保障农民工工资支付条例》第四条：街道应及时调解拖欠农民工工资纠纷）"
        )
    for line in extra:
        story.append(para(line, st.plain))
    story += [
        Spacer(1, 4 * mm),
        para("此致", st.plain),
        para(ctx.organisation, st.plain),
        signature_block(
            [("申请人（用人单位）", "盖章及负责人签名")]
            if d.employer_applied
            else [("申请人", "签名或盖章")]
        ),
        Spacer(1, 3 * mm),
        para(
            f"收到申请日期：{cn_date(d.received_on)}    来源渠道：{d.channel_name}"
            + (f"    转办编号：{d.intake_ref}" if d.intake_ref else "")
            + (f"    110接处警编号：{d.police_incident_no}" if d.police_incident_no else ""),
            st.note,
        ),
    ]
    if d.oral_application:
        story += [
            CondPageBreak(70 * mm),
            Spacer(1, 5 * mm),
            para("口头申请当场记录", st.subtitle),
            para(
                f"（依据{LAW}第十二条：口头申请的，调解组织应当当场记录申请人基本情况、"
                "申请调解的争议事项、理由和时间）",
                st.note,
            ),
            *paragraphs(d.oral_record, st.plain),
            para("以上记录已向申请人宣读（或由申请人阅看），申请人确认无误。", st.plain),
            signature_block([("申请人", "签名或按指印"), ("记录人", "签名")]),
        ]
    return build_pdf(story, title=f"调解申请书 {d.case_no}", header=d.case_no)


# ---------------------------------------------------------------- register


def _acceptance_due_text(d: CaseDetail) -> str:
    due = acceptance_due(d.received_on)
    text = f"{cn_date(due)}前（3个工作日）"
    if d.accepted_on and d.accepted_on > due:
        text += "，受理晚于期限"
    return text


def render_register(ctx: DocumentContext) -> bytes:
    d, st = ctx.detail, styles()
    w = TEXT_W
    story = _head("劳动争议调解案件登记表", d.case_no)
    how = "口头申请" if d.oral_application else "书面申请"
    applicants = "；".join(
        f"{p.name}（{p.sex or ''}，{p.id_number or ''}，{p.phone or ''}）" for p in d.applicants
    )
    respondents = "；".join(
        f"{p.role.label}：{p.name}（{p.credit_code or '无代码'}）" for p in d.respondents
    )
    rows = [
        ["案号", d.case_no, "登记状态", d.status.label],
        ["收到申请日期", cn_date(d.received_on), "申请方式", how],
        ["来源渠道", d.channel_name, "转办编号", d.intake_ref or ""],
        ["申请人", applicants, "", ""],
        ["被申请人", respondents, "", ""],
        ["工程项目", d.project_name or "（非建设工程案件）", "", ""],
        [
            "争议类型",
            "、".join(c.type_name for c in d.claims),
            "请求金额合计",
            f"{money(d.claim_total)}元",
        ],
        [
            "案件标识",
            "、".join(
                x
                for x, on in (
                    ("集体争议", d.is_collective),
                    ("农民工", d.is_migrant_worker),
                    ("建设工程欠薪", d.is_construction),
                )
                if on
            )
            or "无",
            "承办调解员",
            "、".join(x for x in (d.mediator_name, d.co_mediators) if x),
        ],
        [
            "调解期限",
            d.clock.describe(ctx.today) if d.status in ACTIVE else f"至{cn_date(d.clock.end)}",
            "",
            "",
        ],
        ["事实与理由", d.facts or "", "", ""],
    ]
    if d.employer_applied:
        rows[3][0], rows[4][0] = "被申请人（劳动者）", "申请人（用人单位）"
        rows[3], rows[4] = rows[4], rows[3]
    wide = [3, 4, 5, 8, 9]
    if d.accepted_on:
        rows.insert(
            8,
            ["受理决定", f"{cn_date(d.accepted_on)}予以受理", "受理期限", _acceptance_due_text(d)],
        )
        wide = [r + 1 if r >= 8 else r for r in wide]
    elif d.is_declined:
        category = d.decline_category.label if d.decline_category else "不予受理"
        rows.insert(
            8,
            [
                "不予受理决定",
                f"{cn_date(d.declined_on or d.outcome_on)}决定不予受理：{category}"
                + (f"（{d.declined_reason}）" if d.declined_reason else ""),
                "决定人",
                d.declined_by or "（未记录）",
            ],
        )
        wide = [r + 1 if r >= 8 else r for r in wide]
    else:
        rows.insert(8, ["受理决定", "尚未决定", "受理期限", _acceptance_due_text(d)])
        wide = [r + 1 if r >= 8 else r for r in wide]
    rows.append(
        [
            "申请方",
            "用人单位" if d.employer_applied else "劳动者",
            "110接处警编号",
            d.police_incident_no or "无",
        ]
    )
    if d.referral is not None:
        from app.cases.referral import tracking_lines

        rows.append(["移送劳动保障监察", "；".join(tracking_lines(d.referral)), "", ""])
        wide.append(len(rows) - 1)
    t = grid(rows, [w * 0.17, w * 0.38, w * 0.17, w * 0.28], label_cols=(0, 2))
    spans = [("SPAN", (1, r), (-1, r)) for r in wide]
    spans += [("BACKGROUND", (1, r), (-1, r), colors.white) for r in wide]
    t.setStyle(spans)
    story += [
        t,
        Spacer(1, 4 * mm),
        para(
            "登记人：________________    登记日期：" + cn_date(d.registered_at.astimezone().date()),
            st.plain,
        ),
    ]
    return build_pdf(story, title=f"案件登记表 {d.case_no}", header=d.case_no)


# ---------------------------------------------------------------- acceptance / decline


def render_decline(ctx: DocumentContext) -> bytes:
    """不予受理通知书 (17号令 Art. 22: 书面通知申请人), its route by the category of the decision.

    Printable whenever the case has a decline decision, also after it was closed or archived.
    """
    d, st = ctx.detail, styles()
    if not d.is_declined:
        raise DocumentUnavailable("本案没有不予受理的决定，不能打印不予受理通知书")
    respondent = d.respondent.name if d.respondent else ""
    applicants = d.applicant_names(3)
    route = route_for(d.decline_category)
    day = d.declined_on or d.outcome_on
    story = _head("不予受理通知书", d.case_no)
    if d.employer_applied:  # addressed to the employer that applied
        addressee, opening = (
            respondent,
            f"你单位与{applicants}劳动争议一案，本委员会于{cn_date(d.received_on)}收到你单位的调解申请。",
        )
    else:
        addressee = applicants
        opening = f"你（你们）与{respondent}劳动争议一案，本委员会于{cn_date(d.received_on)}收到你（你们）的调解申请。"
    story += [
        para(f"{addressee}：", st.plain),
        para(
            opening
            + (f"经审查，{d.decline_category.label}" if d.decline_category else "经审查")
            + (f"（{d.declined_reason}）" if d.declined_reason else "")
            + "，本委员会决定不予受理。"
        ),
    ]
    if route is not None:
        story.append(para(route.route))
    if route is None or route.arbitration:
        story += _arbitration_block(ctx, None)
    story += [
        _notice_end(ctx.organisation, day),
        Spacer(1, 6 * mm),
        _delivery_receipt(d),
    ]
    return build_pdf(story, title=f"不予受理通知书 {d.case_no}", header=d.case_no)


def render_acceptance(ctx: DocumentContext) -> bytes:
    d, st = ctx.detail, styles()
    respondent = d.respondent.name if d.respondent else ""
    applicants = d.applicant_names(3)
    if d.is_declined:
        return render_decline(ctx)
    if d.accepted_on is None:
        raise DocumentUnavailable(
            "案件尚未受理，不能打印受理通知书：请先办理受理，或打印案件登记表"
        )
    if d.employer_applied:
        return _render_acceptance_employer_applied(ctx)
    clock = d.clock
    story = _head("受理通知书", d.case_no)
    story += [
        para(f"{applicants}：", st.plain),
        para(
            f"你（你们）与{respondent}劳动争议一案，本委员会于{cn_date(d.received_on)}收到你（你们）的调解申请，"
            f"经审查，符合受理条件，决定于{cn_date(d.accepted_on)}予以受理，并将依法组织调解。"
        ),
        para(
            f"依照{LAW}第十四条，自本委员会收到调解申请之日起十五日内（即{cn_date(clock.legal_end)}前）"
            f"未达成调解协议的，当事人可以依法申请仲裁。"
        ),
        *_construction_lines(d),
        para(_first_session_text(d)),
        para(
            "请你（你们）按时到场参加调解，并携带身份证件、劳动合同、工资条、考勤记录等与争议有关的证据材料。"
            "委托他人代理的，应提交授权委托书；代为达成调解协议的，须有特别授权。"
        ),
        para("附：当事人权利义务告知书。"),
        _notice_end(ctx.organisation, d.accepted_on),
        PageBreak(),
        *_head("当事人权利义务告知书", d.case_no),
        *_rights_sheet(),
    ]
    contact = "；".join(
        x
        for x in (
            f"地址：{ctx.station_address}" if ctx.station_address else "",
            f"电话：{ctx.station_phone}" if ctx.station_phone else "",
        )
        if x
    )
    for p in d.respondents:
        story += [
            PageBreak(),
            *_head("参加调解通知书", d.case_no),
            para(f"{p.name}：", st.plain),
            para(
                f"{applicants}与你单位劳动争议一案，已向本委员会申请调解，本委员会已于{cn_date(d.accepted_on)}受理。"
                "请你单位指派负责人或委托代理人（持授权委托书）按约定时间到场参加调解，并提交劳动合同、"
                "工资支付记录、考勤记录等与争议有关的证据材料。"
            ),
            para(
                "劳动争议调解遵循自愿原则。你单位不同意调解的，请及时告知本委员会；"
                "明确拒绝调解的，本委员会将终止调解，申请人可以依法申请仲裁。"
            ),
        ]
        if p.role == PartyRole.GENERAL_CONTRACTOR:
            story.append(
                para(
                    "依照《保障农民工工资支付条例》第三十条，分包单位拖欠农民工工资的，由施工总承包单位先行清偿，"
                    "再依法进行追偿。"
                )
            )
        if p.role == PartyRole.HOST_EMPLOYER:
            story.append(para(_DISPATCH_LINE))
        story.append(para(_first_session_text(d)))
        story.append(
            para(
                "你单位享有的权利、应当履行的义务、申请调解员回避的权利以及未按时到场的后果，"
                "见所附当事人权利义务告知书。"
            )
        )
        if contact:
            story.append(para(contact, st.plain))
        story.append(_notice_end(ctx.organisation, d.accepted_on))
    story += [Spacer(1, 6 * mm), _delivery_receipt(d)]
    return build_pdf(story, title=f"受理通知书 {d.case_no}", header=d.case_no)


_DISPATCH_LINE = (
    f"本案为劳务派遣用工争议。依照{LAW}第二十二条第二款，劳务派遣单位或者用工单位与劳动者发生劳动争议的，"
    "劳务派遣单位和用工单位为共同当事人；你单位作为用工单位参加调解。"
)


def _render_acceptance_employer_applied(ctx: DocumentContext) -> bytes:
    """The employer applied (调解仲裁法 Art. 12: either party may): its acceptance notice, and a
    notice to each worker (or each representative of a collective case) to take part."""
    d, st = ctx.detail, styles()
    employer = d.respondent.name if d.respondent else ""
    workers = d.applicant_names(3)
    clock = d.clock
    story = _head("受理通知书", d.case_no)
    story += [
        para(f"{employer}：", st.plain),
        para(
            f"你单位与{workers}劳动争议一案，本委员会于{cn_date(d.received_on)}收到你单位的调解申请，"
            f"经审查，符合受理条件，决定于{cn_date(d.accepted_on)}予以受理，并将依法组织调解。"
        ),
        para(
            f"依照{LAW}第十四条，自本委员会收到调解申请之日起十五日内（即{cn_date(clock.legal_end)}前）"
            f"未达成调解协议的，当事人可以依法申请仲裁。"
        ),
        para(_first_session_text(d)),
        para(
            "请你单位指派负责人或委托代理人（持授权委托书）按时到场参加调解，并提交劳动合同、工资支付记录、"
            "考勤记录等与争议有关的证据材料。代为达成调解协议的，须有特别授权。"
        ),
        para("附：当事人权利义务告知书。"),
        _notice_end(ctx.organisation, d.accepted_on),
        PageBreak(),
        *_head("当事人权利义务告知书", d.case_no),
        *_rights_sheet(),
    ]
    people = d.representatives if d.is_collective and d.representatives else d.applicants
    for p in people:
        story += [
            PageBreak(),
            *_head("参加调解通知书", d.case_no),
            para(f"{p.name}：", st.plain),
            para(
                f"{employer}与你（你们）劳动争议一案，已向本委员会申请调解，本委员会已于"
                f"{cn_date(d.accepted_on)}受理。请你按时到场参加调解，并携带身份证件及与争议有关的证据材料。"
            ),
            para(
                "劳动争议调解遵循自愿原则。你不同意调解的，请及时告知本委员会；明确拒绝调解的，本委员会将终止调解，"
                "当事人可以依法申请仲裁。你享有的权利、应当履行的义务、申请调解员回避的权利以及未按时到场的后果，"
                "见所附当事人权利义务告知书。"
            ),
            para(_first_session_text(d)),
            _notice_end(ctx.organisation, d.accepted_on),
        ]
    story += [Spacer(1, 6 * mm), _delivery_receipt(d)]
    return build_pdf(story, title=f"受理通知书 {d.case_no}", header=d.case_no)


def _notice_end(organisation: str, day: date | None, words: str = "特此通知。") -> KeepTogether:
    """The closing words kept on the page of the organisation and its seal (one flat group)."""
    st = styles()
    return KeepTogether(
        [
            para(words),
            Spacer(1, 12 * mm),
            para(f"{organisation}（印章）", st.right),
            para(cn_date(day), st.right),
        ]
    )


def _construction_lines(d: CaseDetail) -> list:
    if not d.is_construction:
        return []
    gc = [p.name for p in d.respondents if p.role == PartyRole.GENERAL_CONTRACTOR]
    return [
        para(
            f"本案涉及工程项目：{d.project_name or '（未登记）'}"
            + (f"，施工总承包单位：{'、'.join(gc)}" if gc else "")
            + "。依照《保障农民工工资支付条例》第三十条，分包单位拖欠农民工工资的，由施工总承包单位先行清偿，"
            "再依法进行追偿；本委员会已通知施工总承包单位参加调解。"
        )
    ]


def _first_session_text(d: CaseDetail) -> str:
    mediators = "、".join(x for x in (d.mediator_name, d.co_mediators) if x) or "（待指定）"
    if d.sessions:
        m = min(d.sessions, key=lambda x: x.held_at)
        at = m.held_at.astimezone()
        return (
            f"首次调解：{at.year}年{at.month}月{at.day}日{at.hour}时{at.minute:02d}分，"
            f"地点：{m.place or ''}，调解员：{m.mediators or mediators}。"
        )
    return f"承办调解员：{mediators}。首次调解的时间和地点由本委员会以电话或短信另行通知，请保持联系电话畅通。"


def _rights_sheet() -> list:
    """当事人的权利和义务 (参照《中华人民共和国人民调解法》第二十三条、第二十四条), the right to ask a
    mediator to step aside, and what follows from not attending."""
    return [
        para(
            "（一）当事人享有下列权利：接受调解、拒绝调解或者要求终止调解；要求调解公开进行或者不公开进行；"
            "自主表达意愿、自愿达成调解协议；自收到调解申请之日起十五日内未达成调解协议的，依法申请仲裁。"
        ),
        para(
            "（二）当事人应当履行下列义务：如实陈述纠纷事实；遵守调解现场秩序，尊重调解员；尊重对方当事人行使权利；"
            "达成调解协议的，自觉履行。"
        ),
        para(
            "（三）申请回避：调解员是本案当事人或者当事人的近亲属，与本案有利害关系，或者与当事人有其他关系"
            "可能影响公正调解的，你（你们）有权在调解开始前或者调解中申请其回避，本委员会将另行指定调解员。"
        ),
        para(
            "（四）无正当理由未按时到场的，本委员会可以视为不愿调解并终止调解；当事人可以依法申请仲裁。"
        ),
    ]


# ---------------------------------------------------------------- session record


def render_session_record(ctx: DocumentContext, session_no: int | None = None) -> bytes:
    d, st = ctx.detail, styles()
    sessions = (
        d.sessions if session_no is None else [m for m in d.sessions if m.session_no == session_no]
    )
    if not sessions:
        raise DocumentUnavailable(
            "本案还没有调解笔录" if session_no is None else f"本案没有第{session_no}次调解的笔录"
        )
    w = TEXT_W
    story: list = []
    for i, m in enumerate(sessions):
        if i:
            story.append(PageBreak())
        story += _head("调解笔录", d.case_no, f"（第{m.session_no}次调解）")
        start = m.held_at.astimezone()
        end = m.ended_at.astimezone() if m.ended_at else None
        when = f"{start.year}年{start.month}月{start.day}日{start.hour}时{start.minute:02d}分" + (
            f"至{end.hour}时{end.minute:02d}分" if end else ""
        )
        rows = [
            ["时间", when, "地点", m.place or ""],
            ["调解员", m.mediators or "", "记录人", m.recorder or ""],
            ["申请人", d.applicant_names(5), "被申请人", "、".join(p.name for p in d.respondents)],
            ["到场人员", m.attendees or "", "", ""],
        ]
        if d.employer_applied:
            rows[2] = ["申请人", rows[2][3], "被申请人", rows[2][1]]
        t = grid(rows, [w * 0.14, w * 0.38, w * 0.14, w * 0.34], label_cols=(0, 2))
        t.setStyle([("SPAN", (1, 3), (-1, 3)), ("BACKGROUND", (1, 3), (-1, 3), colors.white)])
        story += [
            t,
            Spacer(1, 3 * mm),
            para("调解记录：", st.heading),
            *paragraphs(m.record, st.plain),
        ]
        if m.outcome:
            story += [para("调解结果：", st.heading), *paragraphs(m.outcome, st.plain)]
        story.append(
            para(
                "权利告知："
                + (
                    "调解员已告知当事人享有的权利和承担的义务，以及申请调解员回避的权利。"
                    if m.rights_explained
                    else "（本次笔录未记录权利义务告知）"
                ),
                st.plain,
            )
        )
        story.append(
            para(
                "申请回避：" + (m.recusal_note or "当事人未申请调解员回避。"),
                st.plain,
            )
        )
        story.append(para("以上笔录经到场人员阅看（或已向其宣读），记录属实。", st.plain))
        signers = [(name, "到场的签名") for name in _session_signers(d)]
        signers += [("调解员", "签名"), ("记录人", "签名")]
        story.append(signature_block(signers))
    title = f"调解笔录 {d.case_no}"
    return build_pdf(story, title=title, header=d.case_no)


# ---------------------------------------------------------------- agreement


def agreement_content_for(
    ctx: DocumentContext, version_no: int | None = None
) -> tuple[dict, AgreementStatus]:
    """The content to print: the signed snapshot for signed/superseded versions, live data for a draft."""
    d = ctx.detail
    if version_no is not None:
        agreement = d.agreement_version(version_no)
        if agreement is None:
            raise DocumentUnavailable(f"本案没有第{version_no}版调解协议书")
    else:
        agreement = d.current_agreement or d.draft_agreement or d.latest_agreement
        if agreement is None:
            raise DocumentUnavailable("本案还没有调解协议书：请先在协议书页面拟定协议")
    if agreement.status != AgreementStatus.DRAFT and agreement.id in ctx.signed:
        return ctx.signed[agreement.id], agreement.status
    return agreement_content(d, agreement, ctx.organisation), agreement.status


def term_gaps(t: dict) -> list[str]:
    """What a term still lacks before it can be printed as a whole sentence."""
    gaps = []
    if t["kind"] == "payment":
        rows = t.get("schedule") or []
        if not t.get("amount"):
            gaps.append("金额")
        if not t.get("due_on") and not (rows and all(r.get("due_on") for r in rows)):
            gaps.append("履行日期")
        if not t.get("method") and not (rows and all(r.get("method") for r in rows)):
            gaps.append("支付方式")
        if rows and not all(r.get("amount") for r in rows):
            gaps.append("每人金额")
    elif not (t.get("description") or "").strip():
        gaps.append("内容")
    return gaps


def _term_sentence(t: dict, deadline: str | None = None) -> str:
    due_on = t.get("due_on") or deadline
    if t["kind"] == "payment":
        payer = t.get("payer") or "被申请人"
        payee = schedule_payee(t) or t.get("payee") or "申请人"
        due = f"于{cn_date(date.fromisoformat(due_on))}前" if due_on else ""
        method = f"以{t['method']}方式" if t.get("method") else ""
        what = t.get("description") or t.get("item_name") or ""
        amount = t.get("amount")
        money_text = f"人民币{money(amount)}元（大写：{rmb_upper(amount)}）" if amount else ""
        sentence = f"{payer}{due}{method}向{payee}支付{t.get('item_name') or ''}{money_text}"
        if what and what not in (t.get("item_name"), f"被申请人支付申请人{t.get('item_name')}"):
            sentence += f"（{what}）"
        return sentence + "。"
    due = f"（于{cn_date(date.fromisoformat(due_on))}前履行）" if due_on else ""
    return f"{t.get('description') or ''}{due}"


_CN_NUM = "一二三四五六七八九十"


def _cn_seq(n: int) -> str:
    if n <= 10:
        return _CN_NUM[n - 1]
    if n < 20:
        return "十" + _CN_NUM[n - 11]
    tens, ones = divmod(n, 10)
    return _CN_NUM[tens - 1] + "十" + (_CN_NUM[ones - 1] if ones else "")


def draft_refusal(c: dict) -> str | None:
    """A draft is printed only once every term is a whole sentence (no "于向申请人支付")."""
    missing = []
    for t in c.get("terms", []):
        gaps = term_gaps(t)
        if t["kind"] == "payment" and "履行日期" in gaps and c.get("performance_deadline"):
            gaps.remove("履行日期")
        if gaps:
            missing.append(f"第{_cn_seq(t['seq'])}项缺{'、'.join(gaps)}")
    if not c.get("terms") and not c.get("other_terms"):
        return "协议书草稿还没有条款，不能打印"
    if missing:
        return (
            "协议书草稿尚不完整，不能打印：" + "；".join(missing) + "。请在协议书页面补全后再打印"
        )
    return None


def render_agreement(ctx: DocumentContext, version_no: int | None = None) -> bytes:
    content, status = agreement_content_for(ctx, version_no)
    if status == AgreementStatus.DRAFT:
        refusal = draft_refusal(content)
        if refusal:
            raise DocumentUnavailable(refusal)
    return render_agreement_content(content, status)


def render_agreement_content(c: dict, status: AgreementStatus = AgreementStatus.SIGNED) -> bytes:
    """The 调解协议书 from its content (the signed snapshot or a draft's live content)."""
    st = styles()
    story = _head("劳动争议调解协议书", c["case_no"])
    if status == AgreementStatus.DRAFT:
        story.append(para("草稿（尚未签署，不具有效力）", st.warning))
    elif status == AgreementStatus.SUPERSEDED:
        story.append(para("本版本已被新版本取代，仅供存档查阅", st.warning))
    if c.get("supersedes_version"):
        story.append(
            para(
                f"本协议书为第{c['version_no']}版，变更并取代第{c['supersedes_version']}版"
                + (f"；变更原因：{c['change_reason']}" if c.get("change_reason") else ""),
                st.note,
            )
        )
    applicants = c["applicants"]
    story += _parties_story(
        applicants,
        c["respondents"],
        c.get("agents", []),
        collective=bool(c.get("is_collective")),
        project=c.get("project_name") if c.get("is_construction") else None,
        list_applicants=False,
        dispatch=bool(c.get("is_dispatch")),
        employer_applied=bool(c.get("employer_applied")),
    )
    story += [para("争议事项：", st.heading)]
    for i, m in enumerate(c.get("matters", []), 1):
        amount = f"（申请金额{money(m['amount'])}元）" if m.get("amount") else ""
        story.append(para(f"{i}. {m['name']}{amount}", st.plain))
    story += [para("争议的主要事实：", st.heading), *paragraphs(c.get("facts"))]
    story += [
        para(
            f"经{c['organisation']}主持调解，双方当事人在查明事实、分清是非的基础上，自愿达成如下协议：",
            st.body,
        )
    ]
    art16_terms, contractor_terms = [], []
    deadline = c.get("performance_deadline")
    for t in c["terms"]:
        if c.get("employer_applied"):  # the employer is the 申请人, the workers the 被申请人
            t = {**t, "payer": t.get("payer") or "申请人", "payee": t.get("payee") or "被申请人"}
        story.append(para(f"{_cn_seq(t['seq'])}、{_term_sentence(t, deadline)}", st.body))
        story += schedule_block(t, _cn_seq(t["seq"]), deadline)
        if t.get("art16") and t.get("payer_is_employer", True):
            art16_terms.append(t)
        elif t["kind"] == "payment" and not t.get("payer_is_employer", True):
            contractor_terms.append(t)
    n = len(c["terms"])
    if c.get("other_terms"):
        # Any further term, such as a waiver of other claims, is the parties' own text:
        # the program never adds one.
        n += 1
        story.append(para(f"{_cn_seq(n)}、{c['other_terms']}", st.body))
    if c.get("total") and c["total"] != "0.00":
        story.append(
            para(
                f"以上款项合计人民币{money(c['total'])}元（大写：{rmb_upper(c['total'])}）。",
                st.body,
            )
        )
    if deadline:
        story.append(
            para(f"本协议的履行期限：{cn_date(date.fromisoformat(deadline))}前履行完毕。", st.body)
        )
    closing = [
        para(
            "本协议书自双方当事人签名或者盖章，经调解员签名并加盖调解组织印章后生效，对双方当事人具有约束力，"
            f"当事人应当履行（{LAW}第十四条）。一方当事人在协议约定期限内不履行调解协议的，"
            "另一方当事人可以依法申请仲裁（第十五条）。",
            st.body,
        )
    ]
    if art16_terms:
        seqs = "、".join(f"第{_cn_seq(t['seq'])}项" for t in art16_terms)
        closing.append(
            para(
                f"本协议{seqs}系用人单位因支付拖欠劳动报酬、工伤医疗费、经济补偿或者赔偿金事项达成，用人单位在协议"
                f"约定期限内不履行的，劳动者可以持本调解协议书依法向人民法院申请支付令（{LAW}第十六条）。",
                st.body,
            )
        )
    if contractor_terms:
        seqs = "、".join(f"第{_cn_seq(t['seq'])}项" for t in contractor_terms)
        closing.append(
            para(
                f"本协议{seqs}由施工总承包单位依照《保障农民工工资支付条例》第三十条先行清偿；"
                f"逾期不履行的，劳动者可以依法向劳动人事争议仲裁委员会申请仲裁（{LAW}第十五条）。",
                st.body,
            )
        )
    closing.append(
        para(
            "双方当事人可以自本协议生效之日起十五日内，共同向有管辖权的劳动人事争议仲裁委员会提出仲裁审查申请"
            "（《劳动人事争议仲裁办案规则》第七十四条）。",
            st.body,
        )
    )
    parties = len(applicants) + len(c["respondents"])
    copies = parties + 1
    closing.append(
        para(
            f"本协议书一式{_cn_seq(copies)}份，各方当事人各执一份，{c['organisation']}存档一份，具有同等效力。",
            st.body,
        )
    )
    closing.append(para("（以下无正文）", st.body))
    if c.get("is_collective"):
        reps = [a for a in applicants if a.get("representative")]
        signers = [(f"申请人代表{a['name']}", "签名或按指印") for a in reps] or [
            ("申请人（代表）", "签名或按指印")
        ]
    elif len(applicants) > 1:
        # One line per worker: each signs for their own claims.
        signers = [(f"申请人{a['name']}", "签名或按指印") for a in applicants]
    else:
        signers = [("申请人", "签名或按指印")]
    for r in c["respondents"]:
        signers.append((r.get("role_label") or "被申请人", "盖章"))
    signers.append(("被申请人法定代表人或委托代理人", "签名"))
    signers.append(("调解员" + (f"（{c['mediators']}）" if c.get("mediators") else ""), "签名"))
    signed = c.get("signed_on")
    # The closing clauses, the signatures and the seal stay together: never a page of signatures
    # without text.
    story.append(
        KeepTogether(
            [
                *closing,
                signature_block(signers, date_line=False),
                seal_block(c["organisation"], date.fromisoformat(signed) if signed else None),
            ]
        )
    )
    story += signature_record(c)
    if c.get("is_collective"):
        story += [
            PageBreak(),
            para("附：申请人名单", st.subtitle),
            _applicants_list(applicants, signature=True),
        ]
    header = c["case_no"] + (f"  第{c['version_no']}版" if c.get("version_no", 1) > 1 else "")
    return build_pdf(story, title=f"调解协议书 {c['case_no']}", header=header)


# ---------------------------------------------------------------- termination


#: 调解仲裁法 Art. 27, paragraphs 1, 2 and 4, verbatim (docs/legal.md gives the source)
ART27 = (
    f"依照{LAW}第二十七条：劳动争议申请仲裁的时效期间为一年。仲裁时效期间从当事人知道或者应当知道其权利被侵害之日起计算。"
    "前款规定的仲裁时效，因当事人一方向对方当事人主张权利，或者向有关部门请求权利救济，或者对方当事人同意履行义务而中断。"
    "从中断时起，仲裁时效期间重新计算。"
    "劳动关系存续期间因拖欠劳动报酬发生争议的，劳动者申请仲裁不受本条第一款规定的仲裁时效期间的限制；"
    "但是，劳动关系终止的，应当自劳动关系终止之日起一年内提出。"
)


def _employment_text(d: CaseDetail) -> str:
    if d.employment_status == EmploymentStatus.ONGOING:
        return "劳动关系存续（申请人陈述）"
    if d.employment_ended_on:
        return f"劳动关系于{cn_date(d.employment_ended_on)}解除或终止"
    return "劳动关系是否存续不清楚（未登记）"


def _arbitration_block(ctx: DocumentContext, ended_on: date | None) -> list:
    """Where to apply for arbitration and the rule of Art. 27, with the dates that matter.

    The station does not rule on the time limit: it quotes the rule, lists the dates it knows,
    suggests a safe day, and says that the arbitration commission decides.
    """
    d = ctx.detail
    c = ctx.commission
    route = (
        f"当事人可以向有管辖权的劳动人事争议仲裁委员会申请仲裁。本地的仲裁委员会为：{c.contact_line()}。"
        "劳动争议由劳动合同履行地或者用人单位所在地的劳动人事争议仲裁委员会管辖"
        f"（{LAW}第二十一条）。"
    )
    dates = [f"本委员会收到调解申请之日：{cn_date(d.received_on)}"]
    if ended_on:
        dates.append(f"调解终止之日：{cn_date(ended_on)}")
    dates.append(_employment_text(d))
    if d.infringement_known_on:
        dates.append(f"申请人知道或应当知道权利被侵害之日：{cn_date(d.infringement_known_on)}")
    limit = d.arbitration_limit()
    out = [para(route), para(ART27), para("与时效有关的日期：" + "；".join(dates) + "。")]
    exempt = [p for p in limit.per_type if p.deadline is None and "不受" in p.basis]
    if exempt and d.employment_status == EmploymentStatus.ONGOING:
        out.append(
            para(
                "本案登记为劳动关系存续，其中拖欠劳动报酬（含加班费）的请求，依上述规定不受一年时效期间的限制；"
                "劳动关系终止的，应当自终止之日起一年内提出。"
            )
        )
    if limit.deadline:
        advice = f"为稳妥起见，建议于{cn_date(limit.deadline)}前申请仲裁"
        if limit.incomplete:
            advice += (
                "；因未登记知道或应当知道权利被侵害之日，该日期仅按收到调解申请之日推算，请尽早申请"
            )
        out.append(para(advice + "。"))
    else:
        out.append(para("建议尽早申请仲裁。"))
    out.append(
        para(
            "以上日期仅供参考：是否超过仲裁时效，由劳动人事争议仲裁委员会依法认定，本委员会不作认定。"
        )
    )
    return out


def _ended_without_agreement(d: CaseDetail) -> bool:
    """Mediation ended without an agreement: failed or withdrawn, and such cases once closed."""
    if d.status in (CaseStatus.FAILED, CaseStatus.WITHDRAWN):
        return True
    if d.status in (CaseStatus.CLOSED, CaseStatus.ARCHIVED):
        declined = d.declined_reason is not None or d.decline_category is not None
        return not declined and d.current_agreement is None and d.outcome_on is not None
    return False


def termination_refusal(d: CaseDetail, today: date) -> str | None:
    """Why the termination notice cannot be printed now (None: it can).

    Only once mediation has ended without an agreement (failed, withdrawn; such cases once closed).
    A case still in mediation past day 15 gets the 调解期限届满告知书 instead (``expiry_refusal``).
    """
    if _ended_without_agreement(d):
        return None
    if d.status in ACTIVE:
        more = (
            "；收到申请已满十五日的，请打印调解期限届满告知书"
            if d.clock.may_apply_for_arbitration(today)
            else ""
        )
        return (
            f"案件当前为“{d.status.label}”，调解尚未终止，不能打印调解终止通知书："
            f"调解不成或申请人撤回、办理“调解终止”后才可打印{more}"
        )
    return (
        f"案件当前为“{d.status.label}”，不能打印调解终止通知书："
        "只有调解不成或申请人撤回（未达成协议）的案件才有调解终止通知书"
    )


def expiry_refusal(d: CaseDetail, today: date) -> str | None:
    """Why the 调解期限届满告知书 cannot be printed now (None: it can): it serves a case still in
    mediation whose 15 days of Art. 14 have run."""
    if d.status not in ACTIVE:
        return f"案件当前为“{d.status.label}”，调解已结束，不需要调解期限届满告知书" + (
            "：请打印调解终止通知书" if _ended_without_agreement(d) else ""
        )
    if not d.clock.may_apply_for_arbitration(today):
        return (
            f"调解期限至{cn_date(d.clock.legal_end)}尚未届满（收到申请之日起十五日），"
            "届满后仍在调解的才打印调解期限届满告知书"
        )
    return None


def _delivery_receipt(d: CaseDetail, title: str = "送达回证") -> KeepTogether:
    st = styles()
    return KeepTogether(
        [
            para(title, st.subtitle),
            grid(
                [
                    ["受送达人", "送达方式", "签收人（签名）", "签收日期"],
                    *[[p.name, "", "", ""] for p in (*d.applicants, *d.respondents)],
                ],
                [TEXT_W * 0.34, TEXT_W * 0.18, TEXT_W * 0.26, TEXT_W * 0.22],
                label_cols=(),
                header=True,
            ),
        ]
    )


def _party_word(d: CaseDetail, r) -> str:
    """An enterprise party's word on signature lines: 申请人 when the employer applied."""
    if d.employer_applied and r.role in (PartyRole.RESPONDENT, PartyRole.SUBCONTRACTOR):
        return "申请人"
    return r.role.label


def _session_signers(d: CaseDetail) -> list[str]:
    """A line for each party (a collective case: each elected representative; the others sign
    the attendance list), each employer and each agent."""
    people = d.representatives if d.is_collective and d.representatives else d.applicants
    worker = "被申请人" if d.employer_applied else "申请人"
    role = f"{worker}代表" if d.is_collective and d.representatives else worker
    out = [f"{role}{p.name}" for p in people]
    out += [f"{_party_word(d, r)}{r.name}" for r in d.respondents]
    out += [f"{p.role.label}{p.name}" for p in d.agents]
    return out


def _party_signers(d: CaseDetail) -> list[tuple[str, str]]:
    """One signature line per party (a collective case: each representative, the rest sign the
    list), each employer, and the mediator."""
    signers: list[tuple[str, str]] = []
    people = d.representatives if d.is_collective and d.representatives else d.applicants
    worker = "被申请人" if d.employer_applied else "申请人"
    for p in people:
        role = f"{worker}代表" if d.is_collective and p.is_representative else worker
        signers.append((f"{role}{p.name}", "到场的签名"))
    for r in d.respondents:
        signers.append((f"{_party_word(d, r)}{r.name}", "到场的签名或盖章"))
    signers.append(("调解员", "签名"))
    return signers


def render_termination(ctx: DocumentContext) -> bytes:
    d, st = ctx.detail, styles()
    refusal = termination_refusal(d, ctx.today)
    if refusal:
        raise DocumentUnavailable(refusal)
    respondent = "、".join(p.name for p in d.respondents)
    applicants = d.applicant_names(3)
    if d.status == CaseStatus.WITHDRAWN or d.failure_reason is None:
        # A closed case that ended without agreement and without a failure reason was withdrawn.
        reason = f"申请人于{cn_date(d.outcome_on)}撤回调解申请"
    elif d.failure_reason == FailureReason.TIME_RAN_OUT:
        period = (
            f"经双方同意延长的调解期限（至{cn_date(d.clock.end)}）内"
            if d.clock.end != d.clock.legal_end
            else f"自本委员会收到调解申请之日起十五日内（至{cn_date(d.clock.legal_end)}）"
        )
        reason = f"{period}未能达成调解协议"
    elif d.failure_reason == FailureReason.PARTY_REFUSED:
        reason = "因一方当事人拒绝调解"
    else:
        reason = "经调解，双方当事人未能达成调解协议"
    # Dated the day mediation ended, not the day it is printed.
    day = d.outcome_on
    story = _head("调解终止通知书", d.case_no)
    story += [
        para(f"{applicants}、{respondent}：", st.plain),
        para(
            f"{applicants}与{respondent}劳动争议一案，本委员会于{cn_date(d.received_on)}收到调解申请，"
            f"{reason}，本委员会于{cn_date(day)}决定终止调解。"
        ),
    ]
    if d.outcome_note:
        story.append(para(f"情况说明：{d.outcome_note}"))
    story += [
        para(f"依照{LAW}第五条、第十四条的规定，调解不成的，当事人可以依法申请仲裁。"),
        *_arbitration_block(ctx, day),
        para("申请仲裁时，请携带本通知书、身份证件及与争议有关的证据材料。"),
        _notice_end(ctx.organisation, day),
        Spacer(1, 6 * mm),
        _delivery_receipt(d),
    ]
    # The record of the failed mediation, signed by the parties who are present.
    sessions = "、".join(cn_date(m.held_at.astimezone().date()) for m in d.sessions)
    story += [
        PageBreak(),
        *_head("调解终止记录", d.case_no),
        para(
            f"案由：{applicants}与{respondent}劳动争议。收到调解申请：{cn_date(d.received_on)}。"
            + (
                f"调解经过：共调解{len(d.sessions)}次（{sessions}）。"
                if d.sessions
                else "未进行调解会议。"
            )
        ),
        para(f"终止原因：{reason}。终止日期：{cn_date(day)}。"),
        para(
            "调解员已告知当事人：调解不成的，可以依法向劳动人事争议仲裁委员会申请仲裁"
            f"（{ctx.commission.name}）。以上记录经到场当事人阅看（或已向其宣读），记录属实。"
            "当事人未到场的，由调解员注明。"
        ),
        signature_block(_party_signers(d)),
    ]
    return build_pdf(story, title=f"调解终止通知书 {d.case_no}", header=d.case_no)


def render_expiry_notice(ctx: DocumentContext) -> bytes:
    """调解期限届满告知书: the 15 days of Art. 14 have run and mediation goes on; the parties may
    apply for arbitration now, extension or not."""
    d, st = ctx.detail, styles()
    refusal = expiry_refusal(d, ctx.today)
    if refusal:
        raise DocumentUnavailable(refusal)
    respondent = "、".join(p.name for p in d.respondents)
    applicants = d.applicant_names(3)
    clock = d.clock
    story = _head("调解期限届满告知书", d.case_no)
    story += [
        para(f"{applicants}、{respondent}：", st.plain),
        para(
            f"{applicants}与{respondent}劳动争议一案，本委员会于{cn_date(d.received_on)}收到调解申请。"
            f"自收到调解申请之日起十五日的调解期限已于{cn_date(clock.legal_end)}届满，双方尚未达成调解协议。"
        ),
        para(
            f"依照{LAW}第十四条第三款，自劳动争议调解组织收到调解申请之日起十五日内未达成调解协议的，"
            f"当事人可以依法申请仲裁。自{cn_date(clock.arbitration_open_from)}起，任何一方当事人均可申请仲裁，"
            "无须等待调解结束。"
        ),
    ]
    if clock.end != clock.legal_end:
        note = (d.extension_note or "").strip().splitlines()
        story.append(
            para(
                f"经双方当事人同意，本委员会继续调解至{cn_date(clock.end)}"
                + (f"（{note[-1].split('：', 1)[-1]}）" if note else "")
                + "。同意继续调解不影响当事人依法申请仲裁的权利；任何一方不愿继续调解的，请告知本委员会，"
                "本委员会将终止调解并出具调解终止通知书。"
            )
        )
    else:
        story.append(
            para(
                "双方当事人愿意继续调解的，本委员会可以继续调解；继续调解不影响当事人依法申请仲裁的权利。"
                "任何一方不愿继续调解的，请告知本委员会，本委员会将终止调解并出具调解终止通知书。"
            )
        )
    story += [
        *_arbitration_block(ctx, None),
        _notice_end(ctx.organisation, ctx.today, "特此告知。"),
        Spacer(1, 6 * mm),
        _delivery_receipt(d),
    ]
    return build_pdf(story, title=f"调解期限届满告知书 {d.case_no}", header=d.case_no)


# ---------------------------------------------------------------- arbitration review


def review_refusal(d: CaseDetail) -> str | None:
    current = d.current_agreement
    if current is None or current.signed_on is None:
        return "本案没有已签署生效的调解协议书，不能打印仲裁审查申请书"
    return None


def render_review_application(ctx: DocumentContext) -> bytes:
    """仲裁审查申请书: the parties' joint application to the arbitration commission for review of
    the signed agreement (劳动人事争议仲裁办案规则 Art. 74: jointly, within 15 days of the
    agreement taking effect)."""
    d, st = ctx.detail, styles()
    refusal = review_refusal(d)
    if refusal:
        raise DocumentUnavailable(refusal)
    current = d.current_agreement
    deadline = review_deadline(current.signed_on)
    story = _head("仲裁审查申请书", d.case_no)
    story += _parties_block(d, current.signed_on)
    story += [
        para("申请事项：", st.heading),
        para(
            f"请求{ctx.commission.name}对双方当事人于{cn_date(current.signed_on)}在{ctx.organisation}主持下"
            f"达成的调解协议（{d.case_no}，第{current.version_no}版）进行审查，依法制作调解书。"
        ),
        para("事实与理由：", st.heading),
        para(
            f"双方当事人之间的劳动争议，经{ctx.organisation}调解，于{cn_date(current.signed_on)}达成调解协议。"
            "协议由双方当事人签名或者盖章，经调解员签名并加盖调解组织印章后生效"
            f"（{LAW}第十四条）。双方依照《劳动人事争议仲裁办案规则》第七十四条，"
            f"自调解协议生效之日起十五日内（即{cn_date(deadline)}前）共同提出本申请。"
        ),
        para(
            "附：调解协议书原件；双方当事人身份证明（营业执照副本复印件、身份证复印件）；"
            "委托代理的，授权委托书。"
        ),
    ]
    # The attachments line, the address and the signatures stay on one page.
    story[-1] = KeepTogether(
        [
            story[-1],
            Spacer(1, 3 * mm),
            para("此致", st.plain),
            para(ctx.commission.contact_line(), st.plain),
            signature_block(_party_signers(d)[:-1]),
        ]
    )
    return build_pdf(story, title=f"仲裁审查申请书 {d.case_no}", header=d.case_no)


# ---------------------------------------------------------------- non-performance


def nonperformance_refusal(d: CaseDetail, today: date) -> str | None:
    if d.current_agreement is None:
        return "本案没有已签署生效的调解协议书"
    if not [1 for _, st in d.open_terms(today) if st.overdue]:
        return "协议没有逾期未履行的条款"
    return None


def render_nonperformance(ctx: DocumentContext) -> bytes:
    """调解协议履行情况告知书: each overdue term, what is still owed, and its route — a payment order
    for Art. 16 terms the employer owes, arbitration (Art. 15) for the rest."""
    d, st = ctx.detail, styles()
    refusal = nonperformance_refusal(d, ctx.today)
    if refusal:
        raise DocumentUnavailable(refusal)
    current = d.current_agreement
    applicants = d.applicant_names(3)
    rows = [["条款", "内容", "履行期限", "尚欠金额（元）", "救济途径"]]
    for t, status in d.open_terms(ctx.today):
        if not status.overdue:
            continue
        payer_is_employer = t.payer_enterprise_id in (None, d.respondent_id)
        route = default_route(t.art16, payer_is_employer)
        what = term_item_name(t.item) if t.kind.value == "payment" else t.description
        due = effective_due(t.due_on, current.performance_deadline)
        rows.append(
            [
                f"第{_cn_seq(t.seq)}项",
                what,
                cn_date(due),
                money(status.outstanding) if status.outstanding is not None else "（未履行）",
                "申请支付令（第十六条）或申请仲裁"
                if route == Route.PAYMENT_ORDER
                else "申请仲裁（第十五条）",
            ]
        )
    story = _head("调解协议履行情况告知书", d.case_no)
    story += [
        para(f"{applicants}：", st.plain),
        para(
            f"你（你们）与{'、'.join(p.name for p in d.respondents)}于{cn_date(current.signed_on)}"
            f"在本委员会主持下达成的调解协议，截至{cn_date(ctx.today)}，下列条款逾期未履行："
        ),
        grid(
            rows,
            [TEXT_W * 0.1, TEXT_W * 0.26, TEXT_W * 0.2, TEXT_W * 0.17, TEXT_W * 0.27],
            label_cols=(),
            header=True,
        ),
        Spacer(1, 3 * mm),
        *followup_lines(d),
        para(
            f"依照{LAW}第十五条，一方当事人在协议约定期限内不履行调解协议的，另一方当事人可以依法申请仲裁。"
            f"依照第十六条，因支付拖欠劳动报酬、工伤医疗费、经济补偿或者赔偿金事项达成调解协议，用人单位在协议约定"
            "期限内不履行的，劳动者可以持调解协议书依法向人民法院申请支付令。由施工总承包单位先行清偿的款项，"
            "不属于用人单位的支付义务，请申请仲裁。"
        ),
        *_arbitration_block(ctx, None),
        _notice_end(ctx.organisation, ctx.today, "特此告知。"),
    ]
    return build_pdf(story, title=f"调解协议履行情况告知书 {d.case_no}", header=d.case_no)


# ---------------------------------------------------------------- dispatch


RENDERERS: dict[str, Callable[..., bytes]] = {
    "application": render_application,
    "register": render_register,
    "acceptance": render_acceptance,
    "decline": render_decline,
    "session_record": render_session_record,
    "agreement": render_agreement,
    "termination": render_termination,
    "expiry_notice": render_expiry_notice,
    "review_application": render_review_application,
    "nonperformance": render_nonperformance,
    "authorization": render_authorization,
    "referral": lambda ctx: _late("referral")(ctx),
    "dossier": lambda ctx: _late("dossier")(ctx),
}


def _late(code: str) -> Callable[..., bytes]:
    """Documents in their own modules (they import the shared blocks of this one)."""
    if code == "referral":
        from app.documents.referral_letter import render_referral

        return render_referral
    from app.documents.dossier import render_dossier

    return render_dossier


def render(kind: str, ctx: DocumentContext, **options) -> bytes:
    """Render one document kind; ``options``: ``session_no`` (笔录), ``version_no`` (协议书)."""
    found = kind_by_name(kind)
    if found is None:
        raise DocumentUnavailable(f"未知的文书类型：{kind}")
    fn = RENDERERS[found.code]
    with issued_by(ctx.organisation):
        if found.code == "session_record":
            return fn(ctx, options.get("session_no"))
        if found.code == "agreement":
            return fn(ctx, options.get("version_no"))
        return fn(ctx)


def available_kinds(detail: CaseDetail, today: date) -> list[tuple[DocumentKind, str | None]]:
    """Each kind with the reason it cannot be printed now (None: available)."""
    out = []
    for k in KINDS:
        reason = None
        if k.code == "acceptance" and detail.accepted_on is None and not detail.is_declined:
            reason = "案件尚未受理"
        elif k.code == "session_record" and not detail.sessions:
            reason = "还没有调解笔录"
        elif k.code == "agreement" and not detail.agreements:
            reason = "还没有调解协议书"
        elif k.code == "decline" and not detail.is_declined:
            reason = "本案没有不予受理的决定"
        elif k.code == "termination":
            reason = termination_refusal(detail, today)
        elif k.code == "expiry_notice":
            reason = expiry_refusal(detail, today)
        elif k.code == "review_application":
            reason = review_refusal(detail)
        elif k.code == "nonperformance":
            reason = nonperformance_refusal(detail, today)
        elif k.code == "referral":
            from app.documents.referral_letter import referral_refusal

            reason = referral_refusal(detail)
        elif k.code == "dossier":
            from app.documents.dossier import dossier_refusal

            reason = dossier_refusal(detail)
        out.append((k, reason))
    return out


def render_many(
    kind: str,
    contexts: list[DocumentContext],
    *,
    progress: Callable[[int, int, str], None] | None = None,
    cancel=None,
) -> list[tuple[str, bytes]]:
    """Render one kind for several cases (background work: reports progress, stops on cancel)."""
    out = []
    total = len(contexts)
    for i, ctx in enumerate(contexts):
        if cancel is not None and cancel:
            break
        out.append((ctx.detail.case_no, render(kind, ctx)))
        if progress:
            progress(i + 1, total, ctx.detail.case_no)
    return out


__all__ = ["KINDS", "DocumentContext", "DocumentUnavailable", "fmt", "load_context", "render"]


def sample_agreement_content() -> dict:
    """An invented agreement (names and numbers belong to nobody) for the self-test and benchmarks."""
    return {
        "format": 1,
        "case_no": "(2026)鼓楼鼓东劳调字第0000号",
        "organisation": "福州市鼓楼区鼓东街道劳动争议调解委员会",
        "version_no": 1,
        "supersedes_version": None,
        "change_reason": None,
        "is_collective": False,
        "is_construction": False,
        "project_name": None,
        "applicants": [
            {
                "name": "示例申请人",
                "sex": "女",
                "birth_date": "1949-12-31",
                "age": 76,
                "id_number": "11010519491231002X",
                "address": "福州市鼓楼区示例路1号",
                "phone": "13800000000",
                "job": "收银员",
                "representative": False,
            }
        ],
        "respondents": [
            {
                "role": "respondent",
                "role_label": "被申请人",
                "name": "福州示例商贸有限公司",
                "credit_code": "91350100M000100Y43",
                "address": "福州市鼓楼区示例路2号",
                "legal_rep": "示例法定代表人",
                "phone": "0591-87000000",
            }
        ],
        "agents": [],
        "matters": [{"type": "wages", "name": "劳动报酬/拖欠工资", "amount": "6000.00"}],
        "facts": "申请人在被申请人处从事收银工作，被申请人拖欠申请人两个月工资。（自检示例）",
        "terms": [
            {
                "seq": 1,
                "kind": "payment",
                "item": "wages",
                "item_name": "劳动报酬（工资）",
                "description": "",
                "amount": "6000.00",
                "due_on": "2026-01-31",
                "method": "银行转账",
                "payer": "福州示例商贸有限公司",
                "payee": "示例申请人",
                "art16": True,
            }
        ],
        "total": "6000.00",
        "other_terms": None,
        "performance_deadline": "2026-01-31",
        "copies": 3,
        "signed_on": "2026-01-15",
        "mediators": "示例调解员",
    }
