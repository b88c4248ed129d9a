"""操作记录: who changed what and when, for one record (with the records that belong to it) and
for the whole station (the station administrator's view, with filters). Plain Python, no Qt.

The audit log itself is written by the change hook (:mod:`app.store.changes`) in the same
transaction as every change; personal fields are recorded as "changed" without their values
(``changes.PERSONAL_FIELDS``), so nothing here can show them. This module turns the log into lines
people read: Chinese field names, enum labels, 是/否, amounts, and the kind of record a line is
about (a case's 调解笔录, its 协议条款 …).

The same describing functions serve the district's dashboard (:mod:`app.district.station_audit`),
which holds the events the stations sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import Boolean, String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from app.domain.enums import Role
from app.store.bulk import read_detail
from app.store.models import (
    MODEL_BY_ENTITY,
    Activity,
    ActivityEnterprise,
    ActivityStop,
    AgreementSnapshot,
    AgreementTerm,
    Attachment,
    AuditEvent,
    CaseClaim,
    CaseParty,
    CreditNote,
    DisputeCase,
    Enterprise,
    EnterpriseVisit,
    Finding,
    FindingUpdate,
    MediationAgreement,
    MediationSession,
    PerformanceRecord,
    UserAccount,
)
from app.store.models.base import EnumText, Money

#: audit actions as people read them
ACTION_LABELS = {
    "insert": "新增",
    "update": "修改",
    "delete": "删除",
    "import": "名录导入",
    "user_add": "新增用户",
    "user_disable": "停用用户",
    "user_enable": "启用用户",
    "user_role": "修改角色",
    "user_reset_password": "重置密码",
    "user_change_password": "修改本人密码",
    "user_sync": "用户同步",
    "recovery_rotate": "更换恢复码",
}

#: kinds the station-wide view filters by: table name -> label (users and their rights too)
KIND_LABELS: dict[str, str] = {
    **{entity: model.label for entity, model in MODEL_BY_ENTITY.items()},
    "user_account": "用户与权限",
}

#: bookkeeping columns a history does not list
QUIET_FIELDS = frozenset(
    {"local_edits", "last_import_at", "name_initials", "deleted", "deleted_at",
     "credit_code_accepted", "updated_at", "updated_by", "status_changed_at", "risk_updated_at",
     "content_hash", "sort_order", "case_year", "case_seq"}
)  # fmt: skip

#: field names shared by several kinds of record
FIELD_LABELS: dict[str, str] = {
    "name": "名称",
    "phone": "联系电话",
    "address": "地址",
    "notes": "备注",
    "note": "说明",
    "kind": "类别",
    "status": "状态",
    "amount": "金额",
    "description": "内容",
    "place": "地点",
    "year": "年度",
    "role": "角色",
    "seq": "序号",
    "method": "方式",
    "organisation": "所在单位",
    "organiser": "组织单位",
    "held_on": "日期",
    "enterprise_id": "企业",
    "person_id": "人员",
    "case_id": "所属案件",
    "visit_id": "所属走访",
    "activity_id": "所属活动",
    "agreement_id": "所属协议书",
    "term_id": "所属条款",
    "finding_id": "所属问题",
    "member_id": "成员",
    # person
    "sex": "性别",
    "id_number": "身份证件号码",
    "id_type": "证件类型",
    "birth_date": "出生日期",
    "job": "岗位",
    "hukou": "户籍",
    "employer_id": "用人单位",
    # credit note
    "noted_on": "记录日期",
    "reason": "原因",
    "source_ref": "来源",
    # attachment
    "owner_entity": "附于",
    "owner_id": "附于记录",
    "filename": "文件名",
    "mime_type": "文件类型",
    "size": "大小",
    "sha256": "内容校验码",
    # dispute case
    "case_no": "案号",
    "intake_channel": "申请方式",
    "intake_ref": "申请编号",
    "oral_application": "口头申请",
    "oral_record": "口头申请笔录",
    "received_on": "收到申请日期",
    "registered_at": "登记时间",
    "accepted_on": "受理日期",
    "declined_reason": "不予受理理由",
    "decline_category": "不予受理类别",
    "declined_on": "不予受理日期",
    "declined_by": "决定人",
    "mediation_started_on": "开始调解日期",
    "extended_until": "延长至",
    "extension_note": "延长说明",
    "outcome_on": "调解结果日期",
    "failure_reason": "调解不成原因",
    "outcome_note": "结果说明",
    "closed_on": "结案日期",
    "archived_on": "归档日期",
    "archive_no": "档案号",
    "respondent_id": "被申请人",
    "is_collective": "集体争议",
    "is_migrant_worker": "农民工",
    "is_construction": "工程建设领域",
    "project_name": "工程项目",
    "facts": "事实与理由",
    "requests": "请求",
    "mediator_id": "调解员",
    "co_mediators": "共同调解员",
    "review_applied_on": "申请司法确认日期",
    "court_confirmation_on": "司法确认日期",
    "confirmation_note": "司法确认说明",
    "employment_status": "劳动关系状态",
    "employment_ended_on": "劳动关系终止日期",
    "infringement_known_on": "知道权利受侵害日期",
    # parties and claims
    "is_representative": "代表人",
    "agent_for_id": "代理对象",
    "authority": "代理权限",
    "dispute_type": "争议类型",
    # sessions
    "session_no": "次数",
    "held_at": "开始时间",
    "ended_at": "结束时间",
    "mediators": "调解员",
    "recorder": "记录人",
    "attendees": "到场人员",
    "record": "笔录内容",
    "outcome": "结果",
    "rights_explained": "已告知权利义务",
    "recusal_note": "回避情况",
    # agreements
    "version_no": "版本",
    "other_terms": "其他约定",
    "performance_deadline": "履行期限",
    "copies": "份数",
    "signed_on": "签署日期",
    "supersedes_id": "取代的版本",
    "change_reason": "变更原因",
    "item": "项目",
    "due_on": "履行日期",
    "payer_enterprise_id": "付款单位",
    "payee_person_id": "收款人",
    "art16": "适用第十六条",
    "performed_on": "履行日期",
    "content": "签署内容",
    # visits and findings
    "visited_on": "走访日期",
    "visitors": "走访人员",
    "contact_name": "企业联系人",
    "contact_phone": "联系人电话",
    "checklist": "检查项目",
    "risk_indicators": "风险指标",
    "follow_up_of_id": "回访的走访",
    "category": "问题类别",
    "legal_basis": "法律依据",
    "deadline": "整改期限",
    "responsible_person": "责任人",
    "resolved_on": "整改完成日期",
    "updated_on": "跟进日期",
    # activities and the team
    "title": "名称",
    "ended_on": "结束日期",
    "participant_count": "参加人数",
    "participants": "参加人员",
    "speaker": "主讲人",
    "materials_count": "发放资料份数",
    "summary": "活动情况",
    "tags": "标签",
    "audience_count": "听众人数",
    "joined_on": "加入日期",
    "active": "在岗",
    "trained_on": "培训日期",
    "hours": "学时",
    "scores": "评分",
    "total_score": "总分",
    "commended_on": "命名日期",
    # enterprises, beyond the roster's fields
    "risk_level": "欠薪风险等级",
    "last_negotiation_on": "最近一次集体协商",
    "source": "来源",
    # users
    "username": "用户名",
    "display_name": "姓名",
}

#: per kind of record where a shared name reads differently
ENTITY_FIELD_LABELS: dict[str, dict[str, str]] = {
    "person": {"name": "姓名"},
    "team_member": {"name": "姓名", "role": "角色"},
    "case_party": {"role": "当事人身份"},
    "dispute_case": {
        "police_incident_no": "110接处警编号",
        "applicant_side": "申请方",
        "is_dispatch": "劳务派遣",
        "transfer_from_station": "移交自（站点）",
        "transfer_from_case_no": "移交自（原案号）",
        "transfer_to_station": "移交至（站点）",
        "transfer_to_case_no": "移交至（新案号）",
        "transfer_reason": "移交原因",
        "transferred_on": "移交日期",
    },
    "mediation_agreement": {"signatures": "签署情况"},
    "agreement_term": {"schedule": "分配明细"},
    "performance_followup": {
        "followed_on": "回访日期",
        "contact": "回访对象",
        "amount_received": "新收到金额",
    },
    "performance_record": {"followup_id": "所属回访"},
    "inspection_referral": {
        "referred_on": "移送日期",
        "inspection_body": "劳动保障监察机构",
        "developer": "建设单位",
        "contractor_kind": "用工主体",
        "foreman_name": "包工头姓名",
        "foreman_id_number": "包工头身份证号",
        "foreman_phone": "包工头电话",
        "absconding": "逃匿迹象",
        "absconding_note": "逃匿情况说明",
        "evidence": "证据材料",
        "workers": "涉及劳动者及金额",
        "inspection_case_no": "监察案件编号",
        "order_on": "责令支付日期",
        "order_note": "责令支付情况",
        "police_transfer_on": "移送公安日期",
        "police_note": "移送公安情况",
    },
    "mediation_session": {"outcome": "调解结果"},
    "activity_enterprise": {"role": "参与方式"},
}


def _roster_field(key: str):
    from app.roster.fields import FIELD_BY_KEY

    return FIELD_BY_KEY.get(key)


def field_label(entity: str | None, key: str) -> str:
    if entity == "enterprise":
        from app.roster.fields import FIELD_BY_KEY

        found = FIELD_BY_KEY.get(key)
        if found is not None:
            return found.label
    special = ENTITY_FIELD_LABELS.get(entity or "", {})
    return special.get(key) or FIELD_LABELS.get(key) or key


def _column(entity: str | None, key: str):
    model = MODEL_BY_ENTITY.get(entity or "")
    if entity == "user_account":
        model = UserAccount
    if model is None:
        return None
    return model.__table__.c.get(key)


def describe_value(entity: str | None, key: str, value) -> str:
    """A value as the audit log holds it (JSON: text, numbers, true/false) as people read it."""
    if value is None or value == "":
        return "（空）"
    if entity == "enterprise" and _roster_field(key):
        from app.roster.importer import describe_value as roster_value

        try:
            text = roster_value(key, value)
        except (ValueError, KeyError):
            text = None
        if text:
            return text
    column = _column(entity, key)
    kind = column.type if column is not None else None
    if isinstance(kind, EnumText):
        try:
            return kind.enum_cls(value).label
        except ValueError:
            return str(value)
    if isinstance(kind, Money):
        try:
            return f"{Decimal(str(value)):,.2f} 元"
        except InvalidOperation:
            return str(value)
    if value is True or (isinstance(kind, Boolean) and value in (1, "1")):
        return "是"
    if value is False or (isinstance(kind, Boolean) and value in (0, "0")):
        return "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) if value else "（空）"
    if isinstance(value, dict):
        return "（已修改）"
    text = str(value)
    if len(text) >= 19 and text[10] == "T":  # an ISO date-time: local time, minutes
        try:
            from app.domain.dates import short_datetime

            return short_datetime(datetime.fromisoformat(text))
        except ValueError:
            pass
    return text if len(text) <= 80 else text[:80] + "…"


def describe_changes(entity: str | None, changes: dict | None) -> str:
    """``{field: [old, new] | "changed"}`` as one line: 职工人数：10 → 12；联系电话：已修改."""
    parts = []
    for key, change in (changes or {}).items():
        if key in QUIET_FIELDS:
            continue
        label = field_label(entity, key)
        if change == "changed" or not isinstance(change, list | tuple) or len(change) != 2:
            parts.append(f"{label}：已修改")  # personal data: the audit keeps no values
        elif key.endswith("_id"):  # a reference: its id says nothing to a reader
            old, new = change
            parts.append(f"{label}：" + ("已指定" if old is None else "已清除" if new is None
                                         else "已更换"))  # fmt: skip
        else:
            old, new = change
            parts.append(f"{label}：{describe_value(entity, key, old)} → "
                         f"{describe_value(entity, key, new)}")  # fmt: skip
    return "；".join(parts)


def action_label(action: str, summary: str | None = None) -> str:
    if action == "import":
        return summary or ACTION_LABELS["import"]
    return ACTION_LABELS.get(action, action)


# ------------------------------------------------------------------ one record and its family

#: child kinds of a record: (child model, column naming its parent)
_CHILDREN: dict[str, tuple[tuple[type, str], ...]] = {
    "dispute_case": (
        (CaseParty, "case_id"),
        (CaseClaim, "case_id"),
        (MediationSession, "case_id"),
        (MediationAgreement, "case_id"),
    ),
    "mediation_agreement": ((AgreementTerm, "agreement_id"), (AgreementSnapshot, "agreement_id")),
    "agreement_term": ((PerformanceRecord, "term_id"),),
    "enterprise_visit": ((Finding, "visit_id"),),
    "finding": ((FindingUpdate, "finding_id"),),
    "activity": ((ActivityEnterprise, "activity_id"), (ActivityStop, "activity_id")),
    "enterprise": ((CreditNote, "enterprise_id"),),
}
#: references from a record's parts to records of their own that show in its history too
PART_REFERENCES = (("case_party", "person_id"), ("case_claim", "person_id"))
#: kinds whose attachments belong to their history
_WITH_ATTACHMENTS = frozenset(
    {"dispute_case", "mediation_agreement", "mediation_session", "enterprise_visit", "finding",
     "activity", "activity_stop", "enterprise"}
)  # fmt: skip


def family(s: Session, entity: str, record_id: str) -> dict[str, set[str]]:
    """The record and the records that belong to it (a case's parties, claims, sessions,
    agreements with their terms and payments, attachments …): ``{entity: {ids}}``."""
    out: dict[str, set[str]] = {entity: {record_id}}
    todo = [(entity, {record_id})]
    while todo:
        parent, ids = todo.pop()
        for model, column in _CHILDREN.get(parent, ()):
            t = model.__table__
            found = set()
            id_list = sorted(ids)
            for start in range(0, len(id_list), 500):
                found.update(
                    s.scalars(select(t.c.id).where(t.c[column].in_(id_list[start : start + 500])))
                )
            if found:
                out.setdefault(model.entity_name(), set()).update(found)
                todo.append((model.entity_name(), found))
    # the people of a case's parties and claims (their names and phones are edited on the case)
    for child, column in PART_REFERENCES:
        ids = sorted(out.get(child, ()))
        if not ids:
            continue
        t = MODEL_BY_ENTITY[child].__table__
        found = set()
        for start in range(0, len(ids), 500):
            found.update(
                v
                for v in s.scalars(select(t.c[column]).where(t.c.id.in_(ids[start : start + 500])))
                if v
            )
        if found:
            out.setdefault("person", set()).update(found)
    owners = [(e, ids) for e, ids in out.items() if e in _WITH_ATTACHMENTS]
    t = Attachment.__table__
    for owner, ids in owners:
        found = set(
            s.scalars(
                select(t.c.id).where(t.c.owner_entity == owner, t.c.owner_id.in_(sorted(ids)))
            )
        )
        if found:
            out.setdefault("attachment", set()).update(found)
    return out


@dataclass(frozen=True)
class HistoryRow:
    """One line of a record's 操作记录."""

    at: datetime
    user: str
    action: str
    #: what the line is about: the record itself (its kind's label) or one of its parts
    kind: str
    details: str
    entity: str
    entity_id: str | None


def _user_names(s: Session) -> dict[str, str]:
    return dict(s.execute(select(UserAccount.id, UserAccount.display_name)).all())


def user_label(names: dict[str, str], user_id: str | None, origin: str | None = None) -> str:
    """Who, as a line shows it; ``origin``: the event was made on another PC of the station."""
    who = (names.get(user_id) or f"用户 {user_id[:8]}") if user_id else "系统"
    return f"{who}（本站其他电脑）" if origin else who


def _entries(s: Session, wanted: dict[str, set[str]]):
    """``(event id, at, user, action, summary, entity, entity_id, changes)`` of ``wanted``, oldest
    first: their own events and their parts of the bulk events (roster imports)."""
    t = AuditEvent.__table__
    conditions = []
    for entity, ids in wanted.items():
        id_list = sorted(ids)
        for start in range(0, len(id_list), 500):
            conditions.append(
                and_(t.c.entity == entity, t.c.entity_id.in_(id_list[start : start + 500]))
            )
    bulk = and_(t.c.entity.in_(sorted(wanted)), t.c.entity_id.is_(None), t.c.detail.is_not(None))
    query = select(
        t.c.id, t.c.at, t.c.user_id, t.c.action, t.c.summary, t.c.entity, t.c.entity_id,
        t.c.changes, t.c.detail, t.c.origin,
    ).where(or_(bulk, *conditions)).order_by(t.c.at, t.c.id)  # fmt: skip
    for row in s.execute(query):
        eid, at, user_id, action, summary, entity, entity_id, changes, detail, origin = row
        if detail is None:
            yield eid, at, user_id, action, summary, entity, entity_id, changes, origin
            continue
        data = read_detail(detail)
        for rid in sorted(wanted.get(entity, ())):
            if rid in data["update"]:
                yield (eid, at, user_id, action, data["summaries"]["update"], entity, rid,
                       data["update"][rid] or None, origin)  # fmt: skip
            elif rid in set(data["insert"]):
                yield (
                    eid,
                    at,
                    user_id,
                    action,
                    data["summaries"]["insert"],
                    entity,
                    rid,
                    None,
                    origin,
                )


def record_history(s: Session, entity: str, record_id: str) -> list[HistoryRow]:
    """The 操作记录 of one record with its parts, newest first."""
    wanted = family(s, entity, record_id)
    names = _user_names(s)
    rows = []
    for _eid, at, user_id, action, summary, ent, rid, changes, origin in _entries(s, wanted):
        kind = KIND_LABELS.get(ent, ent)
        if ent != entity or rid != record_id:
            kind = f"{kind}（{(rid or '')[:8]}）"
        rows.append(HistoryRow(at, user_label(names, user_id, origin),
                               action_label(action, summary), kind,
                               describe_changes(ent, changes), ent, rid))  # fmt: skip
    rows.reverse()
    return rows


def history_of(store, entity: str, record_id: str) -> list[HistoryRow]:
    with store.read() as s:
        return record_history(s, entity, record_id)


# ------------------------------------------------------------------ the station-wide view


@dataclass(frozen=True)
class EventFilter:
    """What the station administrator's 操作记录 view shows: every field optional."""

    user_id: str | None = None
    #: a table name (``KIND_LABELS``)
    entity: str | None = None
    #: local dates, both included
    since: date | None = None
    until: date | None = None
    #: words in the summary or the changes, or a case number, enterprise or activity name
    text: str | None = None


@dataclass(frozen=True)
class EventRow:
    id: int
    at: datetime
    user: str
    action: str
    kind: str
    record: str
    details: str
    entity: str | None
    entity_id: str | None


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min).astimezone().astimezone(UTC)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(s: Session, flt: EventFilter):
    t = AuditEvent.__table__
    q = select(t)
    if flt.user_id:
        q = q.where(t.c.user_id == flt.user_id)
    if flt.entity:
        q = q.where(t.c.entity == flt.entity)
    if flt.since:
        q = q.where(t.c.at >= _local_start(flt.since))
    if flt.until:
        q = q.where(t.c.at < _local_start(flt.until + timedelta(days=1)))
    text = (flt.text or "").strip()
    if text:
        like = _like(text)
        named = []
        for model, column in ((DisputeCase, "case_no"), (Enterprise, "name"), (Activity, "title")):
            mt = model.__table__
            ids = list(s.scalars(select(mt.c.id).where(mt.c[column].like(like, escape="\\"))
                                 .limit(500)))  # fmt: skip
            if ids:
                named.append(and_(t.c.entity == model.entity_name(), t.c.entity_id.in_(ids)))
        # the changes are JSON text, non-ASCII characters escaped (\\uXXXX) as json.dumps writes
        escaped = _like(json.dumps(text)[1:-1])
        q = q.where(
            or_(
                t.c.summary.like(like, escape="\\"),
                cast(t.c.changes, String).like(like, escape="\\"),
                cast(t.c.changes, String).like(escaped, escape="\\"),
                *named,
            )
        )
    return q


def _titles(s: Session, rows) -> dict[tuple[str, str], str]:
    """Readable names of the records of ``rows``: a case number, an enterprise's or activity's
    name, a visit's date (no person's name: those are personal data)."""
    wanted: dict[str, set[str]] = {}
    for r in rows:
        if r.entity_id:
            wanted.setdefault(r.entity, set()).add(r.entity_id)
    out = {}
    for model, column in ((DisputeCase, "case_no"), (Enterprise, "name"), (Activity, "title"),
                          (EnterpriseVisit, "visited_on")):  # fmt: skip
        ids = wanted.get(model.entity_name())
        if not ids:
            continue
        mt = model.__table__
        for rid, value in s.execute(select(mt.c.id, mt.c[column]).where(mt.c.id.in_(sorted(ids)))):
            text = str(value) if value is not None else ""
            if model is EnterpriseVisit and text:
                text = f"{text} 走访"
            out[(model.entity_name(), rid)] = text
    return out


def search_events(store, flt: EventFilter, offset: int = 0, limit: int = 200) -> list[EventRow]:
    """A page of the station's audit log, newest first (station administrator only)."""
    store.require_admin()
    with store.read() as s:
        t = AuditEvent.__table__
        rows = s.execute(
            _filtered(s, flt).order_by(t.c.id.desc()).offset(offset).limit(limit)
        ).all()
        names = _user_names(s)
        titles = _titles(s, rows)
        out = []
        for r in rows:
            kind = KIND_LABELS.get(r.entity or "", r.entity or "")
            if r.entity_id is None and r.detail is not None:
                data = read_detail(r.detail)
                n_new, n_upd = len(data["insert"]), len(data["update"])
                details = f"新增 {n_new} 条，更新 {n_upd} 条"
                record = f"{n_new + n_upd} 条{kind}记录"
            else:
                details = describe_changes(r.entity, r.changes)
                record = titles.get((r.entity, r.entity_id)) or r.summary or ""
                if r.entity == "user_account":
                    record = names.get(r.entity_id or "", "")
                    details = details or (r.summary or "")
            out.append(EventRow(r.id, r.at, user_label(names, r.user_id, r.origin),
                                action_label(r.action, r.summary), kind, record, details,
                                r.entity, r.entity_id))  # fmt: skip
        return out


def count_events(store, flt: EventFilter) -> int:
    store.require_admin()
    with store.read() as s:
        sub = _filtered(s, flt).subquery()
        return s.scalar(select(func.count()).select_from(sub)) or 0


def user_choices(store) -> list[tuple[str, str]]:
    """``(id, "姓名（用户名）")`` of the station's users, for the filter."""
    with store.read() as s:
        rows = s.execute(
            select(
                UserAccount.id, UserAccount.display_name, UserAccount.username, UserAccount.role
            ).order_by(UserAccount.created_at)
        ).all()
    return [(i, f"{d}（{u}，{Role(r).label}）") for i, d, u, r in rows]


def kind_choices() -> Iterable[tuple[str, str]]:
    return KIND_LABELS.items()
