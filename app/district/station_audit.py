"""The stations' audit trail at the district (issue 12): received append-only from each PC, and
shown on the dashboard, where a reviewer sees a record's 操作记录.

* ``POST /api/v2/audit`` (signed, station credential): a page of a PC's audit events. An event
  is known by the PC (its credential) and the PC's own number for it; its content digest is kept.
  The same event again is a duplicate (acknowledged, nothing written); a different event under
  a number already received is refused, and what was received stays as it was: the district
  never changes an event it holds.
* ``/dashboard/station-audit``: the events of the user's streets, filtered (station, kind,
  dates, words), and ``/dashboard/station-audit/record``: one record's history with its parts
  (a case's parties, sessions, agreements …), described as the station describes it
  (:mod:`app.audit.trail`). District admins and reviewers only; a street-limited user gets
  "not found" for another street's record, as for one that does not exist. Each look at a
  record's history is written to the district's own audit log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

import orjson
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import String, and_, cast, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import trail
from app.district import record_files, roles
from app.district.auth import StationPrincipal
from app.district.dashboard import Admin, base_context_for, client_address, render
from app.district.models import StationRecord, utcnow
from app.district.models_station import StationAuditEvent
from app.district.server import ERRORS, signed_raw, station_principal
from app.sync import protocol

MAX_EVENTS = 1000
MAX_CHANGES_BYTES = 64 * 1024
MAX_DETAIL_BYTES = 4 * 1024 * 1024
PAGE = 100
#: who may read the stations' audit trail on the dashboard
READERS = frozenset({"admin", "reviewer"})

roles.ACTION_LABELS.setdefault("record.history", "查看站点记录的操作记录")


class EventIn(BaseModel):
    seq: int = Field(ge=1, le=2**53)
    at: datetime
    user_id: str | None = Field(default=None, max_length=36)
    user_name: str | None = Field(default=None, max_length=60)
    action: str = Field(min_length=1, max_length=40)
    entity: str | None = Field(default=None, max_length=40, pattern=protocol.ENTITY_PATTERN)
    entity_id: str | None = Field(default=None, max_length=36)
    summary: str | None = Field(default=None, max_length=200)
    changes: dict | None = None
    detail: str | None = Field(default=None, max_length=MAX_DETAIL_BYTES * 4 // 3 + 8)


class EventsIn(BaseModel):
    events: list[EventIn] = Field(max_length=MAX_EVENTS)


def digest(raw: dict) -> str:
    """The event's content as the station sent it (sorted keys): equal events, equal digests."""
    fields = {k: raw.get(k) for k in ("seq", "at", "user_id", "action", "entity", "entity_id",
                                      "summary", "changes", "detail")}  # fmt: skip
    return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return "".join(ch if ch >= " " and ch != "\x7f" else " " for ch in text)


def ingest(s: Session, station_code: str, device_id: str, raw_events: list[dict]) -> dict:
    """Store the new events of one page; answer what became of each (see the module text)."""
    try:
        parsed = EventsIn.model_validate({"events": raw_events})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(p) for p in first.get("loc", ()))
        raise HTTPException(422, f"操作记录格式不正确：{where}：{first.get('msg', '')}") from None
    seqs = [e.seq for e in parsed.events]
    from app.district.devices import _lock_station

    _lock_station(s, station_code)  # the station's events numbered in commit order
    server_seq = s.scalar(
        select(func.coalesce(func.max(StationAuditEvent.server_seq), 0)).where(
            StationAuditEvent.station_code == station_code
        )
    )
    held = {
        row.seq: row.digest
        for row in s.execute(
            select(StationAuditEvent.seq, StationAuditEvent.digest).where(
                StationAuditEvent.device_id == device_id, StationAuditEvent.seq.in_(seqs)
            )
        )
    }
    accepted = duplicates = 0
    refused = []
    seen: dict[int, str] = {}
    rows: list[dict] = []
    received_at = utcnow()
    for raw, event in zip(raw_events, parsed.events, strict=True):
        d = digest(raw)
        known = held.get(event.seq, seen.get(event.seq))
        if known is not None:
            if known == d:
                duplicates += 1
            else:
                refused.append(
                    {
                        "seq": event.seq,
                        "reason": "区级已收到本机编号相同而内容不同的操作记录：操作记录只增不改，"
                        "区级保留先收到的记录",
                    }
                )
            continue
        if event.changes is not None and len(orjson.dumps(event.changes)) > MAX_CHANGES_BYTES:
            raise HTTPException(413, f"第 {event.seq} 条操作记录的修改内容过长")
        detail = None
        if event.detail:
            try:
                detail = base64.b64decode(event.detail, validate=True)
            except (binascii.Error, ValueError):
                raise HTTPException(
                    422, f"第 {event.seq} 条操作记录的明细不是有效的 base64"
                ) from None
        at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
        rows.append(
            {
                "station_code": station_code,
                "device_id": device_id,
                "seq": event.seq,
                "at": at,
                "user_id": event.user_id,
                "user_name": _clean(event.user_name),
                "action": _clean(event.action),
                "entity": event.entity,
                "entity_id": event.entity_id,
                "summary": _clean(event.summary),
                "changes": event.changes,
                "detail": detail,
                "digest": d,
                "received_at": received_at,
                "server_seq": server_seq + accepted + 1,
            }
        )
        seen[event.seq] = d
        accepted += 1
    if rows:  # one executemany: an ORM object per event cost more than the event itself
        s.execute(insert(StationAuditEvent.__table__), rows)
    return {"accepted": accepted, "duplicates": duplicates, "refused": refused}


def for_other_pcs(s: Session, station_code: str, device_id: str, after: int, limit: int) -> dict:
    """The station's events written by its other PCs after ``after`` (the station's server
    sequence), oldest first: what a PC fetches to show the other PCs' changes in its 操作记录."""
    t = StationAuditEvent
    # the high mark first: an event committed after it waits for the next fetch, never skipped
    high = int(
        s.scalar(
            select(func.coalesce(func.max(t.server_seq), 0)).where(t.station_code == station_code)
        )
        or 0
    )
    rows = s.scalars(
        select(t)
        .where(
            t.station_code == station_code,
            t.server_seq > after,
            t.server_seq <= high,
            t.device_id != device_id,
        )
        .order_by(t.server_seq)
        .limit(limit)
    ).all()
    events = [
        {
            "seq": r.server_seq,
            "device_id": r.device_id,
            "at": r.at.isoformat(),
            "user_id": r.user_id,
            "user_name": r.user_name,
            "action": r.action,
            "entity": r.entity,
            "entity_id": r.entity_id,
            "summary": r.summary,
            "changes": r.changes,
            "detail": base64.b64encode(r.detail).decode() if r.detail is not None else None,
        }
        for r in rows
    ]
    more = len(rows) >= limit
    # nothing more: the cursor moves past this PC's own events up to the high mark
    nxt = rows[-1].server_seq if more else max(after, high)
    return {"events": events, "next": nxt, "more": more}


# ------------------------------------------------------------------ reading


def _record_family(s: Session, station_code: str, entity: str, record_id: str):
    """The record and its parts, from the station's records held here (JSON data)."""
    t = StationRecord.__table__
    out: dict[str, set[str]] = {entity: {record_id}}
    todo = [(entity, {record_id})]
    while todo:
        parent, ids = todo.pop()
        for model, column in trail._CHILDREN.get(parent, ()):
            child = model.entity_name()
            found = set(
                s.scalars(
                    select(t.c.id).where(
                        t.c.station_code == station_code,
                        t.c.entity == child,
                        t.c.data[column].as_string().in_(sorted(ids)),
                    )
                )
            )
            if found:
                out.setdefault(child, set()).update(found)
                todo.append((child, found))
    for child, column in trail.PART_REFERENCES:
        ids = sorted(out.get(child, ()))
        if ids:
            found = {
                v
                for v in s.scalars(
                    select(t.c.data[column].as_string()).where(
                        t.c.station_code == station_code, t.c.entity == child, t.c.id.in_(ids)
                    )
                )
                if v
            }
            if found:
                out.setdefault("person", set()).update(found)
    for owner, ids in list(out.items()):
        if owner not in trail._WITH_ATTACHMENTS:
            continue
        found = set(
            s.scalars(
                select(t.c.id).where(
                    t.c.station_code == station_code,
                    t.c.entity == "attachment",
                    t.c.data["owner_entity"].as_string() == owner,
                    t.c.data["owner_id"].as_string().in_(sorted(ids)),
                )
            )
        )
        if found:
            out.setdefault("attachment", set()).update(found)
    return out


@dataclass(frozen=True)
class DistrictHistoryRow:
    at: datetime
    user: str
    action: str
    kind: str
    details: str
    device_id: str


def _who(row: StationAuditEvent) -> str:
    if not row.user_id:
        return "系统"
    return row.user_name or f"用户 {row.user_id[:8]}"


def record_history(
    s: Session, station_code: str, entity: str, record_id: str
) -> list[DistrictHistoryRow]:
    """One record's history with its parts, newest first, as the station describes it."""
    from app.store.bulk import read_detail

    wanted = _record_family(s, station_code, entity, record_id)
    t = StationAuditEvent
    conditions = [and_(t.entity == e, t.entity_id.in_(sorted(ids))) for e, ids in wanted.items()]
    bulk = and_(t.entity.in_(sorted(wanted)), t.entity_id.is_(None), t.detail.is_not(None))
    rows = s.scalars(
        select(t).where(t.station_code == station_code, or_(bulk, *conditions)).order_by(t.at, t.id)
    ).all()
    out = []
    for row in rows:
        items = [(row.entity, row.entity_id, row.summary, row.changes)]
        if row.entity_id is None:
            items = []
            try:
                data = read_detail(row.detail)
            except Exception:  # a detail this program cannot read: the line still shows
                data = {"update": {}, "insert": [], "summaries": {}}
            for rid in sorted(wanted.get(row.entity, ())):
                if rid in data["update"]:
                    items.append((row.entity, rid, data["summaries"].get("update"),
                                  data["update"][rid] or None))  # fmt: skip
                elif rid in set(data["insert"]):
                    items.append((row.entity, rid, data["summaries"].get("insert"), None))
        for ent, rid, summary, changes in items:
            kind = trail.KIND_LABELS.get(ent or "", ent or "")
            if ent != entity or rid != record_id:
                kind = f"{kind}（{(rid or '')[:8]}）"
            out.append(
                DistrictHistoryRow(
                    row.at, _who(row), trail.action_label(row.action, summary), kind,
                    trail.describe_changes(ent, changes), row.device_id,
                )
            )  # fmt: skip
    out.reverse()
    return out


def record_title(s: Session, station_code: str, entity: str, record_id: str) -> str | None:
    """A readable name of a record held here (case number, enterprise or activity name), or
    None when the district holds no such record of that station."""
    row = s.get(StationRecord, (entity, record_id))
    if row is None or row.station_code != station_code:
        return None
    data = row.data or {}
    for key in ("case_no", "title"):
        if data.get(key):
            return str(data[key])
    if entity == "enterprise" and data.get("name"):
        return str(data["name"])
    if entity == "enterprise_visit" and data.get("visited_on"):
        return f"{data['visited_on']} 走访"
    return f"{trail.KIND_LABELS.get(entity, entity)} {record_id[:8]}"


def record_titles(s: Session, rows) -> dict[tuple[str, str], str]:
    """Readable names of the records of a page of events: a case number, an enterprise's or an
    activity's name, a visit's date (never a person's name)."""
    keys = {"dispute_case": "case_no", "enterprise": "name", "activity": "title",
            "enterprise_visit": "visited_on"}  # fmt: skip
    wanted: dict[str, set[str]] = {}
    for r in rows:
        if r.entity in keys and r.entity_id:
            wanted.setdefault(r.entity, set()).add(r.entity_id)
    t = StationRecord.__table__
    out = {}
    for entity, ids in wanted.items():
        key = keys[entity]
        found = s.execute(
            select(t.c.id, t.c.data[key].as_string()).where(
                t.c.entity == entity, t.c.id.in_(sorted(ids))
            )
        )
        for rid, value in found:
            if value:
                out[(entity, rid)] = f"{value} 走访" if entity == "enterprise_visit" else value
    return out


@dataclass(frozen=True)
class Filter:
    station: str | None = None
    entity: str | None = None
    since: date | None = None
    until: date | None = None
    text: str | None = None


def _start(day: date) -> datetime:
    # the dashboard's dates are China's calendar days (UTC+8, no daylight saving)
    return datetime.combine(day, time.min).replace(tzinfo=UTC) - timedelta(hours=8)


def search(s: Session, user: roles.DistrictUser, flt: Filter, offset: int = 0, limit: int = PAGE):
    t = StationAuditEvent
    q = select(t)
    if user.streets is not None:
        q = q.where(t.station_code.in_(sorted(user.streets)))
    if flt.station:
        q = q.where(t.station_code == flt.station)
    if flt.entity:
        q = q.where(t.entity == flt.entity)
    if flt.since:
        q = q.where(t.at >= _start(flt.since))
    if flt.until:
        q = q.where(t.at < _start(flt.until + timedelta(days=1)))
    if flt.text:
        like = "%" + flt.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # a case number, an enterprise's or an activity's name finds that record's events
        r = StationRecord.__table__
        named = []
        for entity, key in (("dispute_case", "case_no"), ("enterprise", "name"),
                            ("activity", "title")):  # fmt: skip
            found = select(r.c.id).where(
                r.c.entity == entity, r.c.data[key].as_string().like(like, escape="\\")
            )
            if user.streets is not None:
                found = found.where(r.c.station_code.in_(sorted(user.streets)))
            ids = list(s.scalars(found.limit(500)))
            if ids:
                named.append(and_(t.entity == entity, t.entity_id.in_(ids)))
        q = q.where(
            or_(
                t.summary.like(like, escape="\\"),
                t.user_name.like(like, escape="\\"),
                cast(t.changes, String).like(like, escape="\\"),
                *named,
            )
        )
    total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = s.scalars(q.order_by(t.at.desc(), t.id.desc()).offset(offset).limit(limit)).all()
    return rows, total


def require_reader(user: roles.DistrictUser) -> None:
    if user.role not in READERS:
        raise roles.RoleError(f"您的角色（{user.role_label}）不能查看站点的操作记录")


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise HTTPException(400, f"日期格式不正确：{text[:10]}（应为 2026-12-01）") from None


# ------------------------------------------------------------------ routes


def install_station_audit(app: FastAPI) -> None:
    @app.post("/api/v2/audit", responses=ERRORS, tags=["同步"])
    def post_audit(
        request: Request,
        signed: Annotated[tuple[StationPrincipal, bytes], Depends(signed_raw)],
    ) -> dict:
        """上报本机的操作记录（只增不改：已收到的记录不会被修改）。"""
        principal, body = signed
        try:
            doc = protocol.loads(body)
        except ValueError:
            raise HTTPException(422, "请求格式不正确：内容不是有效的 JSON") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
            raise HTTPException(422, "请求格式不正确：应为 {events: [...]}")
        if len(doc["events"]) > MAX_EVENTS:
            raise HTTPException(413, f"一次最多上报 {MAX_EVENTS} 条操作记录")
        events = [e for e in doc["events"] if isinstance(e, dict)]
        if len(events) != len(doc["events"]):
            raise HTTPException(422, "请求格式不正确：每条操作记录应为一个对象")
        for attempt in range(3):
            try:
                with request.app.state.sessions() as s, s.begin():
                    return ingest(s, principal.station_code, principal.credential_id, events)
            except IntegrityError:  # the same page from a retry, committed meanwhile
                if attempt == 2:
                    raise HTTPException(409, "操作记录正在由另一请求保存，请稍后重试") from None
        raise AssertionError("unreachable")

    @app.get("/api/v2/audit", responses=ERRORS, tags=["同步"])
    def get_audit(
        request: Request,
        principal: Annotated[StationPrincipal, Depends(station_principal)],
        after: Annotated[int, Query(ge=0, le=2**53)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 500,
    ) -> dict:
        """本站其他电脑的操作记录：序号大于 after 的，按序号排列。"""
        with request.app.state.sessions() as s:
            return for_other_pcs(s, principal.station_code, principal.credential_id, after, limit)

    def stations_for(s: Session, user: roles.DistrictUser):
        from app.district.applications import station_choices

        return [(c, n) for c, n in station_choices(s) if user.sees(c)]

    @app.get("/dashboard/station-audit", include_in_schema=False)
    def station_audit_page(
        request: Request,
        sess: Admin,
        station: Annotated[str | None, Query(max_length=16)] = None,
        entity: Annotated[str | None, Query(max_length=40)] = None,
        since: Annotated[str | None, Query(max_length=10)] = None,
        until: Annotated[str | None, Query(max_length=10)] = None,
        q: Annotated[str | None, Query(max_length=100)] = None,
        page: Annotated[int, Query(ge=1, le=100000)] = 1,
    ) -> HTMLResponse:
        require_reader(sess)
        station = (station or "").strip().upper() or None
        if station and not sess.sees(station):
            raise roles.RoleError("该街镇不在您负责的范围内")
        flt = Filter(
            station=station,
            entity=entity if entity in trail.KIND_LABELS else None,
            since=_parse_day(since),
            until=_parse_day(until),
            text=(q or "").strip() or None,
        )
        with request.app.state.sessions() as s:
            rows, total = search(s, sess, flt, (page - 1) * PAGE, PAGE)
            titles = record_titles(s, rows)
            lines = [
                {
                    "e": r,
                    "who": _who(r),
                    "action": trail.action_label(r.action, r.summary),
                    "kind": trail.KIND_LABELS.get(r.entity or "", r.entity or ""),
                    "title": titles.get((r.entity, r.entity_id)) or r.summary or "",
                    "details": trail.describe_changes(r.entity, r.changes)
                    if r.entity_id
                    else (r.summary or ""),
                }
                for r in rows
            ]
            stations = stations_for(s, sess)
        return render(
            "station_audit.html",
            title="站点操作记录",
            lines=lines,
            total=total,
            page_no=page,
            pages=max(1, (total + PAGE - 1) // PAGE),
            f={
                "station": station or "",
                "entity": flt.entity or "",
                "since": since or "",
                "until": until or "",
                "q": flt.text or "",
            },
            kinds=trail.KIND_LABELS,
            stations=stations,
            station_name=roles.station_name,
            **base_context_for(sess, "station-audit"),
        )

    @app.get("/dashboard/station-audit/record", include_in_schema=False)
    def record_page(
        request: Request,
        sess: Admin,
        station: Annotated[str, Query(max_length=16, pattern=protocol.STATION_PATTERN)],
        entity: Annotated[str, Query(max_length=40, pattern=protocol.ENTITY_PATTERN)],
        id: Annotated[str, Query(max_length=36, min_length=1)],
    ) -> HTMLResponse:
        require_reader(sess)
        if not sess.sees(station):  # as for a record that does not exist
            raise HTTPException(404, "没有找到这条记录")
        with request.app.state.sessions() as s, s.begin():
            title = record_title(s, station, entity, id)
            rows = record_history(s, station, entity, id)
            if title is None and not rows:
                raise HTTPException(404, "没有找到这条记录")
            roles.audit(
                s,
                sess.admin_name,
                "record.history",
                f"查看{trail.KIND_LABELS.get(entity, entity)}“{title or id[:8]}”的操作记录",
                target_kind=entity,
                target_id=id,
                station_code=station,
                client=client_address(request),
            )
        files_url = None
        if title is not None and record_files.may_read_files(sess):
            files_url = "/dashboard/station-audit/record/files?" + urlencode(
                {"station": station, "entity": entity, "id": id}
            )
        return render(
            "station_audit_record.html",
            title=f"操作记录 · {title or id[:8]}",
            rows=rows,
            record_title=title or id[:8],
            kind=trail.KIND_LABELS.get(entity, entity),
            station_label=roles.station_name(station),
            files_url=files_url,
            **base_context_for(sess, "station-audit"),
        )
