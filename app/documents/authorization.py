"""授权委托书: the power of attorney a party gives its agent (issue 13 point 4).

调解仲裁法 Art. 24 (the power of attorney "应当载明委托事项和权限") and 民事诉讼法 Art. 62 (admitting,
waiving or changing claims and settling need the principal's special authority): the form names
the principal and the agent, lists the matters, and sets out the two authorities with the items
of the special one, so that an agent who is to sign the settlement gets them in writing.

One page per agent recorded on the case (its recorded authority ticked); a case without agents
gets a blank form for each party, for the party to fill in.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer

from app.cases.signing import SPECIAL, agents_of, signing_parties
from app.documents.layout import TEXT_W, build_pdf, grid, para, signature_block, styles

#: the acts special authority covers in mediation (民事诉讼法 Art. 62, applied to mediation)
SPECIAL_ITEMS = (
    "代为承认、放弃、变更调解请求",
    "代为进行和解、接受调解，协商确定调解方案",
    "代为签署调解协议书",
    "代为申请仲裁审查确认或者司法确认",
    "代为签收调解文书",
)
GENERAL_ITEMS = ("代为提交、补充证据材料", "代为参加调解、陈述事实和理由", "代为签收调解文书")


def _box(on: bool) -> str:
    # GB2312 has these two (SimSun on Windows, the bundled font elsewhere)
    return "■" if on else "□"


def _principals_table(principals) -> list:
    """Several workers giving one agent their authority: each named, with a line to sign."""
    w = TEXT_W
    rows = [["序号", "委托人姓名", "身份证号", "联系电话", "委托人签名"]]
    for i, p in enumerate(principals, 1):
        rows.append([str(i), p.name, p.id_number or "", p.phone or "", ""])
    return [
        para("委托人（共同委托）：", styles().plain),
        grid(
            rows,
            [w * 0.08, w * 0.16, w * 0.32, w * 0.2, w * 0.24],
            label_cols=(),
            header=True,
        ),
        Spacer(1, 2 * mm),
    ]


def _page(ctx, principals, agent) -> list:
    d, st = ctx.detail, styles()
    w = TEXT_W
    principal = principals[0]
    story = [para("授权委托书", st.title), para(d.case_no, st.number), Spacer(1, 3 * mm)]
    if len(principals) > 1:
        story += _principals_table(principals)
        rows = []
    elif principal.is_person:
        rows = [
            ["委托人", "", "", ""],
            ["姓名", principal.name, "身份证号", principal.id_number or ""],
            ["联系电话", principal.phone or "", "住址", principal.address or ""],
        ]
    else:
        rows = [
            ["委托人", "", "", ""],
            ["名称", principal.name, "统一社会信用代码", principal.credit_code or ""],
            ["法定代表人", principal.legal_rep or "", "住所", principal.address or ""],
        ]
    rows += [
        ["受托人（委托代理人）", "", "", ""],
        ["姓名", agent.name if agent else "", "身份证号", (agent.id_number if agent else "") or ""],
        [
            "工作单位",
            (agent.organisation if agent else "") or "",
            "联系电话",
            (agent.phone if agent else "") or "",
        ],
    ]
    table = grid(rows, [w * 0.17, w * 0.33, w * 0.2, w * 0.3], label_cols=(0, 2))
    titles = [i for i, r in enumerate(rows) if r[1:] == ["", "", ""]]
    for i in titles:
        table.setStyle([("SPAN", (0, i), (-1, i)), ("BACKGROUND", (0, i), (-1, i), "#e6e6e6")])
    authority = agent.authority if agent else None
    special = authority == SPECIAL
    story += [
        table,
        Spacer(1, 3 * mm),
        para(
            f"现委托上列受托人在{_names(principals)}与"
            + (
                "、".join(p.name for p in d.respondents)
                if principal.role.value == "applicant"
                else d.applicant_names(3)
            )
            + f"之间的劳动争议（{d.case_no}）调解中，作为委托人的委托代理人。",
            st.body,
        ),
        para("代理权限：", st.heading),
        para(
            f"{_box(bool(authority) and not special)}一般授权：" + "；".join(GENERAL_ITEMS) + "。",
            st.plain,
        ),
        para(f"{_box(special)}特别授权，除一般授权的事项外，还包括：", st.plain),
    ]
    story += [para(f"{i}. {item}；", st.plain) for i, item in enumerate(SPECIAL_ITEMS, 1)]
    story += [
        Spacer(1, 2 * mm),
        para(
            "说明：委托他人参加调解、仲裁活动，应当提交由委托人签名或者盖章的授权委托书，委托书应当载明委托事项和权限"
            "（《中华人民共和国劳动争议调解仲裁法》第二十四条）。代理人代为承认、放弃、变更请求，进行和解，"
            "须有委托人的特别授权（《中华人民共和国民事诉讼法》第六十二条）；只写“全权代理”而无具体授权的，"
            "不能代为签署调解协议书。仅有一般授权的代理人不能代为签署调解协议书。",
            st.note,
        ),
        para(
            "代理期限：自本委托书签署之日起至本案调解程序终结（含协议履行及仲裁审查确认、司法确认）止。",
            st.plain,
        ),
    ]
    if len(principals) > 1:
        signers = []  # each worker signs in the table above
    elif principal.is_person:
        signers = [("委托人", "签名或按指印")]
    else:
        signers = [("委托人（盖章）", "法定代表人签名")]
    signers.append(("受托人", "签名"))
    story.append(KeepTogether([signature_block(signers)]))
    return story


def _names(principals) -> str:
    names = [p.name for p in principals]
    return "、".join(names) if len(names) <= 3 else "、".join(names[:3]) + f"等{len(names)}人"


def authorization_pages(ctx) -> list[tuple]:
    """(principals, agent or None) for each page: one per recorded agent, with every party it
    acts for; without agents a blank form for each party."""
    d = ctx.detail
    pages = []
    for agent in d.agents:
        principals = [p for p in signing_parties(d) if agent in agents_of(d, p)]
        if principals:
            pages.append((principals, agent))
    if not pages:
        pages = [([p], None) for p in signing_parties(d)]
    return pages


def render_authorization(ctx) -> bytes:
    d = ctx.detail
    story: list = []
    for i, (principals, agent) in enumerate(authorization_pages(ctx)):
        if i:
            story.append(PageBreak())
        story += _page(ctx, principals, agent)
    return build_pdf(story, title=f"授权委托书 {d.case_no}", header=d.case_no)
