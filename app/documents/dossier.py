"""卷宗封面 and 卷内目录: the cover and the contents list of a closed case's file for the archive.

The contents list is made from the documents the program prints for the case, in the order a
mediation file is bound (application, register, acceptance or decline with their receipts,
evidence, session records, agreement or termination, the follow-up, referrals); each printed
document is rendered once to count its pages, so the page column is true for what is printed
with the same program. Attachments (evidence the parties handed in) are listed by name; their
pages are counted by hand when the file is bound (the program stores files, not sheets of paper).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer

from app.cases.detail import CaseDetail
from app.documents.layout import TEXT_W, build_pdf, cn_date, grid, para, styles
from app.domain.enums import CaseStatus

TITLE = "劳动争议调解案卷"

_PAGE = re.compile(rb"/Type\s*/Page[^s]")


def dossier_refusal(d: CaseDetail) -> str | None:
    if d.status in (CaseStatus.CLOSED, CaseStatus.ARCHIVED):
        return None
    return "案件结案后才能打印卷宗封面及卷内目录（当前状态：" + d.status.label + "）"


@dataclass
class Entry:
    title: str
    day: object
    pages: int | None
    note: str = ""


def page_count(pdf: bytes) -> int:
    return len(_PAGE.findall(pdf))


def contents(ctx) -> list[Entry]:
    """The file's documents in binding order, each with its page count (None: by hand)."""
    from app.documents.case_documents import RENDERERS, DocumentUnavailable, available_kinds

    d = ctx.detail
    ready = {k.code: reason is None for k, reason in available_kinds(d, ctx.today)}
    out: list[Entry] = []

    def add(code: str, title: str, day, *args) -> None:
        if not ready.get(code):
            return
        try:
            pdf = RENDERERS[code](ctx, *args)
        except DocumentUnavailable:
            return
        out.append(Entry(title, day, page_count(pdf)))

    add(
        "application",
        "劳动争议调解申请书" + ("（含口头申请记录）" if d.oral_application else ""),
        d.received_on,
    )
    add("register", "劳动争议调解案件登记表", d.registered_at.astimezone().date())
    if d.is_declined:
        add("decline", "不予受理通知书及送达回证", d.declined_on or d.outcome_on)
    else:
        add(
            "acceptance",
            "受理通知书、参加调解通知书、当事人权利义务告知书及送达回证",
            d.accepted_on,
        )
    for m in d.sessions:
        add(
            "session_record",
            f"调解笔录（第{m.session_no}次）",
            m.held_at.astimezone().date(),
            m.session_no,
        )
    add("expiry_notice", "调解期限届满告知书", d.clock.legal_end)
    current = d.current_agreement
    if current is not None:
        add(
            "agreement",
            f"调解协议书（第{current.version_no}版）",
            current.signed_on,
            current.version_no,
        )
        add("review_application", "仲裁审查申请书", current.signed_on)
        add("nonperformance", "调解协议履行情况告知书", ctx.today)
    add("termination", "调解终止通知书及调解终止记录", d.outcome_on)
    if d.referral is not None:
        add("referral", "拖欠劳动报酬线索移送函及移送回执", d.referral.referred_on)
    # after the printed documents, so that their page numbers hold once the evidence is bound
    for a in d.attachments:
        out.append(
            Entry(f"证据材料：{a.filename}", a.created_at.astimezone().date(), None, a.note or "")
        )
    return out


def _result(d: CaseDetail) -> str:
    if d.is_declined:
        return "不予受理" + (f"（{d.decline_category.label}）" if d.decline_category else "")
    if d.current_agreement is not None:
        return f"调解成功，{cn_date(d.current_agreement.signed_on)}签订调解协议书"
    if d.failure_reason is not None:
        return f"调解不成（{d.failure_reason.label}）"
    if d.outcome_on and d.outcome_note:
        return d.outcome_note
    return d.status.label


def render_dossier(ctx) -> bytes:
    from app.documents.case_documents import DocumentUnavailable

    d, st = ctx.detail, styles()
    refusal = dossier_refusal(d)
    if refusal:
        raise DocumentUnavailable(refusal)
    entries = contents(ctx)
    counted = sum(e.pages or 0 for e in entries)
    by_hand = sum(1 for e in entries if e.pages is None)
    total = f"卷内文件{len(entries)}件，程序打印文书共{counted}页" + (
        f"，另有证据材料{by_hand}件（页数装订时填写）" if by_hand else ""
    )
    w = TEXT_W
    respondents = "、".join(f"{p.name}（{p.role.label}）" for p in d.respondents)
    applicants = d.applicant_names(5)
    if d.employer_applied:
        first, second = ("申请人（用人单位）", respondents), ("被申请人（劳动者）", applicants)
    else:
        first, second = ("申请人", applicants), ("被申请人", respondents)
    rows = [
        ["案号", d.case_no],
        ["案由", "、".join(dict.fromkeys(c.type_name for c in d.claims)) + "争议"],
        list(first),
        list(second),
        ["调解员", "、".join(x for x in (d.mediator_name, d.co_mediators) if x)],
        ["收案日期", cn_date(d.received_on)],
        ["结案日期", cn_date(d.closed_on)],
        ["处理结果", _result(d)],
        ["卷内文件", total],
        ["归档日期", cn_date(d.archived_on)],
        ["档案号", d.archive_no or ""],
        ["保管期限", ""],
        ["立卷人", ""],
        ["检查人", ""],
    ]
    cover = grid(rows, [w * 0.22, w * 0.78], label_cols=(0,))
    cover.setStyle([("TOPPADDING", (0, 0), (-1, -1), 7), ("BOTTOMPADDING", (0, 0), (-1, -1), 8)])
    story = [
        Spacer(1, 10 * mm),
        para(ctx.organisation, st.subtitle),
        Spacer(1, 6 * mm),
        para(TITLE, st.title),
        Spacer(1, 12 * mm),
        cover,
        PageBreak(),
        para("卷内目录", st.title),
        para(d.case_no, st.number),
        Spacer(1, 3 * mm),
    ]
    table = [["序号", "文件名称", "日期", "页号", "备注"]]
    page = 1
    for i, e in enumerate(entries, 1):
        if e.pages is None:
            where = ""
        else:
            where = f"{page}" if e.pages == 1 else f"{page}-{page + e.pages - 1}"
            page += e.pages
        table.append([str(i), e.title, cn_date(e.day) if e.day else "", where, e.note])
    story.append(
        grid(table, [w * 0.07, w * 0.45, w * 0.22, w * 0.12, w * 0.14], label_cols=(), header=True)
    )
    story += [
        Spacer(1, 3 * mm),
        para("页号按程序打印的文书依次编排；证据材料的页号及卷宗总页数在装订时填写。", st.note),
    ]
    return build_pdf(story, title=f"卷宗封面及卷内目录 {d.case_no}", header=d.case_no)
