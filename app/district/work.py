"""Work the district sends down to the stations (issue 12): case transfers (移交) and
correction requests (退回补正). Plain Python: the dashboard, the station API and the command
line call it; every district action is written to the audit log in the same transaction.

*Transfers.* A station sends a case it should not handle (:func:`station_sends`), or a district
admin orders one (:func:`order_transfer`: the sending station carries it out at its next sync,
from its own records, and closes its case as 已移交). The receiving station fetches the case's
content with its attachments (read from the sending station's attachment store here) and
registers it, keeping the original receipt date, or declines it with a reason and a category.
A case sent on again links to the transfer it came by (``previous_id``): the chain.

*Correction requests.* A reviewer (or admin; a viewer cannot) names a field of one of a
station's records, a message and a due date. The district never edits the record: the
station's next edit answers the request, reported at its sync.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.district import roles
from app.district.models import DistrictStation, StationRecord, utcnow
from app.district.models_work import CaseTransfer, CorrectionRequest
from app.domain import reference
from app.domain.enums import DeclineCategory

TRANSFERABLE = ("registered", "accepted", "in_mediation")
TRANSFER_STATUS = {
    "ordered": "待移交站点执行",
    "sent": "待接收站点处理",
    "accepted": "已登记",
    "declined": "不予接收",
    "refused": "未能移交",
}
CORRECTION_STATUS = {"open": "待补正", "answered": "已补正"}

#: what a reviewer may ask to correct: entity -> (label, {field: label})
CORRECTABLE: dict[str, tuple[str, dict[str, str]]] = {
    "dispute_case": ("调解案件", {
        "received_on": "收到申请日期", "intake_channel": "来源渠道", "facts": "事实与理由",
        "requests": "请求", "employment_status": "劳动关系状态",
        "employment_ended_on": "劳动关系解除或终止日期", "case_party": "当事人",
        "case_claim": "请求事项（争议类型、金额）", "outcome_note": "结果说明",
        "declined_reason": "不予受理理由", "archive_no": "档案号", "project_name": "工程项目名称",
    }),
    "enterprise_visit": ("企业走访", {
        "visited_on": "走访日期", "kind": "走访类型", "visitors": "走访人员",
        "contact_name": "企业联系人", "checklist": "检查项目", "risk_indicators": "风险指标",
        "notes": "走访记录",
    }),
    "enterprise": ("企业", {
        "name": "企业名称", "credit_code": "统一社会信用代码", "legal_rep": "法定代表人",
        "address": "地址", "phone": "电话", "industry": "行业", "employee_count": "职工人数",
        "has_union": "是否建立工会", "has_mediation_committee": "是否有调解委员会",
        "has_collective_contract": "是否签订集体合同",
    }),
    "activity": ("活动", {
        "title": "活动名称", "held_on": "活动日期", "place": "地点", "organiser": "组织单位",
        "participant_count": "参加人数", "summary": "活动情况", "kind": "活动类型",
    }),
}  # fmt: skip
KIND_ALIASES = {"case": "dispute_case", "visit": "enterprise_visit", "enterprise": "enterprise",
                "activity": "activity"}  # fmt: skip


class WorkError(Exception):
    """``str()`` is a Chinese message; ``status`` the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _text(value: str | None, label: str, max_len: int, multiline: bool = False) -> str:
    value = (value or "").strip()
    if not value:
        raise WorkError(f"请填写{label}", 422)
    if len(value) > max_len:
        raise WorkError(f"{label}不超过{max_len}个字", 422)
    allowed = "\n\r\t" if multiline else ""
    if any((ord(ch) < 32 and ch not in allowed) or ch == "\x7f" for ch in value):
        raise WorkError(f"{label}含有不可见的控制字符", 422)
    return value


def _known_station(s: Session, code: str | None, label: str) -> str:
    code = (code or "").strip().upper()
    if not code or s.get(DistrictStation, code) is None:
        found = reference.station_by_name((code or "").strip())
        if found and s.get(DistrictStation, found.code) is not None:
            return found.code
        raise WorkError(
            f"未知的{label}：{code or '（未填写）'}（可用站点代码，如 GUDONG，或街镇名称）"
        )
    return code


# ------------------------------------------------------------------ transfers


def _case_record(s: Session, case_no: str, station: str | None = None) -> StationRecord | None:
    q = select(StationRecord).where(
        StationRecord.entity == "dispute_case",
        StationRecord.deleted.is_(False),
        StationRecord.data["case_no"].as_string() == case_no,
    )
    if station:
        q = q.where(StationRecord.station_code == station)
    for row in s.scalars(q.limit(5)):
        if isinstance(row.data, dict) and row.data.get("case_no") == case_no:
            return row
    return None


def _open_transfer(s: Session, station: str, case_no: str) -> CaseTransfer | None:
    return s.scalar(
        select(CaseTransfer).where(
            CaseTransfer.from_station == station,
            CaseTransfer.from_case_no == case_no,
            CaseTransfer.status.in_(("ordered", "sent", "accepted")),
        )
    )


def _previous(s: Session, station: str, case_no: str) -> str | None:
    """The transfer by which ``case_no`` came to ``station`` (a case sent on again)."""
    return s.scalar(
        select(CaseTransfer.id).where(
            CaseTransfer.to_station == station,
            CaseTransfer.to_case_no == case_no,
            CaseTransfer.status == "accepted",
        )
    )


def order_transfer(
    s: Session,
    actor: roles.DistrictUser | None,
    case_no: str,
    to_station: str,
    reason: str,
    client: str | None = None,
) -> CaseTransfer:
    """A district admin (``actor``; None: the command line) orders a case to another station."""
    if actor is not None:
        roles.require(actor, "transfer")
    case_no = _text(case_no, "案号", 60)
    reason = _text(reason, "移交理由", 200)
    to_station = _known_station(s, to_station, "接收站点")
    record = _case_record(s, case_no)
    if record is None or (actor is not None and not actor.sees(record.station_code)):
        raise WorkError(f"区级没有案号为 {case_no} 的案件（站点同步后才能在区级看到）", 404)
    if actor is not None and not actor.sees(to_station):
        raise roles.RoleError("只能移交到您负责的街镇")
    from_station = record.station_code
    if to_station == from_station:
        raise WorkError("该案件已在这个站点")
    status = str(record.data.get("status") or "")
    if status not in TRANSFERABLE:
        raise WorkError(
            "只有已登记、已受理或调解中的案件可以移交（该案件在区级的状态为"
            f"“{_case_status_label(status)}”）"
        )
    if _open_transfer(s, from_station, case_no) is not None:
        raise WorkError("该案件已有一个移交正在进行", 409)
    row = CaseTransfer(
        id=str(uuid.uuid4()),
        from_station=from_station,
        from_case_no=case_no,
        to_station=to_station,
        reason=reason,
        initiated_by=(actor.admin_name if actor else roles.CLI_ACTOR),
        status="ordered",
        received_on=_day(record.data.get("received_on")),
        previous_id=_previous(s, from_station, case_no),
    )
    s.add(row)
    _audit_transfer(s, actor, "transfer.order", row, f"决定移交案件 {case_no}", client)
    return row


def _case_status_label(status: str) -> str:
    from app.domain.enums import CaseStatus

    try:
        return CaseStatus(status).label
    except ValueError:
        return status or "未知"


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _audit_transfer(s, actor, action: str, row: CaseTransfer, what: str, client=None) -> None:
    moved = f"{what}：{roles.station_name(row.from_station)} → {roles.station_name(row.to_station)}"
    name = actor.admin_name if isinstance(actor, roles.DistrictUser) else (actor or roles.CLI_ACTOR)
    for station in dict.fromkeys((row.from_station, row.to_station)):
        roles.audit(s, name, action, f"{moved}（{row.reason}）"[:500], target_kind="case",
                    target_id=row.from_case_no, station_code=station, client=client)  # fmt: skip


_PERSON_KEYS = ("name", "id_number", "id_type", "sex", "phone", "address", "job", "hukou",
                "organisation", "side", "authority")  # fmt: skip
_TEXT_KEYS = ("case_no", "status", "received_on", "channel", "channel_ref", "oral_record",
              "project_name", "facts", "requests", "employment_status", "employment_ended_on",
              "infringement_known_on", "co_mediators")  # fmt: skip


def _dicts(value, label: str, *, required: bool = False, limit: int = 500) -> list[dict]:
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value) or len(value) > limit:
        raise WorkError(f"移交内容的{label}格式不正确", 422)
    if not all(isinstance(v, dict) for v in value):
        raise WorkError(f"移交内容的{label}格式不正确", 422)
    return value


def _plain_text(d: dict, keys, label: str) -> None:
    for k in keys:
        v = d.get(k)
        if v is not None and not isinstance(v, str | int | bool):
            raise WorkError(f"移交内容的{label}格式不正确", 422)
        if isinstance(v, str) and len(v) > 20000:
            raise WorkError(f"移交内容的{label}过长", 422)


def check_payload(data) -> dict:
    """The case content a sending station sends: the shape the receiving registration reads
    (every value checked again there, as any registration is)."""
    if not isinstance(data, dict):
        raise WorkError("移交内容格式不正确", 422)
    _plain_text(data, _TEXT_KEYS, "案件信息")
    for w in _dicts(data.get("workers"), "申请人", required=True):
        _plain_text(w, _PERSON_KEYS, "申请人")
    for a in _dicts(data.get("agents"), "委托代理人"):
        _plain_text(a, _PERSON_KEYS, "委托代理人")
        if a.get("for_worker") is not None and not isinstance(a.get("for_worker"), int):
            raise WorkError("移交内容的委托代理人格式不正确", 422)
    for c in _dicts(data.get("claims"), "请求事项", required=True):
        _plain_text(c, ("dispute_type", "amount", "description"), "请求事项")
    for key, label in (("respondent", "被申请人"), ("general_contractor", "施工总承包单位")):
        e = data.get(key) or {}
        if not isinstance(e, dict):
            raise WorkError(f"移交内容的{label}格式不正确", 422)
        _plain_text(e, ("name", "credit_code", "legal_rep", "address", "phone"), label)
    if data.get("employment_status") not in ("ongoing", "ended", "unknown"):
        raise WorkError("移交内容缺少劳动关系状态", 422)
    if _day(data.get("received_on")) is None:
        raise WorkError("移交内容缺少收到申请日期", 422)
    for f in _dicts(data.get("files"), "附件清单", limit=200):
        sha = str(f.get("sha256") or "")
        if len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha):
            raise WorkError("移交内容的附件清单格式不正确", 422)
        _plain_text(f, ("filename", "note"), "附件清单")
    return data


def station_sends(
    s: Session,
    station: str,
    transfer_id: str,
    *,
    case_no: str,
    to_station: str,
    reason: str,
    data: dict,
) -> CaseTransfer:
    """A sending station's transfer (its own, or an order it carries out). Repeating is a no-op."""
    data = check_payload(data)
    row = s.get(CaseTransfer, transfer_id)
    if row is not None:
        if row.from_station != station:
            raise WorkError("没有找到本站的这个移交", 404)
        if row.status != "ordered":
            return row  # sent before (a retry after a lost answer)
    else:
        case_no = _text(case_no, "案号", 60)
        reason = _text(reason, "移交理由", 200)
        to_station = _known_station(s, to_station, "接收站点")
        if to_station == station:
            raise WorkError("不能移交给本站", 422)
        row = CaseTransfer(
            id=transfer_id, from_station=station, from_case_no=case_no, to_station=to_station,
            reason=reason, initiated_by="站点", status="ordered",
            previous_id=_previous(s, station, case_no),
        )  # fmt: skip
        s.add(row)
    row.data = data
    row.received_on = _day(data.get("received_on"))
    row.status = "sent"
    row.sent_at = utcnow()
    _audit_transfer(s, roles.station_name(station), "transfer.send", row,
                    f"移交案件 {row.from_case_no}")  # fmt: skip
    return row


def station_refuses(s: Session, station: str, transfer_id: str, why: str) -> CaseTransfer:
    row = s.get(CaseTransfer, transfer_id)
    if row is None or row.from_station != station:
        raise WorkError("没有找到本站的这个移交", 404)
    if row.status == "refused":
        return row
    if row.status != "ordered":
        raise WorkError("该移交已执行，不能再拒绝", 409)
    row.status = "refused"
    row.decline_reason = _text(why, "理由", 500, multiline=True)
    row.decided_at = utcnow()
    _audit_transfer(s, roles.station_name(station), "transfer.refuse", row,
                    f"未能移交案件 {row.from_case_no}")  # fmt: skip
    return row


def station_decides(
    s: Session,
    station: str,
    transfer_id: str,
    decision: str,
    *,
    case_no: str | None = None,
    reason: str | None = None,
    category: str | None = None,
) -> CaseTransfer:
    row = s.get(CaseTransfer, transfer_id)
    if row is None or row.to_station != station or row.status not in ("sent", "accepted",
                                                                        "declined"):  # fmt: skip
        raise WorkError("没有找到移交给本站的这个案件", 404)
    if decision == "accept":
        case_no = _text(case_no, "案号", 60)
        if row.status == "accepted" and row.to_case_no == case_no:
            return row
        if row.status != "sent":
            raise WorkError("该移交已处理过，不能再改变决定", 409)
        row.status, row.to_case_no = "accepted", case_no
        what = f"登记移交的案件 {row.from_case_no} 为 {case_no}"
    elif decision == "decline":
        reason = _text(reason, "不予接收的理由", 500, multiline=True)
        if category not in DeclineCategory._value2member_map_:
            raise WorkError("不予接收须选择原因类别", 422)
        if row.status == "declined" and row.decline_reason == reason:
            return row
        if row.status != "sent":
            raise WorkError("该移交已处理过，不能再改变决定", 409)
        row.status, row.decline_reason, row.decline_category = "declined", reason, category
        what = f"不予接收移交的案件 {row.from_case_no}"
    else:
        raise WorkError("决定只能是接收登记（accept）或不予接收（decline）", 422)
    row.decided_at = utcnow()
    _audit_transfer(s, roles.station_name(station), "transfer.decide", row, what)
    return row


def for_station(s: Session, station: str) -> dict:
    """What a station gets at sync: orders to carry out, cases sent to it, its transfers' outcomes."""
    orders = s.scalars(
        select(CaseTransfer)
        .where(CaseTransfer.from_station == station, CaseTransfer.status == "ordered")
        .order_by(CaseTransfer.created_at)
        .limit(200)
    )
    incoming = s.scalars(
        select(CaseTransfer)
        .where(CaseTransfer.to_station == station, CaseTransfer.status == "sent")
        .order_by(CaseTransfer.sent_at)
        .limit(200)
    )
    outcomes = s.scalars(
        select(CaseTransfer)
        .where(
            CaseTransfer.from_station == station,
            CaseTransfer.status.in_(("accepted", "declined")),
        )
        .order_by(CaseTransfer.decided_at.desc())
        .limit(500)
    )
    return {
        "orders": [
            {"id": t.id, "case_no": t.from_case_no, "to_station": t.to_station,
             "reason": t.reason, "initiated_by": t.initiated_by}
            for t in orders
        ],
        "incoming": [
            {"id": t.id, "from_station": t.from_station, "case_no": t.from_case_no,
             "reason": t.reason, "initiated_by": t.initiated_by,
             "received_on": t.received_on.isoformat() if t.received_on else None,
             "created_at": t.created_at.isoformat(), "data": t.data}
            for t in incoming
        ],
        "outcomes": [
            {"id": t.id, "case_no": t.from_case_no, "to_station": t.to_station,
             "status": t.status, "to_case_no": t.to_case_no,
             "decline_reason": t.decline_reason, "decline_category": t.decline_category}
            for t in outcomes
        ],
    }  # fmt: skip


def transfer_file(s: Session, station: str, transfer_id: str, seq: int) -> tuple[str, str, str]:
    """(sending station, sha256, filename) of a file of a transfer sent to ``station``."""
    row = s.get(CaseTransfer, transfer_id)
    if row is None or row.to_station != station or row.status != "sent":
        raise WorkError("没有找到移交给本站的这个案件", 404)
    files = (row.data or {}).get("files") or []
    if not 1 <= seq <= len(files):
        raise WorkError("没有这个附件", 404)
    f = files[seq - 1]
    return row.from_station, str(f["sha256"]), str(f.get("filename") or "附件")


def visible_transfers(s: Session, user: roles.DistrictUser, limit: int = 500) -> list[CaseTransfer]:
    q = select(CaseTransfer).order_by(CaseTransfer.created_at.desc())
    if user.streets is not None:
        streets = sorted(user.streets)
        q = q.where(
            or_(CaseTransfer.from_station.in_(streets), CaseTransfer.to_station.in_(streets))
        )
    return list(s.scalars(q.limit(limit)))


def chain_of(s: Session, row: CaseTransfer) -> list[CaseTransfer]:
    """The transfers a case went through, first to last (this one among them)."""
    chain = [row]
    seen = {row.id}
    while chain[0].previous_id and chain[0].previous_id not in seen:
        prev = s.get(CaseTransfer, chain[0].previous_id)
        if prev is None:
            break
        seen.add(prev.id)
        chain.insert(0, prev)
    while True:
        nxt = s.scalar(select(CaseTransfer).where(CaseTransfer.previous_id == chain[-1].id))
        if nxt is None or nxt.id in seen:
            break
        seen.add(nxt.id)
        chain.append(nxt)
    return chain


# ------------------------------------------------------------------ correction requests


def record_label(entity: str, data: dict, s: Session | None = None, station: str = "") -> str:
    if entity == "dispute_case":
        return str(data.get("case_no") or "")
    if entity == "enterprise":
        return str(data.get("name") or "")
    if entity == "activity":
        return f"{data.get('held_on') or ''} {data.get('title') or ''}".strip()
    if entity == "enterprise_visit":
        name = ""
        if s is not None and data.get("enterprise_id"):
            e = s.get(StationRecord, ("enterprise", data["enterprise_id"]))
            name = str((e.data or {}).get("name") or "") if e is not None else ""
        return f"{data.get('visited_on') or ''} 走访 {name}".strip()
    return ""


def find_record(s: Session, station: str, entity: str, key: str) -> StationRecord:
    """The station's record of ``entity`` named by ``key``: a case number, an enterprise's
    credit code or exact name, an activity's exact title, or any record's id."""
    key = (key or "").strip()
    base = select(StationRecord).where(
        StationRecord.station_code == station,
        StationRecord.entity == entity,
        StationRecord.deleted.is_(False),
    )
    row = s.scalar(base.where(StationRecord.id == key)) if len(key) <= 36 else None
    if row is None and entity == "dispute_case":
        row = _case_record(s, key, station)
    if row is None and entity == "enterprise":
        row = s.scalar(base.where(StationRecord.credit_code == key.upper()).limit(1))
        if row is None:
            row = s.scalar(base.where(StationRecord.data["name"].as_string() == key).limit(1))
    if row is None and entity == "activity":
        row = s.scalar(base.where(StationRecord.data["title"].as_string() == key).limit(1))
    if row is None:
        label = CORRECTABLE[entity][0]
        hint = {"dispute_case": "案号", "enterprise": "统一社会信用代码或企业名称",
                "activity": "活动名称或记录编号", "enterprise_visit": "记录编号"}[entity]  # fmt: skip
        raise WorkError(f"{roles.station_name(station)}没有这条{label}记录（请填写{hint}）", 404)
    return row


def create_request(
    s: Session,
    user: roles.DistrictUser | None,
    *,
    station: str,
    entity: str,
    record: str,
    field: str,
    message: str,
    due_on: str | date | None,
    today: date | None = None,
    client: str | None = None,
) -> CorrectionRequest:
    """A reviewer's (or admin's) correction request on one field of a station's record."""
    if user is not None:
        roles.require(user, "correct")
    today = today or date.today()
    station = _known_station(s, station, "站点")
    if user is not None:
        roles.require_street(user, station)
    entity = KIND_ALIASES.get(entity, entity)
    if entity not in CORRECTABLE:
        raise WorkError("请选择记录类型（案件、走访、企业或活动）", 422)
    fields = CORRECTABLE[entity][1]
    if field not in fields:
        raise WorkError(f"请选择要补正的字段（{CORRECTABLE[entity][0]}）", 422)
    message = _text(message, "补正说明", 1000, multiline=True)
    due = due_on if isinstance(due_on, date) else _day(due_on)
    if due is None:
        raise WorkError("请填写补正期限（如 2026-12-20）", 422)
    if due < today:
        raise WorkError("补正期限不能早于今天", 422)
    row = find_record(s, station, entity, record)
    req = CorrectionRequest(
        id=str(uuid.uuid4()),
        station_code=station,
        entity=entity,
        record_id=row.id,
        record_label=record_label(entity, row.data or {}, s, station)[:200] or row.id,
        field=field,
        field_label=fields[field],
        message=message,
        due_on=due,
        requested_by=user.admin_name if user else roles.CLI_ACTOR,
        status="open",
    )
    s.add(req)
    roles.audit(
        s, req.requested_by, "correction.create",
        f"退回补正：{CORRECTABLE[entity][0]} {req.record_label} 的“{req.field_label}”，"
        f"期限 {due.isoformat()}",
        target_kind=entity, target_id=req.record_label[:80], station_code=station, client=client,
    )  # fmt: skip
    return req


def visible_requests(
    s: Session, user: roles.DistrictUser, status: str | None = None, limit: int = 500
) -> list[CorrectionRequest]:
    q = select(CorrectionRequest).order_by(CorrectionRequest.requested_at.desc())
    if user.streets is not None:
        q = q.where(CorrectionRequest.station_code.in_(sorted(user.streets)))
    if status:
        q = q.where(CorrectionRequest.status == status)
    return list(s.scalars(q.limit(limit)))


@dataclass(frozen=True)
class StreetCount:
    station_code: str
    name: str
    open: int
    overdue: int
    answered: int


def counts_by_street(
    s: Session, user: roles.DistrictUser, today: date | None = None
) -> list[StreetCount]:
    today = today or date.today()
    # grouped by the due date itself (PostgreSQL groups by the bound comparison only when it is
    # the same parameter): a handful of rows per street
    rows = s.execute(
        select(
            CorrectionRequest.station_code,
            CorrectionRequest.status,
            CorrectionRequest.due_on,
            func.count(),
        ).group_by(
            CorrectionRequest.station_code, CorrectionRequest.status, CorrectionRequest.due_on
        )
    ).all()
    acc: dict[str, list[int]] = {}
    for code, status, due, n in rows:
        late = due < today
        if not user.sees(code):
            continue
        c = acc.setdefault(code, [0, 0, 0])
        if status == "open":
            c[0] += n
            if late:
                c[1] += n
        else:
            c[2] += n
    order = {st.code: i for i, st in enumerate(reference.stations())}
    return [
        StreetCount(code, roles.station_name(code), *acc[code])
        for code in sorted(acc, key=lambda c: order.get(c, 99))
    ]


def requests_for_station(s: Session, station: str) -> list[dict]:
    rows = s.scalars(
        select(CorrectionRequest)
        .where(CorrectionRequest.station_code == station)
        .order_by(CorrectionRequest.requested_at.desc())
        .limit(500)
    )
    return [
        {"id": r.id, "entity": r.entity, "record_id": r.record_id, "record_label": r.record_label,
         "field": r.field, "field_label": r.field_label, "message": r.message,
         "due_on": r.due_on.isoformat(), "requested_by": r.requested_by,
         "requested_at": r.requested_at.isoformat(), "status": r.status}
        for r in rows
    ]  # fmt: skip


def station_answers(
    s: Session, station: str, request_id: str, *, fields: list | None, version: int | None,
    answered_by: str | None,
) -> CorrectionRequest:  # fmt: skip
    row = s.get(CorrectionRequest, request_id)
    if row is None or row.station_code != station:
        raise WorkError("没有找到本站的这条补正要求", 404)
    if row.status == "answered":
        return row
    row.status = "answered"
    row.answered_at = utcnow()
    row.answered_by = (answered_by or "")[:60] or None
    row.answer_fields = [str(f)[:60] for f in (fields or [])][:50]
    row.answer_version = version if isinstance(version, int) else None
    roles.audit(
        s, roles.station_name(station), "correction.answer",
        f"已补正：{CORRECTABLE.get(row.entity, (row.entity,))[0]} {row.record_label} 的“{row.field_label}”",
        target_kind=row.entity, target_id=row.record_label[:80], station_code=station,
    )  # fmt: skip
    return row
