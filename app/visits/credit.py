"""Enterprise credit notes (守信 / 失信 / 信用修复) with dates and reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.domain.enums import CreditNoteKind
from app.domain.visits import CreditEntry, check_credit_note, credit_standing
from app.store.errors import NotFound
from app.store.models import CreditNote, Enterprise
from app.store.store import Store
from app.visits.problems import Problem, raise_if


@dataclass
class CreditRow:
    id: str
    kind: CreditNoteKind
    noted_on: date
    reason: str
    source_ref: str | None


def list_credit_notes(store: Store, enterprise_id: str) -> list[CreditRow]:
    with store.read() as s:
        rows = s.scalars(
            select(CreditNote)
            .where(CreditNote.enterprise_id == enterprise_id, CreditNote.deleted.is_(False))
            .order_by(CreditNote.noted_on, CreditNote.created_at)
        ).all()
        return [CreditRow(n.id, n.kind, n.noted_on, n.reason, n.source_ref) for n in rows]


def standing(store: Store, enterprise_id: str) -> CreditNoteKind | None:
    return credit_standing(
        [CreditEntry(r.kind, r.noted_on) for r in list_credit_notes(store, enterprise_id)]
    )


def add_credit_note(
    store: Store,
    enterprise_id: str,
    kind: CreditNoteKind,
    noted_on: date,
    reason: str,
    *,
    source_ref: str | None = None,
    today: date | None = None,
) -> str:
    today = today or date.today()
    with store.unit_of_work() as s:
        enterprise = s.get(Enterprise, enterprise_id)
        if enterprise is None or enterprise.deleted:
            raise NotFound("企业不存在或已被删除")
        existing = [
            CreditEntry(n.kind, n.noted_on)
            for n in s.scalars(
                select(CreditNote)
                .where(CreditNote.enterprise_id == enterprise_id, CreditNote.deleted.is_(False))
                .order_by(CreditNote.noted_on, CreditNote.created_at)
            )
        ]
        raise_if(
            [
                Problem("credit", "信用记录", m)
                for m in check_credit_note(kind, noted_on, reason, existing, today)
            ]
        )
        note = CreditNote(
            enterprise_id=enterprise_id,
            kind=CreditNoteKind(kind),
            noted_on=noted_on,
            reason=reason.strip(),
            source_ref=source_ref,
        )
        s.add(note)
        return note.id
