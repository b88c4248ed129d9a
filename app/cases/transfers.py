"""Case transfers (移交): a case registered at the wrong station continues at the right one.

The sending station (:func:`transfer_out`, from the case page) or a district admin (the
dashboard or ``labor-district transfer-case``; the station carries it out at its next sync)
names the receiving station and the reason. The case's content travels whole
(:func:`case_payload`: the parties with their details, the respondent, the claims, facts and
requests, the employment status the intake requires, the attachments) and the original
receipt date with it: the 15 days of 调解仲裁法 Art. 14 ("自劳动争议调解组织收到调解申请之日起
十五日内未达成调解协议的，当事人可以依法申请仲裁") run from the day the first organisation
received the application, not from the transfer. The sender's case closes as 已移交 naming the
receiving station; the receiving station registers it (:func:`intake_form`, prefilled, under
调解案件 → 移交案件) or declines it with a reason and a decline category; both case files
name the other case (移交自 / 移交至).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.cases.attachments import attach
from app.cases.enterprises import EnterpriseInput
from app.cases.errors import Problems, ValidationError, WorkflowRefused
from app.cases.intake import (
    AgentInput,
    ClaimInput,
    EnterpriseChoice,
    IntakeForm,
    WorkerInput,
)
from app.domain import reference
from app.domain.case_workflow import TRANSFERABLE
from app.domain.enums import CaseStatus, DeclineCategory, PartyRole
from app.store.attachments import list_attachments
from app.store.models import (
    CaseClaim,
    CaseParty,
    CaseTransfer,
    CaseTransferFile,
    DisputeCase,
    Enterprise,
    Person,
    utcnow,
)

STATION_ACTOR = "站点"
OUT_STATUS = {"queued": "待报送区级", "sent": "已送达区级", "accepted": "对方已登记",
              "declined": "对方不予接收", "refused": "未能移交"}  # fmt: skip
IN_STATUS = {"new": "待处理", "accepted": "已登记", "declined": "不予接收"}
MAX_REASON = 200


def station_label(code: str | None) -> str:
    if not code:
        return ""
    try:
        return reference.station(code).name
    except KeyError:
        return code


def station_choices(own: str) -> list[tuple[str, str]]:
    return [(st.code, st.name) for st in reference.stations() if st.code != own]


# ------------------------------------------------------------------ sending


def _person(p: Person | None) -> dict:
    if p is None:
        return {}
    return {
        "name": p.name, "id_number": p.id_number or "", "id_type": p.id_type or "",
        "sex": p.sex.value if p.sex else None, "phone": p.phone or "",
        "address": p.address or "", "job": p.job or "", "hukou": p.hukou or "",
        "organisation": p.organisation or "",
    }  # fmt: skip


def _enterprise(e: Enterprise | None) -> dict:
    if e is None:
        return {}
    return {
        "name": e.name, "credit_code": e.credit_code or "", "legal_rep": e.legal_rep or "",
        "address": e.address or "", "phone": e.phone or "",
    }  # fmt: skip


def case_payload(s, case: DisputeCase) -> dict:
    """Everything the receiving station's registration needs, as plain JSON values."""
    parties = list(
        s.scalars(
            select(CaseParty)
            .where(CaseParty.case_id == case.id, CaseParty.deleted.is_(False))
            .order_by(CaseParty.sort_order)
        )
    )
    workers, agents = [], []
    respondent = contractor = None
    index_of: dict[str, int] = {}
    for p in parties:
        if p.role == PartyRole.APPLICANT:
            index_of[p.id] = len(workers)
            workers.append(_person(s.get(Person, p.person_id)) | {
                "is_representative": bool(p.is_representative)})  # fmt: skip
        elif p.role in (PartyRole.RESPONDENT, PartyRole.SUBCONTRACTOR):
            respondent = _enterprise(s.get(Enterprise, p.enterprise_id))
        elif p.role == PartyRole.GENERAL_CONTRACTOR:
            contractor = _enterprise(s.get(Enterprise, p.enterprise_id))
    for p in parties:
        if p.role in (PartyRole.APPLICANT_AGENT, PartyRole.RESPONDENT_AGENT):
            agents.append(
                _person(s.get(Person, p.person_id))
                | {
                    "side": "respondent" if p.role == PartyRole.RESPONDENT_AGENT else "applicant",
                    "authority": p.authority or "一般授权",
                    "for_worker": index_of.get(p.agent_for_id or ""),
                }
            )
    claims = [
        {"dispute_type": c.dispute_type, "amount": None if c.amount is None else str(c.amount),
         "description": c.description or ""}
        for c in s.scalars(
            select(CaseClaim).where(CaseClaim.case_id == case.id, CaseClaim.deleted.is_(False))
        )
    ]  # fmt: skip
    files = [
        {"seq": i, "filename": a.filename, "sha256": a.sha256, "size": a.size,
         "note": a.note or ""}
        for i, a in enumerate(list_attachments(s, "dispute_case", case.id), start=1)
    ]  # fmt: skip
    return {
        "case_no": case.case_no,
        "status": case.status.value,
        "received_on": case.received_on.isoformat(),
        "channel": case.intake_channel,
        "channel_ref": case.intake_ref or "",
        "oral": bool(case.oral_application),
        "oral_record": case.oral_record or "",
        "workers": workers,
        "respondent": respondent or {},
        "is_construction": bool(case.is_construction),
        "project_name": case.project_name or "",
        "general_contractor": contractor or {},
        "agents": agents,
        "claims": claims,
        "facts": case.facts or "",
        "requests": case.requests or "",
        "is_migrant_worker": bool(case.is_migrant_worker),
        "employment_status": case.employment_status.value if case.employment_status else None,
        "employment_ended_on": case.employment_ended_on.isoformat()
        if case.employment_ended_on
        else None,
        "infringement_known_on": case.infringement_known_on.isoformat()
        if case.infringement_known_on
        else None,
        "co_mediators": case.co_mediators or "",
        "files": files,
    }


def check_reason(reason: str, problems: Problems) -> str:
    reason = (reason or "").strip()
    if not reason:
        problems.add("移交理由", "移交理由", "请填写移交理由（例如用人单位不在本街镇）")
    elif len(reason) > MAX_REASON:
        problems.add("移交理由", "移交理由", f"不超过{MAX_REASON}个字")
    elif any(ord(ch) < 32 and ch not in "\n\t" for ch in reason):
        problems.add("移交理由", "移交理由", "含有不可见的控制字符")
    return reason


def transfer_out(
    store,
    case_id: str,
    to_station: str,
    reason: str,
    *,
    transfer_id: str | None = None,
    initiated_by: str = STATION_ACTOR,
    today: date | None = None,
) -> str:
    """Close the case as 已移交 and queue the transfer for the next sync. Returns its id.

    ``transfer_id``: the district's id when a district admin ordered the transfer.
    """
    today = today or date.today()
    problems = Problems()
    own = store.station.code
    if to_station == own:
        problems.add("接收站点", "接收站点", "不能移交给本站")
    elif to_station not in {c for c, _n in station_choices(own)}:
        problems.add("接收站点", "接收站点", "请选择接收的站点")
    reason = check_reason(reason, problems)
    problems.raise_if_any()
    with store.unit_of_work() as s:
        case = s.get(DisputeCase, case_id)
        if case is None or case.deleted:
            raise ValidationError("案件不存在或已被删除")
        if case.status not in TRANSFERABLE:
            raise WorkflowRefused(
                f"案件当前为“{case.status.label}”：只有尚未调解终结的案件"
                "（已登记、已受理、调解中）可以移交"
            )
        payload = case_payload(s, case)
        if not payload["employment_status"]:
            # the receiving registration requires it (调解仲裁法 Art. 27): ask before sending
            raise WorkflowRefused(
                "本案未登记劳动关系状态：请先在案件页“修改登记信息”中选择劳动关系存续、"
                "已解除或终止（日期）或不清楚，再移交"
            )
        tid = transfer_id or str(uuid.uuid4())
        s.add(
            CaseTransfer(
                id=tid,
                direction="out",
                status="queued",
                from_station=own,
                from_case_no=case.case_no,
                to_station=to_station,
                reason=reason,
                received_on=case.received_on,
                case_id=case.id,
                initiated_by=initiated_by[:60],
                data=payload,
            )
        )
        case.status = CaseStatus.TRANSFERRED
        case.status_changed_at = utcnow()
        case.closed_on = today
        case.transfer_to_station = to_station
        case.transfer_reason = reason
        case.transferred_on = today
        case.outcome_note = f"移交{station_label(to_station)}：{reason}"
    return tid


def refuse_order(store, transfer_id: str, case_no: str, to_station: str, why: str) -> None:
    """A district-ordered transfer this station cannot carry out (reported with the reason)."""
    with store.unit_of_work() as s:
        if s.get(CaseTransfer, transfer_id) is not None:
            return
        s.add(
            CaseTransfer(
                id=transfer_id, direction="out", status="refused", from_station=store.station.code,
                from_case_no=case_no[:60], to_station=to_station, reason=why[:500],
                received_on=date.today(), initiated_by="区级", data={}, decline_reason=why,
            )
        )  # fmt: skip


# ------------------------------------------------------------------ receiving


@dataclass(frozen=True)
class TransferRow:
    id: str
    direction: str
    status: str
    from_station: str
    from_case_no: str
    to_station: str
    to_case_no: str | None
    received_on: date
    reason: str
    applicants: str
    respondent: str
    claims: str
    files: int
    reported: bool
    decline_reason: str | None


def list_incoming(store) -> list[TransferRow]:
    with store.read() as s:
        rows = list(s.scalars(select(CaseTransfer).where(CaseTransfer.direction == "in")))
        counts: dict[str, int] = {}
        for tid in s.scalars(select(CaseTransferFile.transfer_id)):
            counts[tid] = counts.get(tid, 0) + 1
    rows.sort(key=lambda r: (r.status != "new", r.received_on, r.from_case_no))
    out = []
    for r in rows:
        d = r.data or {}
        out.append(
            TransferRow(
                id=r.id, direction=r.direction, status=r.status, from_station=r.from_station,
                from_case_no=r.from_case_no, to_station=r.to_station, to_case_no=r.to_case_no,
                received_on=r.received_on, reason=r.reason,
                applicants="、".join(w.get("name") or "" for w in d.get("workers") or []),
                respondent=str((d.get("respondent") or {}).get("name") or ""),
                claims="、".join(reference.dispute_type_name(c.get("dispute_type") or "")
                                for c in d.get("claims") or []),
                files=counts.get(r.id, len(d.get("files") or []) if r.status == "new" else 0),
                reported=r.reported_at is not None, decline_reason=r.decline_reason,
            )
        )  # fmt: skip
    return out


def transfer_data(store, transfer_id: str) -> dict:
    with store.read() as s:
        row = s.get(CaseTransfer, transfer_id)
        if row is None:
            raise ValidationError("没有这份移交")
        return dict(row.data or {})


def _choice(s, e: dict, own: str) -> EnterpriseChoice:
    credit = (e.get("credit_code") or "").strip()
    if credit:
        known = s.scalar(
            select(Enterprise.id).where(
                Enterprise.credit_code == credit, Enterprise.deleted.is_(False)
            )
        )
        if known:
            return EnterpriseChoice(enterprise_id=known)
    return EnterpriseChoice(
        new=EnterpriseInput(
            name=e.get("name") or "", credit_code=credit, legal_rep=e.get("legal_rep") or "",
            address=e.get("address") or "", phone=e.get("phone") or "",
        )
    )  # fmt: skip


def _day(text) -> date | None:
    return date.fromisoformat(text) if text else None


def intake_form(store, transfer_id: str) -> IntakeForm:
    """The registration prefilled from the transfer, with the original receipt date."""
    with store.read() as s:
        row = s.get(CaseTransfer, transfer_id)
        if row is None or row.direction != "in":
            raise ValidationError("没有这份移交")
        if row.status != "new":
            raise ValidationError("这份移交已经处理过")
        d = dict(row.data or {})
        respondent = _choice(s, d.get("respondent") or {}, store.station.code)
        contractor = (
            _choice(s, d.get("general_contractor") or {}, store.station.code)
            if d.get("is_construction")
            else EnterpriseChoice()
        )
        received = row.received_on
        ref = f"{station_label(row.from_station)} {row.from_case_no}"[:60]
    workers = [
        WorkerInput(
            name=w.get("name") or "", id_number=w.get("id_number") or "",
            id_type=w.get("id_type") or "", phone=w.get("phone") or "",
            address=w.get("address") or "", job=w.get("job") or "", hukou=w.get("hukou") or "",
            is_representative=bool(w.get("is_representative")),
        )
        for w in d.get("workers") or []
    ]  # fmt: skip
    agents = [
        AgentInput(
            side=a.get("side") or "applicant", name=a.get("name") or "",
            phone=a.get("phone") or "", organisation=a.get("organisation") or "",
            id_number=a.get("id_number") or "", authority=a.get("authority") or "一般授权",
            for_worker=a.get("for_worker"),
        )
        for a in d.get("agents") or []
    ]  # fmt: skip
    channels = {c.code for c in reference.intake_channels()}
    return IntakeForm(
        received_on=received,
        channel=d.get("channel") if d.get("channel") in channels else "walk_in",
        channel_ref=ref,
        oral=bool(d.get("oral")),
        oral_record=d.get("oral_record") or "",
        workers=workers,
        respondent=respondent,
        is_construction=bool(d.get("is_construction")),
        project_name=d.get("project_name") or "",
        general_contractor=contractor,
        claims=[
            ClaimInput(
                dispute_type=c.get("dispute_type") or "",
                amount=c.get("amount"),
                description=c.get("description") or "",
            )
            for c in d.get("claims") or []
        ],
        facts=d.get("facts") or "",
        requests=d.get("requests") or "",
        is_migrant_worker=bool(d.get("is_migrant_worker")),
        employment_status=d.get("employment_status"),
        employment_ended_on=_day(d.get("employment_ended_on")),
        infringement_known_on=_day(d.get("infringement_known_on")),
        agents=agents,
        co_mediators=d.get("co_mediators") or "",
    )


def intake_draft_state(form: IntakeForm) -> dict:
    """The registration dialog's draft state for ``form``, the employment status included (the
    dialog refuses to register without it)."""
    return {
        "received_on": form.received_on.isoformat() if form.received_on else None,
        "channel": form.channel,
        "channel_ref": form.channel_ref,
        "oral": form.oral,
        "oral_record": form.oral_record,
        "workers": [vars(w) | {"sex": None} for w in form.workers],
        "claims": [
            {"dispute_type": c.dispute_type, "amount": c.amount, "description": c.description}
            for c in form.claims
        ],
        "facts": form.facts,
        "requests": form.requests,
        "migrant": form.is_migrant_worker,
        "construction": form.is_construction,
        "project_name": form.project_name,
        "co_mediators": form.co_mediators,
        "agents": [vars(a) for a in form.agents],
        "employment_status": str(form.employment_status or ""),
        "employment_ended_on": form.employment_ended_on.isoformat()
        if form.employment_ended_on
        else None,
        "infringement_known_on": form.infringement_known_on.isoformat()
        if form.infringement_known_on
        else None,
    }


def mark_accepted(store, transfer_id: str, case_id: str, case_no: str) -> int:
    """The transfer became case ``case_no`` here: the link is written on the case (移交自), the
    attachments become the case's. Returns the number of files attached."""
    with store.unit_of_work() as s:
        row = s.get(CaseTransfer, transfer_id)
        if row is None or row.direction != "in" or row.status != "new":
            raise ValidationError("这份移交已经处理过")
        row.status, row.case_id, row.to_case_no = "accepted", case_id, case_no
        row.decided_at, row.decided_by = utcnow(), store.user.username
        row.reported_at = None
        case = s.get(DisputeCase, case_id)
        case.transfer_from_station = row.from_station
        case.transfer_from_case_no = row.from_case_no
        case.transfer_reason = row.reason
        case.transferred_on = row.created_at.date() if row.created_at else date.today()
        files = [
            (f.filename, bytes(f.data), f.note)
            for f in s.scalars(
                select(CaseTransferFile)
                .where(CaseTransferFile.transfer_id == transfer_id)
                .order_by(CaseTransferFile.seq)
            )
        ]
        source = f"{station_label(row.from_station)} {row.from_case_no}"
    for name, data, note in files:
        attach(store, "dispute_case", case_id, name, data,
               note=(note or f"移交自{source}")[:200])  # fmt: skip
    with store.unit_of_work() as s:
        for f in s.scalars(
            select(CaseTransferFile).where(CaseTransferFile.transfer_id == transfer_id)
        ):
            s.delete(f)
    return len(files)


def decline(store, transfer_id: str, category: DeclineCategory | str | None, reason: str) -> None:
    """Refuse a transfer (the district and the sending station see the reason and category)."""
    reason = (reason or "").strip()
    try:
        category = DeclineCategory(category) if category else None
    except ValueError:
        category = None
    problems = Problems()
    if category is None:
        problems.add("原因类别", "原因类别", "请选择不予接收的原因类别")
    if not reason:
        problems.add("理由", "理由", "请填写不予接收的理由（区级和移交站点会看到）")
    elif len(reason) > 500:
        problems.add("理由", "理由", "不超过500个字")
    problems.raise_if_any()
    with store.unit_of_work() as s:
        row = s.get(CaseTransfer, transfer_id)
        if row is None or row.direction != "in" or row.status != "new":
            raise ValidationError("这份移交已经处理过")
        row.status, row.decline_reason, row.decline_category = "declined", reason, category.value
        row.decided_at, row.decided_by = utcnow(), store.user.username
        row.reported_at = None
        for f in s.scalars(
            select(CaseTransferFile).where(CaseTransferFile.transfer_id == transfer_id)
        ):
            s.delete(f)


# ------------------------------------------------------------------ the case page


@dataclass(frozen=True)
class TransferLinks:
    """What the case page shows: 移交自 / 移交至 with the other case number."""

    from_text: str | None
    to_text: str | None


def links_of(case: DisputeCase, outgoing: CaseTransfer | None = None) -> TransferLinks:
    from_text = to_text = None
    if case.transfer_from_station:
        from_text = f"{station_label(case.transfer_from_station)} {case.transfer_from_case_no}"
    if case.transfer_to_station:
        to_text = station_label(case.transfer_to_station)
        if case.transfer_to_case_no:
            to_text += f" {case.transfer_to_case_no}"
        elif outgoing is not None and outgoing.status == "declined":
            to_text += f"（对方不予接收：{outgoing.decline_reason or ''}）"
        else:
            to_text += "（待对方登记）"
    return TransferLinks(from_text, to_text)


def links_in(s, case: DisputeCase) -> TransferLinks:
    """The case's 移交自 / 移交至, inside a session (``load_case`` calls it)."""
    out = None
    if case.transfer_to_station:
        out = s.scalar(
            select(CaseTransfer).where(
                CaseTransfer.direction == "out", CaseTransfer.case_id == case.id
            )
        )
    return links_of(case, out)


def case_links(store, case_id: str) -> TransferLinks:
    with store.read() as s:
        case = s.get(DisputeCase, case_id)
        return TransferLinks(None, None) if case is None else links_in(s, case)
