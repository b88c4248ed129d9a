"""Online applications for mediation (互联网+调解): validation, intake, status, routing, import.

Plain Python (no web framework): the public page (:mod:`app.district.public`), the dashboard,
the station API and ``labor-district import-applications`` all call it.

An application is routed to the station of the street the applicant chose; a district admin or
reviewer may re-route it (written to the audit log). The applicant sees only the status
(已收到 / 已受理（案号） / 不予受理（理由） / 调解中 / 已结案), found by the reference number plus
the last six characters of the ID number. Once accepted, 调解中 and 已结案 follow the case the
station registered (as its records reach the district by the ordinary batch sync).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.district import roles
from app.district.models import DistrictStation, ReferenceEntry, StationRecord, utcnow
from app.district.models_work import Application, ApplicationEvidence
from app.domain import reference
from app.domain.dates import iso_date
from app.domain.validators import check_credit_code, check_id_number, check_phone, to_halfwidth

REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_FILES = 5
MAX_FILE_BYTES = 5 * 1024 * 1024
#: the server takes no request body above 8 MB (app.sync.protocol.MAX_BODY_BYTES)
MAX_TOTAL_FILE_BYTES = 7 * 1024 * 1024
#: the whole multipart request (files, fields and their framing)
MAX_REQUEST_BYTES = 8 * 1024 * 1024
MAX_AMOUNT = Decimal("99999999.99")
FILE_KINDS = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
FILE_SUFFIX = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

APPLICANT_KINDS = {"worker": "劳动者", "employer": "用人单位"}
STATUS_LABELS = {
    "received": "已收到",
    "accepted": "已受理",
    "declined": "不予受理",
    "in_mediation": "调解中",
    "closed": "已结案",
}
#: station case statuses (app.domain.enums.CaseStatus) as the applicant's status
_CASE_PROGRESS = {
    "accepted": "accepted",
    "registered": "accepted",
    "in_mediation": "in_mediation",
    "agreement_reached": "in_mediation",
    "performing": "in_mediation",
    "failed": "closed",
    "withdrawn": "closed",
    "closed": "closed",
    "archived": "closed",
    "declined": "declined",
}

FIELD_LABELS = {
    "applicant_kind": "申请人类型",
    "applicant_name": "申请人姓名",
    "id_number": "身份证号",
    "phone": "联系电话",
    "employer_name": "用人单位名称",
    "employer_credit_code": "统一社会信用代码",
    "station_code": "工作地所在街镇",
    "dispute_type": "争议类型",
    "claims": "请求事项",
    "amount": "涉及金额",
    "facts": "事实和理由",
    "consent": "承诺",
    "evidence": "证据材料",
}


class ApplicationInvalid(Exception):
    """``errors``: field name -> Chinese message (shown next to the field)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(f"{FIELD_LABELS.get(k, k)}：{v}" for k, v in errors.items()))
        self.errors = errors


class ApplicationError(Exception):
    """``str()`` is a Chinese message; ``status`` the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class EvidenceFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ApplicationInput:
    """An application as checked: normalised values ready to store."""

    applicant_kind: str
    applicant_name: str
    id_number: str
    phone: str
    employer_name: str
    employer_credit_code: str | None
    station_code: str
    dispute_type: str
    claims: str
    amount: Decimal | None
    facts: str
    evidence: list[EvidenceFile] = field(default_factory=list)


# ------------------------------------------------------------------ checking


def _bad_characters(text: str, multiline: bool) -> bool:
    allowed = {"\n", "\r", "\t"} if multiline else set()
    return any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in allowed
               for ch in text)  # fmt: skip


def _text(
    errors: dict,
    form: dict,
    name: str,
    *,
    required: bool = True,
    min_len: int = 0,
    max_len: int = 200,
    multiline: bool = False,
) -> str:
    raw = form.get(name)
    value = raw.strip() if isinstance(raw, str) else ""
    if multiline:
        value = value.replace("\r\n", "\n")
    if not value:
        if required:
            errors[name] = "必填"
        return ""
    if _bad_characters(value, multiline):
        errors[name] = "含有不可见的控制字符，请删除后重新填写"
    elif len(value) < min_len:
        errors[name] = f"至少{min_len}个字，请写清楚"
    elif len(value) > max_len:
        errors[name] = f"不超过{max_len}个字（现有{len(value)}个字）"
    return value


_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z·•．.\s]{2,30}$")


def dispute_type_choices(s: Session) -> list[tuple[str, str]]:
    """The district's active dispute types (its code list, the stations' too)."""
    rows = s.scalars(
        select(ReferenceEntry)
        .where(ReferenceEntry.kind == "dispute_type", ReferenceEntry.active.is_(True))
        .order_by(ReferenceEntry.code)
    )
    return [(r.code, r.name) for r in rows]


def station_choices(s: Session) -> list[tuple[str, str]]:
    order = {st.code: i for i, st in enumerate(reference.stations())}
    rows = sorted(s.scalars(select(DistrictStation)), key=lambda st: order.get(st.code, 99))
    return [(st.code, st.name) for st in rows]


def check_application(
    s: Session,
    form: dict[str, str],
    files: list[EvidenceFile] | None = None,
    today: date | None = None,
) -> ApplicationInput:
    """Every field checked; :class:`ApplicationInvalid` names each bad one (Chinese)."""
    errors: dict[str, str] = {}
    kind = (form.get("applicant_kind") or "").strip()
    if kind not in APPLICANT_KINDS:
        errors["applicant_kind"] = "请选择劳动者或用人单位"
    name = _text(errors, form, "applicant_name", max_len=30)
    if name and "applicant_name" not in errors and not _NAME.match(name):
        errors["applicant_name"] = "请填写真实姓名（2至30个汉字或字母）"
    id_raw = _text(errors, form, "id_number", max_len=30)
    id_number = ""
    if id_raw and "id_number" not in errors:
        checked = check_id_number(id_raw, today=today)
        if checked.ok:
            id_number = checked.value
        else:
            errors["id_number"] = checked.message or "身份证号不正确"
    phone_raw = _text(errors, form, "phone", max_len=30)
    phone = ""
    if phone_raw and "phone" not in errors:
        checked_phone = check_phone(phone_raw)
        if checked_phone.ok:
            phone = checked_phone.value
        else:
            errors["phone"] = checked_phone.message or "电话号码不正确"
    employer = _text(errors, form, "employer_name", min_len=2, max_len=100)
    credit_raw = _text(errors, form, "employer_credit_code", required=False, max_len=30)
    credit = None
    if credit_raw and "employer_credit_code" not in errors:
        checked_code = check_credit_code(credit_raw)
        if checked_code.ok:
            credit = checked_code.value
        else:
            errors["employer_credit_code"] = checked_code.message or "统一社会信用代码不正确"
    station = (form.get("station_code") or "").strip()
    if station not in dict(station_choices(s)):
        errors["station_code"] = "请选择工作地所在的街镇"
    dispute = (form.get("dispute_type") or "").strip()
    if dispute not in dict(dispute_type_choices(s)):
        errors["dispute_type"] = "请选择争议类型"
    claims = _text(errors, form, "claims", min_len=4, max_len=2000, multiline=True)
    amount = None
    amount_raw = to_halfwidth(form.get("amount") or "").strip().replace(",", "").replace("，", "")
    amount_raw = amount_raw.removesuffix("元").strip()
    if amount_raw:
        try:
            amount = Decimal(amount_raw)
        except InvalidOperation:
            errors["amount"] = "请填写数字金额（元），如 12000 或 12000.50"
        else:
            if not amount.is_finite() or amount < 0:
                errors["amount"] = "金额不能为负数"
            elif amount > MAX_AMOUNT:
                errors["amount"] = "金额过大，请核对（单位为元）"
            elif amount.as_tuple().exponent < -2:
                errors["amount"] = "金额最多保留两位小数"
            else:
                amount = amount.quantize(Decimal("0.01"))
    facts = _text(errors, form, "facts", min_len=10, max_len=5000, multiline=True)
    if (form.get("consent") or "") != "1":
        errors["consent"] = "请确认所填内容真实"
    evidence = []
    problem = check_files(files or [])
    if problem:
        errors["evidence"] = problem
    else:
        evidence = files or []
    if errors:
        raise ApplicationInvalid(errors)
    return ApplicationInput(
        applicant_kind=kind,
        applicant_name=name,
        id_number=id_number,
        phone=phone,
        employer_name=employer,
        employer_credit_code=credit,
        station_code=station,
        dispute_type=dispute,
        claims=claims,
        amount=amount,
        facts=facts,
        evidence=evidence,
    )


def file_kind(data: bytes) -> str | None:
    for ctype, magics in FILE_KINDS.items():
        if any(data.startswith(m) for m in magics):
            return ctype
    return None


def safe_filename(name: str, ctype: str) -> str:
    base = Path((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    stem = Path(base).stem[:80] or "证据"
    return stem + FILE_SUFFIX[ctype]


def check_files(files: list[EvidenceFile]) -> str | None:
    """None when the files are acceptable; otherwise the Chinese reason."""
    files = [f for f in files if f.data]
    if len(files) > MAX_FILES:
        return f"最多上传{MAX_FILES}个文件"
    total = 0
    for f in files:
        label = f"“{Path(f.filename or '').name[:40] or '文件'}”"
        if len(f.data) > MAX_FILE_BYTES:
            return f"{label}超过{MAX_FILE_BYTES // (1024 * 1024)}MB，请压缩后再上传"
        kind = file_kind(f.data)
        if kind is None:
            return f"{label}不是PDF、JPG或PNG文件（只接受这三种格式）"
        f.content_type = kind
        total += len(f.data)
    if total > MAX_TOTAL_FILE_BYTES:
        return f"文件合计超过{MAX_TOTAL_FILE_BYTES // (1024 * 1024)}MB"
    return None


# ------------------------------------------------------------------ storing


def new_reference(today: date) -> str:
    raw = "".join(secrets.choice(REF_ALPHABET) for _ in range(8))
    return f"WS{today.year}-{raw[:4]}-{raw[4:]}"


def normalise_reference(text: str) -> str:
    compact = "".join(ch for ch in to_halfwidth(text or "").upper() if ch.isalnum())
    if len(compact) != 14 or not compact.startswith("WS"):
        return ""
    return f"{compact[:6]}-{compact[6:10]}-{compact[10:]}"


def create_application(
    s: Session,
    data: ApplicationInput,
    *,
    source: str = "web",
    received_on: date | None = None,
    external_ref: str | None = None,
    submitted_at: datetime | None = None,
) -> Application:
    today = received_on or date.today()
    app_row = Application(
        id=str(uuid.uuid4()),
        reference=new_reference(today),
        source=source,
        external_ref=external_ref,
        submitted_at=submitted_at or utcnow(),
        received_on=today,
        applicant_kind=data.applicant_kind,
        applicant_name=data.applicant_name,
        id_number=data.id_number or None,
        id_tail=(data.id_number[-6:].upper() if data.id_number else None),
        phone=data.phone,
        employer_name=data.employer_name,
        employer_credit_code=data.employer_credit_code,
        station_code=data.station_code,
        dispute_type=data.dispute_type,
        claims=data.claims,
        amount=data.amount,
        facts=data.facts,
        status="received",
        routing=[],
    )
    s.add(app_row)
    for seq, f in enumerate(data.evidence, start=1):
        s.add(
            ApplicationEvidence(
                id=str(uuid.uuid4()),
                application_id=app_row.id,
                seq=seq,
                filename=safe_filename(f.filename, f.content_type),
                content_type=f.content_type,
                size=len(f.data),
                sha256=hashlib.sha256(f.data).hexdigest(),
                data=f.data,
            )
        )
    s.flush()
    return app_row


def submit(s_factory, data: ApplicationInput, **kwargs) -> Application:
    """Store an application; a reference number that happens to be taken is drawn again."""
    for _attempt in range(5):
        try:
            with s_factory() as s, s.begin():
                return create_application(s, data, **kwargs)
        except IntegrityError:
            if kwargs.get("external_ref"):
                raise
    raise ApplicationError("暂时无法保存申请，请稍后重试", status=503)


# ------------------------------------------------------------------ the public status


@dataclass(frozen=True)
class PublicStatus:
    reference: str
    status: str
    label: str
    #: 已受理: the case number; 不予受理: the reason
    detail: str | None
    received_on: date


def _case_progress(s: Session, row: Application) -> str:
    """Where an accepted application's case stands, from the station's synced case record."""
    if row.status != "accepted" or not row.case_no:
        return row.status
    records = s.scalars(
        select(StationRecord.data)
        .where(
            StationRecord.station_code == row.station_code,
            StationRecord.entity == "dispute_case",
            StationRecord.deleted.is_(False),
            # ->> on PostgreSQL, json_extract on SQLite: not every case of the station decoded
            StationRecord.data["case_no"].as_string() == row.case_no,
        )
        .limit(5)
    )
    for data in records:
        if isinstance(data, dict) and data.get("case_no") == row.case_no:
            return _CASE_PROGRESS.get(str(data.get("status") or ""), "accepted")
    return "accepted"


def public_status(s: Session, reference_text: str, id_tail: str) -> PublicStatus | None:
    """None unless both the reference and the ID number's last six characters match."""
    import hmac

    ref = normalise_reference(reference_text)
    tail = "".join(ch for ch in to_halfwidth(id_tail or "").upper() if ch.isalnum())
    if not ref or len(tail) != 6:
        return None
    row = s.scalar(select(Application).where(Application.reference == ref))
    if row is None or not row.id_tail or not hmac.compare_digest(row.id_tail, tail):
        return None
    status = _case_progress(s, row)
    detail = None
    if status == "accepted" or (status in ("in_mediation", "closed") and row.case_no):
        detail = row.case_no
    elif status == "declined":
        detail = row.decline_reason
    return PublicStatus(ref, status, STATUS_LABELS[status], detail, row.received_on)


def status_text(st: PublicStatus) -> str:
    if st.status == "accepted":
        return f"已受理（{st.detail}）"
    if st.status == "declined":
        return f"不予受理（{st.detail or '未说明理由'}）"
    return st.label


# ------------------------------------------------------------------ the district's work on them


def visible_applications(
    s: Session, user: roles.DistrictUser, status: str | None = None, limit: int = 500
) -> list[Application]:
    q = select(Application).order_by(Application.submitted_at.desc())
    if user.streets is not None:
        q = q.where(Application.station_code.in_(sorted(user.streets)))
    if status:
        q = q.where(Application.status == status)
    return list(s.scalars(q.limit(limit)))


def get_for(s: Session, user: roles.DistrictUser, app_id: str) -> Application:
    row = s.get(Application, app_id) if app_id and len(app_id) <= 36 else None
    if row is None or not user.sees(row.station_code):
        # another street's application is "not found" for a limited user (nothing of it shown)
        raise ApplicationError("没有找到这份申请", status=404)
    return row


def reroute(
    s: Session,
    user: roles.DistrictUser,
    app_id: str,
    to_station: str,
    reason: str,
    client: str | None = None,
) -> Application:
    """Send an application to another station (a district admin or reviewer)."""
    roles.require(user, "route")
    row = get_for(s, user, app_id)
    if row.status != "received":
        raise ApplicationError("该申请已由站点处理（受理或不予受理），不能再改派")
    if to_station not in dict(station_choices(s)):
        raise ApplicationError("请选择要改派到的站点")
    if not user.sees(to_station):
        raise roles.RoleError("只能改派到您负责的街镇")
    if to_station == row.station_code:
        raise ApplicationError("该申请已在这个站点")
    reason = (reason or "").strip()
    if not reason or len(reason) > 200 or _bad_characters(reason, False):
        raise ApplicationError("请填写改派理由（不超过200个字）")
    old = row.station_code
    row.routing = [
        *(row.routing or []),
        {"from": old, "to": to_station, "by": user.admin_name, "at": utcnow().isoformat(),
         "reason": reason},
    ]  # fmt: skip
    row.station_code = to_station
    moved = (
        f"申请 {row.reference} 由{roles.station_name(old)}改派到{roles.station_name(to_station)}"
    )
    # one entry for each street concerned (a street-limited admin sees those of their streets)
    for station, side in ((to_station, "改入"), (old, "改出")):
        roles.audit(
            s,
            user.admin_name,
            "application.reroute",
            f"{moved}（{side}{roles.station_name(station)}）：{reason}",
            target_kind="application",
            target_id=row.reference,
            station_code=station,
            client=client,
        )
    return row


# ------------------------------------------------------------------ the station's side (API)


def for_station(s: Session, station_code: str, since: datetime | None = None) -> list[Application]:
    """Applications routed to a station that it has not decided yet."""
    q = (
        select(Application)
        .where(Application.station_code == station_code, Application.status == "received")
        .order_by(Application.submitted_at)
    )
    return list(s.scalars(q.limit(500)))


def decide(
    s: Session,
    station_code: str,
    app_id: str,
    decision: str,
    *,
    case_no: str | None = None,
    reason: str | None = None,
) -> Application:
    """The station accepted (with the case number it registered) or declined (with a reason).

    Repeating the same decision is a no-op (a station retries after a lost answer); a different
    decision on a decided application is refused.
    """
    row = s.get(Application, app_id) if app_id and len(app_id) <= 36 else None
    if row is None or row.station_code != station_code:
        raise ApplicationError("没有找到分派给本站的这份申请", status=404)
    if decision == "accept":
        case_no = (case_no or "").strip()
        if not case_no or len(case_no) > 60 or _bad_characters(case_no, False):
            raise ApplicationError("受理时需要填写案号", status=422)
        if row.status == "accepted" and row.case_no == case_no:
            return row
        if row.status != "received":
            raise ApplicationError("该申请已处理过，不能再改变决定", status=409)
        row.status, row.case_no = "accepted", case_no
    elif decision == "decline":
        reason = (reason or "").strip()
        if not reason or len(reason) > 500 or _bad_characters(reason, True):
            raise ApplicationError("不予受理时需要填写理由（不超过500个字）", status=422)
        if row.status == "declined" and row.decline_reason == reason:
            return row
        if row.status != "received":
            raise ApplicationError("该申请已处理过，不能再改变决定", status=409)
        row.status, row.decline_reason = "declined", reason
    else:
        raise ApplicationError("决定只能是受理（accept）或不予受理（decline）", status=422)
    row.decided_at = utcnow()
    return row


def application_dict(row: Application, evidence: list[ApplicationEvidence]) -> dict:
    """What a station receives: everything it needs to prefill a registration."""
    return {
        "id": row.id,
        "reference": row.reference,
        "source": row.source,
        "received_on": iso_date(row.received_on),
        "submitted_at": row.submitted_at.isoformat(),
        "applicant_kind": row.applicant_kind,
        "applicant_name": row.applicant_name,
        "id_number": row.id_number,
        "phone": row.phone,
        "employer_name": row.employer_name,
        "employer_credit_code": row.employer_credit_code,
        "dispute_type": row.dispute_type,
        "claims": row.claims,
        "amount": None if row.amount is None else str(row.amount),
        "facts": row.facts,
        "evidence": [
            {
                "seq": e.seq,
                "filename": e.filename,
                "content_type": e.content_type,
                "size": e.size,
                "sha256": e.sha256,
            }
            for e in evidence
        ],
    }


def evidence_of(s: Session, app_id: str) -> list[ApplicationEvidence]:
    return list(
        s.scalars(
            select(ApplicationEvidence)
            .where(ApplicationEvidence.application_id == app_id)
            .order_by(ApplicationEvidence.seq)
        )
    )
