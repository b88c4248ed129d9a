"""Case numbers: ``(2026)鼓楼鼓东劳调字第0012号``, gap-free per station per year.

The number is taken from ``CaseCounter`` inside the transaction that registers the case. Store
writes begin with ``BEGIN IMMEDIATE``, so two writers (threads or processes) serialise on the
counter; a registration that fails rolls the counter back with it, so no number is lost.
The station's own prefix (district + station short name) makes numbers unique in the district
although every station numbers offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.cases.search_index import normalize
from app.store.models import CaseCounter, DisputeCase

_CASE_NO = re.compile(r"^\((\d{4})\)(.+)劳调字第(\d{4,})号$")


@dataclass(frozen=True)
class CaseNumber:
    prefix: str
    year: int
    seq: int

    def __str__(self) -> str:
        return format_case_no(self.prefix, self.year, self.seq)


def format_case_no(prefix: str, year: int, seq: int) -> str:
    return f"({year}){prefix}劳调字第{seq:04d}号"


def parse_case_no(text: str) -> CaseNumber | None:
    """Read a case number typed with full- or half-width brackets (（２０２６） or (2026))."""
    value = normalize(text).replace(" ", "").replace("〔", "(").replace("〕", ")")
    m = _CASE_NO.match(value)
    if not m:
        return None
    return CaseNumber(m.group(2), int(m.group(1)), int(m.group(3)))


def next_case_number(session: Session, station_code: str, prefix: str, year: int) -> CaseNumber:
    """Take the next number of the year, in the caller's (write) transaction."""
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
