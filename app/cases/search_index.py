"""The full-text index of cases (``case_fts``, made by migration ``0003_cases``).

One document per case: its number, the parties' names and ID numbers, the enterprises' names and
credit codes, the project. Every character is written as its own token, so an FTS5 *phrase* query
matches any substring, two-character names and partial ID or case numbers included.

SQL triggers put a case into ``case_search_stale`` whenever something its document shows changes,
whatever code made the change (ORM, Core bulk update, another area's import). The stale entries are
rebuilt in the same transaction, just before it commits (a ``before_commit`` hook installed when
``app.cases`` is imported), and :func:`refresh_stale` does the same for a store written by code that
never imported it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import delete, event, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.store.models import (
    CaseParty,
    CaseSearchKey,
    CaseSearchStale,
    DisputeCase,
    Enterprise,
    Person,
)

log = logging.getLogger(__name__)

#: between two values, so that a phrase never matches across the end of one name and the next
SEPARATOR = "qq"
_TOKEN = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]")


def normalize(value: str) -> str:
    """NFKC (full-width to half-width), lower case: ``（２０２６）`` and ``(2026)`` index alike."""
    return unicodedata.normalize("NFKC", value or "").lower()


def tokens(value: str) -> list[str]:
    return _TOKEN.findall(normalize(value))


def document(values: Iterable[str | None]) -> str:
    """The indexed text of a case: characters separated by spaces, values by ``SEPARATOR``."""
    parts = [" ".join(tokens(v)) for v in values if v]
    return f" {SEPARATOR} ".join(p for p in parts if p)


def match_expression(query: str) -> str | None:
    """FTS5 query for what the user typed: each word a phrase of its characters, all required."""
    words = [tokens(word) for word in normalize(query).split()]
    phrases = [f'"{" ".join(w)}"' for w in words if w]
    return " AND ".join(phrases) if phrases else None


def _values_of(session: Session, case_ids: list[str]) -> dict[str, list[str | None]]:
    values: dict[str, list[str | None]] = {}
    for case_id, case_no, project in session.execute(
        select(DisputeCase.id, DisputeCase.case_no, DisputeCase.project_name).where(
            DisputeCase.id.in_(case_ids), DisputeCase.deleted.is_(False)
        )
    ):
        values[case_id] = [case_no, project]
    rows = session.execute(
        select(
            CaseParty.case_id,
            Person.name,
            Person.id_number,
            Enterprise.name,
            Enterprise.credit_code,
        )
        .select_from(CaseParty)
        .outerjoin(Person, Person.id == CaseParty.person_id)
        .outerjoin(Enterprise, Enterprise.id == CaseParty.enterprise_id)
        .where(CaseParty.case_id.in_(case_ids), CaseParty.deleted.is_(False))
        .order_by(CaseParty.case_id, CaseParty.sort_order)
    )
    for case_id, pname, idno, ename, code in rows:
        if case_id in values:
            values[case_id].extend(v for v in (pname, idno, ename, code) if v)
    return values


def reindex(session: Session, case_ids: Iterable[str]) -> int:
    """Rebuild the index entries of these cases (removing those of deleted cases)."""
    ids = list(dict.fromkeys(case_ids))
    done = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        values = _values_of(session, chunk)
        keys = dict(
            session.execute(
                select(CaseSearchKey.case_id, CaseSearchKey.rowid).where(
                    CaseSearchKey.case_id.in_(chunk)
                )
            ).all()
        )
        for case_id in chunk:
            rowid = keys.get(case_id)
            if rowid is not None:
                session.execute(text("DELETE FROM case_fts WHERE rowid = :r"), {"r": rowid})
            if case_id not in values:
                continue
            if rowid is None:
                rowid = session.execute(
                    insert(CaseSearchKey).values(case_id=case_id).returning(CaseSearchKey.rowid)
                ).scalar_one()
            session.execute(
                text("INSERT INTO case_fts (rowid, body) VALUES (:r, :b)"),
                {"r": rowid, "b": document(values[case_id])},
            )
            done += 1
    return done


def process_stale(session: Session) -> int:
    """Rebuild the entries the triggers marked stale; in the caller's transaction."""
    stale = list(session.scalars(select(CaseSearchStale.case_id)))
    if not stale:
        return 0
    reindex(session, stale)
    session.execute(delete(CaseSearchStale).where(CaseSearchStale.case_id.in_(stale)))
    return len(stale)


def has_stale(session: Session) -> bool:
    return session.execute(text("SELECT 1 FROM case_search_stale LIMIT 1")).first() is not None


def refresh_stale(store) -> int:
    """Bring the index up to date (a short write transaction, only when something is stale).

    Index maintenance is not a change of records: it runs for read-only users too and writes no
    audit or outbox entry.
    """
    from app.store.engine import writer

    with store.read() as s:
        if not has_stale(s):
            return 0
    with Session(writer(store.engine)) as s, s.begin():
        return process_stale(s)


def rebuild_all(session: Session) -> int:
    """Drop and rebuild the whole index (maintenance; ``labor-station cases --reindex``)."""
    session.execute(text("DELETE FROM case_fts"))
    ids = list(session.scalars(select(DisputeCase.id).order_by(DisputeCase.registered_at)))
    done = reindex(session, ids)
    session.execute(delete(CaseSearchStale))
    return done


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    """Rebuild stale entries inside the transaction that made them stale."""
    if session.info.get("read_only"):
        return
    session.flush()
    try:
        if has_stale(session):
            count = process_stale(session)
            log.debug("search index: %d cases refreshed", count)
    except OperationalError:
        # a store whose schema predates 0003_cases (during migration tests): nothing to index
        log.debug("search index not available in this store")
