"""Correction requests (退回补正) are answered by the station's next edit of the record.

The store's change hook (:mod:`app.store.changes`) hands every flush's changed synced records
to :func:`answer_on_flush`; an open request on one of them becomes *answered* in the same
transaction (who, when, which fields the edit changed, the record's new version), and
:mod:`app.sync.work` reports it at the next sync. For a case, an edit of one of its parties or
claims answers too (the reviewer's field may be 申请人 or 请求事项).
"""

from __future__ import annotations

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
