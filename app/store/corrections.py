"""Correction requests (退回补正) are answered by the station's next edit of the record.

The store's change hook (:mod:`app.store.changes`) hands every flush's changed synced records
to :func:`answer_on_flush`; an open request on one of them becomes *answered* in the same
transaction (who, when, which fields the edit changed, the record's new version), and
:mod:`app.sync.work` reports it at the next sync. For a case, an edit of one of its parties or
claims answers too (the reviewer's field may be 申请人 or 请求事项).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.store.models.base import utcnow
from app.store.models.work import CorrectionRequest

#: child records whose edit is an edit of the case they belong to
CASE_CHILDREN = frozenset({"case_party", "case_claim", "mediation_session"})


def answer_on_flush(session: Session, changed: list[tuple[str, str, list[str], int]]) -> int:
    """``changed``: (entity, record id, changed fields, new version) of this flush."""
    if not changed:
        return 0
    conn = session.connection()
    open_ = {
        (e, r): i
        for i, e, r in conn.execute(
            select(CorrectionRequest.id, CorrectionRequest.entity, CorrectionRequest.record_id)
            .where(CorrectionRequest.status == "open")
        )
    }  # fmt: skip
    if not open_:
        return 0
    answered = 0
    now = utcnow()
    user_id = session.info.get("user_id")
    for key, fields, version in _targets(changed):
        for (entity, record_id), request_id in list(open_.items()):
            if (entity, record_id) != key:
                continue
            conn.execute(
                update(CorrectionRequest)
                .where(CorrectionRequest.id == request_id, CorrectionRequest.status == "open")
                .values(
                    status="answered",
                    answered_at=now,
                    answered_by=user_id,
                    answer_fields=sorted(fields),
                    answer_version=version,
                    reported_at=None,
                )
            )
            del open_[(entity, record_id)]
            answered += 1
    if answered:
        session.info["corrections_answered"] = (
            session.info.get("corrections_answered", 0) + answered
        )
    return answered


def _targets(changed):
    for entity, record_id, fields, version, *parent in changed:
        yield (entity, record_id), fields, version
        if entity in CASE_CHILDREN and parent and parent[0]:
            yield ("dispute_case", parent[0]), [entity], None


# ------------------------------------------------------------------ what the station shows

ENTITY_LABELS = {
    "dispute_case": "调解案件",
    "enterprise_visit": "企业走访",
    "enterprise": "企业",
    "activity": "活动",
}
STATUS_LABELS = {"open": "待补正", "answered": "已补正"}
#: where the record opens: entity -> (section, use the record id)
OPEN_IN = {
    "dispute_case": ("cases", True),
    "enterprise": ("roster", True),
    "enterprise_visit": ("visits", False),
    "activity": ("activities", False),
}


@dataclass(frozen=True)
class RequestRow:
    id: str
    entity: str
    record_id: str
    record: str
    field: str
    message: str
    due_on: date
    requested_by: str
    status: str
    reported: bool
    overdue: bool

    @property
    def status_text(self) -> str:
        text = STATUS_LABELS.get(self.status, self.status)
        if self.status == "open" and self.overdue:
            text += "（已逾期）"
        if self.status == "answered" and not self.reported:
            text += " · 待报送区级"
        return text


def list_requests(store, today: date | None = None, *, open_only: bool = False) -> list[RequestRow]:
    """Open requests first (earliest due first), then answered ones (latest first)."""
    today = today or date.today()
    with store.read() as s:
        q = select(CorrectionRequest)
        if open_only:
            q = q.where(CorrectionRequest.status == "open")
        rows = list(s.scalars(q))
    rows.sort(
        key=lambda r: (
            r.status != "open",
            r.due_on.toordinal()
            if r.status == "open"
            else -(r.answered_at or r.requested_at).timestamp(),
        )
    )
    return [
        RequestRow(
            id=r.id,
            entity=r.entity,
            record_id=r.record_id,
            record=f"{ENTITY_LABELS.get(r.entity, r.entity)} {r.record_label}",
            field=r.field_label,
            message=r.message,
            due_on=r.due_on,
            requested_by=r.requested_by,
            status=r.status,
            reported=r.reported_at is not None,
            overdue=r.status == "open" and r.due_on < today,
        )
        for r in rows
    ]
