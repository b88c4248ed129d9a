"""Parts of the printed 调解协议书 added for issue 13 point 4: the per-worker schedule of a payment
term, and the record of who signed for each party (kept apart from ``case_documents``).

ID numbers are printed in full in the schedule: the agreement is the document a worker takes to
the court for a payment order (调解仲裁法 Art. 16), and published agreement formats identify each
worker by name and 身份证号.
"""

from __future__ import annotations

from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Spacer

from app.documents.layout import TEXT_W, cn_date, grid, money, para, styles


def schedule_payee(t: dict) -> str | None:
    """Who is paid, in the term's sentence, when the term carries a schedule."""
    rows = t.get("schedule") or []
    if not rows:
        return None
    first = rows[0].get("name") or "申请人"
    who = f"申请人{first}" if len(rows) == 1 else f"申请人{first}等{len(rows)}人"
    return f"{who}（每人金额、履行日期及支付方式见本项分配明细）"


def schedule_block(t: dict, seq_text: str, deadline: str | None) -> list:
    """The table of each worker's share of a payment term (title kept with the table's head)."""
    rows_in = t.get("schedule") or []
    if not rows_in:
        return []
    st = styles()
    term_due = t.get("due_on") or deadline
    rows = [["序号", "姓名", "身份证号", "金额（元）", "履行日期", "支付方式及账户"]]
    for i, r in enumerate(rows_in, 1):
        due = r.get("due_on") or term_due
        method = r.get("method") or t.get("method") or ""
        if r.get("account"):
            method += f"\n账户：{r['account']}"
        rows.append(
            [
                str(i),
                r.get("name") or "",
                r.get("id_number") or "",
                money(r.get("amount")),
                cn_date(date.fromisoformat(due)) if due else "",
                method,
            ]
        )
    amount = t.get("amount")
    w = TEXT_W
    # A smaller face, so that an 18-character ID number and a bank account stay on one line.
    small, head = _small_cells()
    cells = [[para(v, head) for v in rows[0]]]
    cells += [[para(v, small) for v in row] for row in rows[1:]]
    table = grid(
        cells,
        [w * 0.07, w * 0.09, w * 0.23, w * 0.115, w * 0.18, w * 0.315],
        label_cols=(),
        header=True,
    )
    return [
        # A table's title never stays alone at a page foot.
        CondPageBreak(40 * mm),
        para(f"第{seq_text}项分配明细（共{len(rows_in)}人，合计{money(amount)}元）", st.plain),
        table,
        Spacer(1, 2 * mm),
    ]


_SMALL = None


def _small_cells():
    global _SMALL
    if _SMALL is None:
        from reportlab.lib.styles import ParagraphStyle

        _SMALL = (
            ParagraphStyle("schedule_cell", parent=styles().cell, fontSize=8.5, leading=11.5),
            ParagraphStyle("schedule_head", parent=styles().cell_label, fontSize=8.5, leading=11.5),
        )
    return _SMALL


def signature_record(c: dict) -> list:
    """签署情况: who signed for each party, in what capacity, seal or not (recorded at signing)."""
    sigs = c.get("signatures") or []
    if not sigs:
        return []
    st = styles()
    rows = [["当事人", "签署人", "签署身份", "盖章"]]
    for s in sigs:
        rows.append(
            [
                f"{s.get('role_label') or ''}{s.get('party') or ''}",
                s.get("signer") or "（未签名）",
                s.get("capacity_label") or "",
                ("已加盖印章" if s.get("seal_applied") else "未盖章")
                if s.get("is_enterprise")
                else "—",
            ]
        )
    w = TEXT_W
    return [
        CondPageBreak(35 * mm),
        para("签署情况（签署时登记）：", st.plain),
        grid(rows, [w * 0.38, w * 0.17, w * 0.28, w * 0.17], label_cols=(), header=True),
        para(
            "委托代理人代为签署的，须有委托人签名或者盖章、载明特别授权的授权委托书"
            "（《中华人民共和国民事诉讼法》第六十二条）。",
            st.note,
        ),
    ]


def followup_lines(d) -> list:
    """履行回访情况: each follow-up of the case (date, method, contact, amount received)."""
    if not d.followups:
        return []
    st = styles()
    out = [para("履行回访情况：", st.plain)]
    for f in d.followups:
        if f.amount_received:
            got = f"，反映已收到人民币{money(f.amount_received)}元"
        elif f.amount_received is not None:
            got = "，反映尚未收到款项"
        else:
            got = ""
        note = f"（{f.note}）" if f.note else ""
        out.append(
            para(f"{cn_date(f.followed_on)}，{f.method}回访{f.contact}{got}{note}。", st.plain)
        )
    return out
