"""拖欠劳动报酬线索移送函: the letter referring a wage-arrears case to labor inspection.

What the letter rests on (quoted in docs/legal.md, section 7):

* 劳动保障监察条例 Art. 9: any organisation may report a violation to the labor administration
  (the station reports; the worker's own complaint is his to make);
* 保障农民工工资支付条例 Art. 30 and Art. 36: who pays first in construction (the general
  contractor; the one who subcontracted to an individual 包工头);
* 保障农民工工资支付条例 Art. 41: the inspection asks the police for help when those liable
  cannot be reached, and transfers a suspected 拒不支付劳动报酬罪 (刑法 Art. 276-1) to the police.

The station states facts and hands over evidence. Whether to order payment and whether a crime
is suspected is for the inspection (and the police) to decide: the letter says so, and the
tracking records what they did as information.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer

from app.cases.detail import CaseDetail
from app.cases.referral import ReferralInfo, wage_refusal
from app.documents.layout import TEXT_W, build_pdf, cn_date, grid, money, para, rmb_upper, styles
from app.domain.enums import PartyRole

TITLE = "拖欠劳动报酬线索移送函"


def referral_refusal(d: CaseDetail) -> str | None:
    reason = wage_refusal(d)
    if reason:
        return reason
    if d.referral is None:
        return "本案尚未登记移送劳动保障监察：请先在案件页面“移送劳动监察…”中登记"
    return None


def _workers_table(d: CaseDetail, r: ReferralInfo):
    w = TEXT_W
    people = {p.person_id: p for p in d.applicants}
    rows = [["序号", "姓名", "身份证号", "联系电话", "欠薪期间", "金额（元）"]]
    for i, row in enumerate(r.workers, 1):
        p = people.get(row["person_id"])
        rows.append(
            [
                str(i),
                p.name if p else "（已不在本案）",
                (p.id_number or "") if p else "",
                (p.phone or "") if p else "",
                row["period"],
                money(row["amount"]),
            ]
        )
    rows.append(["合计", f"{len(r.workers)}人", "", "", "", money(r.total)])
    t = grid(
        rows,
        [w * 0.07, w * 0.12, w * 0.26, w * 0.19, w * 0.22, w * 0.14],
        label_cols=(),
        header=True,
    )
    t.setStyle([("SPAN", (2, len(rows) - 1), (4, len(rows) - 1))])
    return t


def _project_lines(d: CaseDetail, r: ReferralInfo) -> list[str]:
    if not d.is_construction and not r.developer and r.contractor_kind != "individual":
        return []
    gc = [p.name for p in d.respondents if p.role == PartyRole.GENERAL_CONTRACTOR]
    sub = [p.name for p in d.respondents if p.role == PartyRole.SUBCONTRACTOR]
    lines = [f"工程项目：{d.project_name or '（未登记）'}"]
    lines.append(f"建设单位：{r.developer or '（未查明）'}")
    lines.append(f"施工总承包单位：{'、'.join(gc) or '（未登记）'}")
    if r.contractor_kind == "individual":
        bits = [r.foreman_name or ""]
        if r.foreman_id_number:
            bits.append(f"身份证号{r.foreman_id_number}")
        if r.foreman_phone:
            bits.append(f"电话{r.foreman_phone}")
        lines.append("实际招用劳动者的个人（包工头）：" + "，".join(b for b in bits if b))
        lines.append(
            "依《保障农民工工资支付条例》第三十六条，施工总承包单位将建设工程分包给个人或者不具备合法经营资格的单位，"
            "导致拖欠农民工工资的，由施工总承包单位清偿。"
        )
    else:
        lines.append(f"分包单位（用人单位）：{'、'.join(sub) or '（未登记）'}")
        lines.append(
            "依《保障农民工工资支付条例》第三十条，分包单位拖欠农民工工资的，由施工总承包单位先行清偿，"
            "再依法进行追偿。"
        )
    return lines


def render_referral(ctx) -> bytes:
    """The letter (one page or two) and a return receipt for the inspection to sign."""
    from app.documents.case_documents import DocumentUnavailable, _head, _notice_end

    d, st = ctx.detail, styles()
    refusal = referral_refusal(d)
    if refusal:
        raise DocumentUnavailable(refusal)
    r: ReferralInfo = d.referral
    employer = d.respondent
    story = _head(TITLE, d.case_no)
    story += [
        para(f"{r.inspection_body}：", st.plain),
        para(
            f"{d.applicant_names(3)}于{cn_date(d.received_on)}向本委员会申请劳动争议调解，"
            f"反映{employer.name if employer else '用人单位'}拖欠劳动报酬"
            f"，涉及劳动者{len(r.workers)}人、金额合计人民币{money(r.total)}元"
            f"（大写：{rmb_upper(r.total)}）。"
            "本案存在下列情形，依照《劳动保障监察条例》第九条，现将线索及证据材料移送你单位，请依法查处。"
        ),
        para("一、用人单位", st.heading),
    ]
    if employer is not None:
        bits = [employer.name]
        if employer.credit_code:
            bits.append(f"统一社会信用代码{employer.credit_code}")
        if employer.legal_rep:
            bits.append(f"法定代表人{employer.legal_rep}")
        if employer.phone:
            bits.append(f"电话{employer.phone}")
        if employer.address:
            bits.append(f"住所{employer.address}")
        story.append(para("，".join(bits) + "。", st.plain))
    project = _project_lines(d, r)
    n = 2
    if project:
        story.append(para(f"{_cn(n)}、工程项目及承包关系", st.heading))
        story += [para(line, st.plain) for line in project]
        n += 1
    story += [
        para(f"{_cn(n)}、被拖欠劳动报酬的劳动者", st.heading),
        _workers_table(d, r),
    ]
    n += 1
    story.append(para(f"{_cn(n)}、逃匿迹象", st.heading))
    signs = r.sign_names
    if signs:
        story += [para(f"{i}. {s}", st.plain) for i, s in enumerate(signs, 1)]
    else:
        story.append(para("本委员会尚未发现逃匿迹象。", st.plain))
    if r.absconding_note:
        story.append(para(f"具体情况：{r.absconding_note}", st.plain))
    n += 1
    story.append(para(f"{_cn(n)}、随函移送的证据材料", st.heading))
    story += [para(f"{i}. {e}", st.plain) for i, e in enumerate(r.evidence, 1)]
    n += 1
    story.append(para(f"{_cn(n)}、调解及报警情况", st.heading))
    state = f"截至移送之日，{_state_on(d, r.referred_on)}。"
    if d.police_incident_no:
        state += f"劳动者已报警，110接处警编号：{d.police_incident_no}。"
    story.append(para(state, st.plain))
    story += [
        Spacer(1, 2 * mm),
        para(
            "本函为线索移送。是否责令用人单位支付、是否涉嫌拒不支付劳动报酬罪并移送公安机关"
            "（《中华人民共和国刑法》第二百七十六条之一；《保障农民工工资支付条例》第四十一条），"
            "由你单位依法认定，本委员会不作认定。移送不影响劳动者依法申请调解、仲裁或者提起诉讼的权利。"
            "请将处理情况（立案编号、责令支付、移送公安机关等）告知本委员会。"
        ),
    ]
    contact = "；".join(
        x
        for x in (
            f"联系地址：{ctx.station_address}" if ctx.station_address else "",
            f"联系电话：{ctx.station_phone}" if ctx.station_phone else "",
        )
        if x
    )
    if contact:
        story.append(para(contact, st.plain))
    story.append(_notice_end(ctx.organisation, r.referred_on, "特此函告。"))
    story += [PageBreak(), *_head("移送回执", d.case_no), *_receipt(d, r, ctx.organisation)]
    return build_pdf(story, title=f"{TITLE} {d.case_no}", header=d.case_no)


def _state_on(d: CaseDetail, day) -> str:
    """Where the case stood on the day of the letter (the letter keeps its date when printed
    later, so it must not report a later state)."""
    if d.is_declined and (d.declined_on or d.outcome_on) and (d.declined_on or d.outcome_on) <= day:
        return "本委员会已决定不予受理"
    if d.outcome_on and d.outcome_on <= day:
        current = d.current_agreement
        if current is not None and current.signed_on and current.signed_on <= day:
            return f"双方已于{cn_date(current.signed_on)}达成调解协议"
        return f"本委员会已于{cn_date(d.outcome_on)}终止调解"
    if d.accepted_on and d.accepted_on <= day:
        held = [m for m in d.sessions if m.held_at.astimezone().date() <= day]
        return f"本案已于{cn_date(d.accepted_on)}受理，已调解{len(held)}次，尚未达成协议"
    return "本案尚未受理"


def _receipt(d: CaseDetail, r: ReferralInfo, organisation: str) -> list:
    st = styles()
    w = TEXT_W
    rows = [
        ["移送单位", organisation, "移送日期", cn_date(r.referred_on)],
        ["接收单位", r.inspection_body, "", ""],
        [
            "案件",
            f"{d.applicant_names(3)}与{d.respondent.name if d.respondent else ''}拖欠劳动报酬",
            "",
            "",
        ],
        ["劳动者人数", f"{len(r.workers)}人", "金额合计", f"{money(r.total)}元"],
        ["证据材料", f"{len(r.evidence)}项（见移送函）", "", ""],
        ["监察案件编号", "", "接收日期", "    年  月  日"],
        ["接收人（签名）", "", "接收单位（印章）", ""],
    ]
    t = grid(rows, [w * 0.2, w * 0.35, w * 0.2, w * 0.25], label_cols=(0, 2))
    t.setStyle(
        [("SPAN", (1, i), (-1, i)) for i in (1, 2, 4)]
        + [("TOPPADDING", (0, 6), (-1, 6), 18), ("BOTTOMPADDING", (0, 6), (-1, 6), 18)]
    )
    return [
        KeepTogether([t]),
        Spacer(1, 3 * mm),
        para("请接收单位签收后将本回执交回移送单位。", st.note),
    ]


_CN = "一二三四五六七八九十"


def _cn(n: int) -> str:
    return _CN[n - 1]


__all__ = ["TITLE", "referral_refusal", "render_referral"]
