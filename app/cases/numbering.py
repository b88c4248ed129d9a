"""Case numbers: ``（2026）鼓楼鼓东劳调字第0012号``, gap-free per station per year on a station's
only PC; from district blocks when the station has several (see docs/sync.md, protocol 2).

The number is taken from ``CaseCounter`` inside the transaction that registers the case. Store
writes begin with ``BEGIN IMMEDIATE``, so two writers (threads or processes) serialise on the
counter; a registration that fails rolls the counter back with it, so no number is lost.
The station's own prefix (district + station short name) makes numbers unique in the district
although every station numbers offline.

A station with several PCs (setting ``sync.numbering`` = ``"blocks"``) takes each number from the
blocks the district handed to this PC (``CaseNumberBlock``), in registration order, in the same
transaction; with no number left it refuses in Chinese (a sync brings a new block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.cases.search_index import normalize
from app.store.errors import StoreError
from app.store.models import CaseCounter, CaseNumberBlock, DisputeCase, Setting

#: "own" (or absent): this PC numbers on its own; "blocks": from the district's blocks;
#: "pending": a PC that joined its station and has not yet heard from the district how to number
NUMBERING_SETTING = "sync.numbering"


class NumbersUsedUp(StoreError):
    default_message = (
        "本机没有可用的案件编号：本站有多台电脑，案件编号由区级服务器分段分配给各台电脑，"
        "本机预留的号码已用完或尚未取得。请联网后在“同步”页面同步一次，再登记案件"
    )


_CASE_NO = re.compile(r"^\((\d{4})\)(.+)劳调字第(\d{4,})号$")


@dataclass(frozen=True)
class CaseNumber:
    prefix: str
    year: int
    seq: int

    def __str__(self) -> str:
        return format_case_no(self.prefix, self.year, self.seq)


def format_case_no(prefix: str, year: int, seq: int) -> str:
    """The year in full-width brackets, as official documents write it (党政机关公文格式
    GB/T 9704-2012 7.2.4 writes the year of a document number in 〔〕; court and mediation
    documents write （2026）). Searches and look-ups read either form (``parse_case_no``, the
    search index folds full-width to half-width)."""
    return f"（{year}）{prefix}劳调字第{seq:04d}号"


def official_case_no(text: str) -> str:
    """A stored number as documents print it: ``(2026)…`` of a store from before the full-width
    brackets becomes ``（2026）…``; anything that is not a case number stays as it is."""
    parsed = parse_case_no(text or "")
    return str(parsed) if parsed else (text or "")


def case_no_forms(text: str) -> list[str]:
    """The stored forms a typed number can have: full-width brackets (new) and half-width (cases
    numbered before the change)."""
    parsed = parse_case_no(text)
    if parsed is None:
        return [text.strip()]
    full = str(parsed)
    return [full, f"({parsed.year}){parsed.prefix}劳调字第{parsed.seq:04d}号"]


def parse_case_no(text: str) -> CaseNumber | None:
    """Read a case number typed with full- or half-width brackets (（２０２６） or (2026))."""
    value = normalize(text).replace(" ", "").replace("〔", "(").replace("〕", ")")
    m = _CASE_NO.match(value)
    if not m:
        return None
    return CaseNumber(m.group(2), int(m.group(1)), int(m.group(3)))


def next_case_number(session: Session, station_code: str, prefix: str, year: int) -> CaseNumber:
    """Take the next number of the year, in the caller's (write) transaction."""
    mode = session.get(Setting, NUMBERING_SETTING)
    if mode is not None and mode.value in ("blocks", "pending"):
        return CaseNumber(prefix, year, _from_block(session, year))
    seq = session.execute(
        update(CaseCounter)
        .where(CaseCounter.station_code == station_code, CaseCounter.year == year)
        .values(last_seq=CaseCounter.last_seq + 1)
        .returning(CaseCounter.last_seq)
    ).scalar()
    if seq is None:
        # First case of the year: start after any number already used, never below it.
        used = session.scalar(
            select(func.max(DisputeCase.case_seq)).where(
                DisputeCase.station_code == station_code, DisputeCase.case_year == year
            )
        )
        seq = (used or 0) + 1
        session.add(CaseCounter(station_code=station_code, year=year, last_seq=seq))
        session.flush()
    return CaseNumber(prefix, year, seq)


def _from_block(session: Session, year: int) -> int:
    block = session.scalars(
        select(CaseNumberBlock)
        .where(CaseNumberBlock.year == year, CaseNumberBlock.next_seq <= CaseNumberBlock.last)
        .order_by(CaseNumberBlock.first)
        .limit(1)
    ).first()
    if block is None:
        raise NumbersUsedUp()
    seq = block.next_seq
    block.next_seq = seq + 1
    session.flush()
    return seq


def used_max(session: Session, station_code: str, year: int) -> int:
    """The highest number of ``year`` this store knows to be taken (its counter, its cases)."""
    counter = session.get(CaseCounter, (station_code, year))
    cases = session.scalar(
        select(func.max(DisputeCase.case_seq)).where(
            DisputeCase.station_code == station_code, DisputeCase.case_year == year
        )
    )
    return max(counter.last_seq if counter else 0, cases or 0)


def numbers_left(session: Session, year: int) -> int:
    return sum(
        b.last - b.next_seq + 1
        for b in session.scalars(select(CaseNumberBlock).where(CaseNumberBlock.year == year))
        if b.next_seq <= b.last
    )
