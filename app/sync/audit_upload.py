"""Protocol 2: this PC's audit events travel to the district (append-only there).

Every event of the local audit log (``audit_event``) after the watermark ``sync.audit_sent`` is
sent, oldest first, a page at a time (signed, ``POST /api/v2/audit``); the watermark moves only
when the district has answered for the page. The district knows an event by this PC's
credential and the event's local number, with a digest of its content: an event sent twice (the
answer was lost) is acknowledged as a duplicate; an event that differs from the one received
under the same number (a store restored from an old backup numbers its new events again) is
refused and the district keeps what it had: the station is told how many, and goes on.

The station's other PCs' events come back the same way (``GET /api/v2/audit?after=``): each page
is written to the local audit log with the PC it came from (``audit_event.origin``) in one
transaction together with the new cursor, so a record's 操作记录 on any PC shows the changes made
on the others; such events are never sent up again.

What travels is what the station's own 操作记录 shows: who (user id and display name), when,
which record, what changed. Personal fields were recorded as "changed" without their values
(:data:`app.store.changes.PERSONAL_FIELDS`), so no personal data leaves the PC this way.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from app.store.models import AuditEvent, UserAccount
from app.sync import protocol, state
from app.sync.client import SyncProblem

log = logging.getLogger(__name__)

CURSOR = "sync.audit_sent"
#: the district's sequence of the station's events written by its other PCs, fetched up to here
FETCHED = "sync.audit_fetched"
PATH = "/api/v2/audit"
#: events per request, and the bytes one request may carry (bulk events hold their details)
PAGE = 500
PAGE_BYTES = 4 * 1024 * 1024
#: a bulk event's details larger than this travel without them (the summary still goes)
MAX_DETAIL_BYTES = 2 * 1024 * 1024


@dataclass
class AuditUpload:
    sent: int = 0
    duplicates: int = 0
    refused: int = 0
    reasons: list[str] = field(default_factory=list)


def _iso(at) -> str:
    return protocol.plain(at)


def _page(store, after: int) -> list[dict]:
    t = AuditEvent.__table__
    with state.reading(store) as s:
        names = dict(s.execute(select(UserAccount.id, UserAccount.display_name)).all())
        rows = s.execute(
            select(t).where(t.c.id > after, t.c.origin.is_(None)).order_by(t.c.id).limit(PAGE)
        ).all()
    events, size = [], 0
    for r in rows:
        detail = None
        if r.detail is not None and len(r.detail) <= MAX_DETAIL_BYTES:
            detail = base64.b64encode(r.detail).decode()
        event = {
            "seq": r.id,
            "at": _iso(r.at),
            "user_id": r.user_id,
            "user_name": names.get(r.user_id) if r.user_id else None,
            "action": r.action,
            "entity": r.entity,
            "entity_id": r.entity_id,
            "summary": r.summary,
            "changes": r.changes,
            "detail": detail,
        }
        size += len(protocol.dumps(event))
        if events and size > PAGE_BYTES:
            break
        events.append(event)
    return events


def upload_all(client, store, cancel=None) -> AuditUpload:
    """Send every audit event after the watermark. A district server without the audit address
    (not upgraded yet) is left alone: the events wait for it."""
    result = AuditUpload()
    with state.reading(store) as s:
        after = int(state.get(s, CURSOR, 0) or 0)
    while True:
        if cancel is not None:
            from app.sync.run import _check_cancel

            _check_cancel(cancel)
        events = _page(store, after)
        if not events:
            return result
        body = protocol.dumps({"events": events})
        try:
            answer = client._request(
                "POST", PATH, content=body, headers=client._signed(body, "application/json")
            )
        except SyncProblem as problem:
            if problem.status == 404:
                return result
            raise
        refused = answer.get("refused") or []
        result.sent += int(answer.get("accepted") or 0)
        result.duplicates += int(answer.get("duplicates") or 0)
        result.refused += len(refused)
        for r in refused[:5]:
            result.reasons.append(str(r.get("reason") or "")[:200])
        after = int(events[-1]["seq"])
        with state.transaction(store) as s:
            state.put(s, CURSOR, after)
        if refused:
            log.warning("district refused %s audit events of this PC", len(refused))


def fetch_others(client, store, cancel=None) -> int:
    """Fetch the audit events of the station's other PCs into this PC's log; returns how many."""
    from datetime import datetime

    fetched = 0
    with state.reading(store) as s:
        after = int(state.get(s, FETCHED, 0) or 0)
    for _ in range(10_000):
        if cancel is not None:
            from app.sync.run import _check_cancel

            _check_cancel(cancel)
        try:
            page = client._request("GET", PATH, params={"after": after, "limit": PAGE},
                                   headers=client._headers())  # fmt: skip
        except SyncProblem as problem:
            if problem.status in (404, 405):
                return fetched
            raise
        events = page.get("events") or []
        nxt = int(page.get("next") or after)
        with state.transaction(store) as s:
            for e in events:
                detail = base64.b64decode(e["detail"]) if e.get("detail") else None
                s.add(
                    AuditEvent(
                        at=datetime.fromisoformat(e["at"]),
                        user_id=e.get("user_id"),
                        action=str(e["action"])[:40],
                        entity=e.get("entity"),
                        entity_id=e.get("entity_id"),
                        summary=e.get("summary"),
                        changes=e.get("changes"),
                        detail=detail,
                        origin=str(e.get("device_id") or "?")[:32],
                    )
                )
            state.put(s, FETCHED, nxt)
        fetched += len(events)
        if not page.get("more") or nxt <= after:
            return fetched
        after = nxt
    return fetched
