"""The full-text index of cases (``case_fts``, made by migration ``0003_cases``).

One document per case: its number, the parties' names and ID numbers, the enterprises' names and
credit codes, the project. Chinese characters are written one token each, so an FTS5 *phrase*
query matches any substring (two-character names included); runs of digits and letters are written
as all their suffixes, so a *prefix* query finds any part of an ID, code or case number quickly.

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
_RUN = re.compile(r"[0-9a-z]+|[\u3400-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def normalize(value: str) -> str:
    """NFKC (full-width to half-width), lower case: ``（２０２６）`` and ``(2026)`` index alike."""
    return unicodedata.normalize("NFKC", value or "").lower()


def _runs(value: str) -> list[str]:
    return _RUN.findall(normalize(value))


def _indexed(run: str) -> str:
    """Chinese characters one token each (a phrase finds any substring); a run of digits or
    letters (ID number, credit code, case number) as all its suffixes (a prefix query finds any
    substring, without scanning the doclists of single digits)."""
    if _CJK.match(run):
        return " ".join(run)
    return " ".join(run[i:] for i in range(len(run)))


def document(values: Iterable[str | None]) -> str:
    """The indexed text of a case; values are kept apart by ``SEPARATOR``."""
    parts = [" ".join(_indexed(r) for r in _runs(v)) for v in values if v]
    return f" {SEPARATOR} ".join(p for p in parts if p)


def match_expression(query: str) -> str | None:
    """FTS5 query for what the user typed: Chinese as phrases, digits and letters as prefixes of
    the indexed suffixes; every part required."""
    parts = []
    for run in _runs(query):
        if _CJK.match(run):
            parts.append('"' + " ".join(run) + '"')
        else:
            parts.append(f'"{run}" *')
    return " AND ".join(parts) if parts else None


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
    """Rebuild the index entries of these cases (removing those of deleted cases).

    New cases get their key in the order given, so keys follow registration order."""
    ids = list(dict.fromkeys(case_ids))
    done = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        values = _values_of(session, chunk)
        keys = _keys(session, chunk)
        if keys:
            session.execute(
                text("DELETE FROM case_fts WHERE rowid = :r"), [{"r": r} for r in keys.values()]
            )
        missing = [c for c in chunk if c in values and c not in keys]
        if missing:
            session.execute(insert(CaseSearchKey), [{"case_id": c} for c in missing])
            keys.update(_keys(session, missing))
        docs = [{"r": keys[c], "b": document(values[c])} for c in chunk if c in values]
        if docs:
            session.execute(text("INSERT INTO case_fts (rowid, body) VALUES (:r, :b)"), docs)
        done += len(docs)
    return done


def _keys(session: Session, case_ids: list[str]) -> dict[str, int]:
    return dict(
        session.execute(
            select(CaseSearchKey.case_id, CaseSearchKey.rowid).where(
                CaseSearchKey.case_id.in_(case_ids)
            )
        ).all()
    )


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
    """Rebuild stale entries inside the transaction that made them stale.

    Only sessions of a station store (the store puts the station code in ``session.info``): the
    district server's database, in the same process in tests, has no case index."""
    if session.info.get("read_only") or "station_code" not in session.info:
        return
    session.flush()
    try:
        if has_stale(session):
            count = process_stale(session)
            log.debug("search index: %d cases refreshed", count)
    except OperationalError:
        # a store whose schema predates 0003_cases (during migration tests): nothing to index
        log.debug("search index not available in this store")
