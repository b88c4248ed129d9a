"""Online applications routed to this station (调解案件 → 网上申请): accept or decline.

Accepting opens the ordinary registration prefilled from the application (:func:`intake_form`),
keeping the date the organisation received it (Art. 14's clock starts then); once registered,
:func:`mark_accepted` records the case and its evidence becomes the case's attachments. The
decision reaches the district at the next sync (:mod:`app.sync.applications`), and the status
the applicant sees follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.cases.attachments import attach
from app.cases.enterprises import EnterpriseInput
from app.cases.errors import FieldProblem, FormInvalid, ValidationError
from app.cases.intake import ClaimInput, EnterpriseChoice, IntakeForm, WorkerInput
from app.store.models import Enterprise, OnlineApplication, OnlineApplicationFile, utcnow

STATUS_LABELS = {"new": "待处理", "accepted": "已受理", "declined": "不予受理"}
APPLICANT_KINDS = {"worker": "劳动者", "employer": "用人单位"}


@dataclass(frozen=True)
class OnlineRow:
    id: str
    reference: str
    received_on: date
    status: str
    applicant: str
    employer: str
    claims: str
    case_no: str | None
    decline_reason: str | None
    reported: bool
    files: int


def list_applications(store) -> list[OnlineRow]:
    """New ones first (oldest first among them: the Art. 14 clock runs), then decided ones."""
    with store.read() as s:
        rows = list(s.scalars(select(OnlineApplication)))
        counts: dict[str, int] = {}
        for app_id in s.scalars(select(OnlineApplicationFile.application_id)):
            counts[app_id] = counts.get(app_id, 0) + 1
    rows.sort(
        key=lambda r: (
            r.status != "new",
            r.received_on if r.status == "new" else -r.received_on.toordinal(),
            r.reference,
        )
    )
    return [
        OnlineRow(
            id=r.id,
            reference=r.reference,
            received_on=r.received_on,
            status=r.status,
            applicant=f"{APPLICANT_KINDS.get(r.data.get('applicant_kind'), '')} {r.data.get('applicant_name') or ''}".strip(),
            employer=str(r.data.get("employer_name") or ""),
            claims=str(r.data.get("claims") or ""),
            case_no=r.case_no,
            decline_reason=r.decline_reason,
            reported=r.reported_at is not None,
            files=counts.get(r.id, 0),
        )
        for r in rows
    ]


def application_data(store, app_id: str) -> dict:
    with store.read() as s:
        row = s.get(OnlineApplication, app_id)
        if row is None:
            raise ValidationError("没有这份网上申请")
        return dict(row.data)


def intake_form(store, app_id: str) -> IntakeForm:
    """A registration prefilled from the application (the mediator checks and completes it)."""
    with store.read() as s:
        row = s.get(OnlineApplication, app_id)
        if row is None:
            raise ValidationError("没有这份网上申请")
        if row.status != "new":
            raise ValidationError("这份网上申请已经处理过")
        d = dict(row.data)
        credit = d.get("employer_credit_code") or ""
        known = None
        if credit:
            known = s.scalar(
                select(Enterprise.id).where(
                    Enterprise.credit_code == credit, Enterprise.deleted.is_(False)
                )
            )
        received = row.received_on
    respondent = (
        EnterpriseChoice(enterprise_id=known)
        if known
        else EnterpriseChoice(
            new=EnterpriseInput(name=d.get("employer_name") or "", credit_code=credit)
        )
    )
    workers = []
    facts = str(d.get("facts") or "")
    if d.get("applicant_kind") == "employer":
        facts = (
            f"（用人单位经办人 {d.get('applicant_name') or ''}，电话 {d.get('phone') or ''} 网上申请）\n"
            + facts
        )
    else:
        workers.append(
            WorkerInput(
                name=d.get("applicant_name") or "",
                id_number=d.get("id_number") or "",
                phone=d.get("phone") or "",
            )
        )
    return IntakeForm(
        received_on=received,
        channel="online",
        channel_ref=row_reference(d),
        workers=workers,
        respondent=respondent,
        claims=[
            ClaimInput(
                dispute_type=d.get("dispute_type") or "",
                amount=d.get("amount"),
                description=str(d.get("claims") or "")[:200],
            )
        ],
        facts=facts,
        requests=str(d.get("claims") or ""),
        # an employer's application registers the employer as the applicant (the workers it
        # names are added by the mediator as the other side)
        applicant_side="employer" if d.get("applicant_kind") == "employer" else "worker",
    )


def row_reference(d: dict) -> str:
    return str(d.get("reference") or "")


def intake_draft_state(form: IntakeForm) -> dict:
    """The registration dialog's draft state for ``form`` (how the dialog is prefilled)."""
    return {
        "received_on": form.received_on.isoformat() if form.received_on else None,
        "channel": form.channel,
        "channel_ref": form.channel_ref,
        "oral": False,
        "oral_record": "",
        "workers": [vars(w) | {"sex": None} for w in form.workers],
        "claims": [
            {"dispute_type": c.dispute_type, "amount": c.amount, "description": c.description}
            for c in form.claims
        ],
        "facts": form.facts,
        "requests": form.requests,
        "migrant": False,
        "construction": False,
        "project_name": "",
        "co_mediators": "",
        "agents": [],
    }


def mark_accepted(store, app_id: str, case_id: str, case_no: str) -> int:
    """The application became case ``case_no``; its evidence is attached to the case.
    Returns the number of files attached."""
    with store.unit_of_work() as s:
        row = s.get(OnlineApplication, app_id)
        if row is None or row.status != "new":
            raise ValidationError("这份网上申请已经处理过")
        row.status, row.case_id, row.case_no = "accepted", case_id, case_no
        row.decided_at, row.decided_by = utcnow(), store.user.username
        row.reported_at = None
        files = [
            (f.seq, f.filename, bytes(f.data))
            for f in s.scalars(
                select(OnlineApplicationFile)
                .where(OnlineApplicationFile.application_id == app_id)
                .order_by(OnlineApplicationFile.seq)
            )
        ]
    for _seq, name, data in files:
        attach(
            store, "dispute_case", case_id, name, data, note=f"网上申请 {row.reference} 的证据材料"
        )
    with store.unit_of_work() as s:
        for f in s.scalars(
            select(OnlineApplicationFile).where(OnlineApplicationFile.application_id == app_id)
        ):
            s.delete(f)
    return len(files)


def decline(store, app_id: str, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise FormInvalid([FieldProblem("reason", "不予受理的理由", "请填写（申请人会看到）")])
    if len(reason) > 500:
        raise FormInvalid([FieldProblem("reason", "不予受理的理由", "不超过500个字")])
    with store.unit_of_work() as s:
        row = s.get(OnlineApplication, app_id)
        if row is None or row.status != "new":
            raise ValidationError("这份网上申请已经处理过")
        row.status, row.decline_reason = "declined", reason
        row.decided_at, row.decided_by = utcnow(), store.user.username
        row.reported_at = None
        for f in s.scalars(
            select(OnlineApplicationFile).where(OnlineApplicationFile.application_id == app_id)
        ):
            s.delete(f)
