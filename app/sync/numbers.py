"""Protocol 2, station side: how this PC numbers its cases, and new blocks from the district.

At each sync the PC asks the district (``POST /api/v2/numbers``). The station's only PC keeps
numbering on its own, gap-free (its counter is raised to the highest number the district knows,
which is what makes a PC restored from the district continue the sequence). With several PCs
each takes blocks: a new one when fewer than half of the last block's size remain, for this year
and, in December, for the next. See docs/sync.md and ``app.cases.numbering``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import update

from app.cases.numbering import NUMBERING_SETTING, numbers_left, used_max
from app.store.models import CaseCounter, CaseNumberBlock, utcnow
from app.sync import state

BLOCK_SIZE = 50


@dataclass
class NumbersResult:
    mode: str | None = None
    blocks: list[tuple[int, int, int]] | None = None  # (year, first, last)


def _years(today: date) -> list[int]:
    return [today.year, today.year + 1] if today.month == 12 else [today.year]


def refill(client, store, *, today: date | None = None, size: int = BLOCK_SIZE) -> NumbersResult:
    """Ask the district how to number, and take a block where this PC needs one.

    Raises ``SyncProblem`` (409: another PC of the station still numbers on its own)."""
    today = today or date.today()
    code = store.station.code
    result = NumbersResult(blocks=[])
    for year in _years(today):
        with state.reading(store) as s:
            mode = state.get(s, NUMBERING_SETTING)
            left = numbers_left(s, year)
            used = used_max(s, code, year)
        if mode == "blocks" and left >= size // 2:
            result.mode = mode
            continue
        if mode != "blocks" and year != today.year:
            continue  # numbering on its own: next year's numbers need nothing in advance
        answer = client.numbers(year, used, size)
        with state.transaction(store) as s:
            mode = state.get(s, NUMBERING_SETTING)
            if answer.get("mode") == "own" and mode != "blocks":
                floor = int(answer.get("floor") or 0)
                counter = s.get(CaseCounter, (code, year))
                if counter is None:
                    s.add(CaseCounter(station_code=code, year=year, last_seq=floor))
                elif counter.last_seq < floor:
                    s.execute(
                        update(CaseCounter)
                        .where(CaseCounter.station_code == code, CaseCounter.year == year)
                        .values(last_seq=floor)
                    )
                state.put(s, NUMBERING_SETTING, "own")
                result.mode = "own"
            elif answer.get("mode") == "blocks":
                first, last = int(answer["first"]), int(answer["last"])
                if mode != "blocks":
                    # numbers this PC took on its own while the request travelled stay its own
                    first = max(first, used_max(s, code, year) + 1)
                if first <= last:
                    s.add(
                        CaseNumberBlock(
                            year=year, first=first, last=last, next_seq=first, received_at=utcnow()
                        )
                    )
                    result.blocks.append((year, first, last))
                state.put(s, NUMBERING_SETTING, "blocks")
                result.mode = "blocks"
    return result
