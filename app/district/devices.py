"""Protocol 2 at the district: the pull of a station's records by its other PCs, case-number
blocks per PC and the gaps they leave (see docs/sync.md, "Protocol version 2")."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.district.ingest import BatchRefused
from app.district.models import (
    DistrictStation,
    NumberBlock,
    NumberCounter,
    StationCredential,
    StationRecord,
    utcnow,
)

DEFAULT_PAGE = 2000
MAX_PAGE = 10000


def _lock_station(s: Session, station_code: str) -> DistrictStation:
    station = s.scalars(
        select(DistrictStation).where(DistrictStation.code == station_code).with_for_update()
    ).one_or_none()
    if station is None:
        raise BatchRefused(f"未知的站点：{station_code}", status=404)
    return station


def pull(
    s: Session, station_code: str, device_id: str, after: int, limit: int = DEFAULT_PAGE
) -> dict:
    """The station's records written after server sequence ``after`` by anyone but
    ``device_id`` (no echo), oldest first, at most ``limit``."""
    limit = max(1, min(limit, MAX_PAGE))
    station = s.get(DistrictStation, station_code)
    high = int(station.last_record_seq or 0) if station else 0
    t = StationRecord.__table__
    rows = s.execute(
        select(t.c.entity, t.c.id, t.c.version, t.c.server_seq, t.c.data)
        .where(
            t.c.station_code == station_code,
            t.c.server_seq > after,
            t.c.server_seq <= high,
            or_(t.c.device_id.is_(None), t.c.device_id != device_id),
        )
        .order_by(t.c.server_seq)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    records = [{"entity": e, "id": i, "version": v, "seq": q, "data": d} for e, i, v, q, d in rows]
    nxt = rows[-1][3] if more else max(high, after)
    return {"records": records, "next": nxt, "high": high, "more": more}


def record_counts(s: Session, station_code: str) -> dict[str, int]:
    t = StationRecord.__table__
    return dict(
        s.execute(
            select(t.c.entity, func.count())
            .where(t.c.station_code == station_code)
            .group_by(t.c.entity)
        ).all()
    )


def touch(s: Session, device_id: str) -> None:
    cred = s.get(StationCredential, device_id)
    if cred is not None:
        cred.last_seen_at = utcnow()


# ------------------------------------------------------------------ case-number blocks


def _highest_seen(s: Session, station_code: str, year: int) -> int:
    t = StationRecord.__table__
    value = s.scalar(
        select(func.max(t.c.data["case_seq"].as_integer())).where(
            t.c.station_code == station_code,
            t.c.entity == "dispute_case",
            t.c.data["case_year"].as_integer() == year,
        )
    )
    return int(value or 0)


def take_numbers(
    s: Session, station_code: str, device_id: str, year: int, used: int = 0, size: int = 50
) -> dict:
    """How ``device_id`` numbers its cases of ``year``, and the numbers it may use.

    * The station's only active PC numbers on its own, gap-free as in protocol 1:
      ``{"mode": "own", "floor": n}`` (``floor``: the highest number the district knows of, which
      a PC restored from the district continues after).
    * With more than one active PC, each takes blocks: ``{"mode": "blocks", "first", "last"}``,
      the next ``size`` numbers. Under the station row lock, so no number is handed out twice;
      the first is above every number handed out, seen in the station's records, or used by
      the asking PC (``used``: its own counter before it switched). A PC gets no block while
      another active PC still numbers on its own (409): that one switches at its next sync.
    """
    _lock_station(s, station_code)
    me = s.get(StationCredential, device_id)
    if me is None or me.station_code != station_code or me.revoked_at is not None:
        raise BatchRefused("本机的同步凭据无效", status=401)
    me.last_seen_at = utcnow()
    active = s.scalars(
        select(StationCredential).where(
            StationCredential.station_code == station_code,
            StationCredential.revoked_at.is_(None),
            StationCredential.id != device_id,
        )
    ).all()
    counter = s.get(NumberCounter, (station_code, year))
    floor = max(used, _highest_seen(s, station_code, year), counter.last_issued if counter else 0)
    if not active and me.numbering != "blocks":
        me.numbering = "own"
        return {"mode": "own", "floor": floor}
    own = [o for o in active if o.numbering == "own"]
    if own:
        names = "、".join(o.device_name or o.id[:8] for o in own)
        raise BatchRefused(
            f"本站另一台电脑（{names}）仍在自行编号：为避免案件编号重复，请先让该电脑同步一次"
            "（或由区人社局停用它），然后再同步本机；在此之前本机不能登记新案件",
            status=409,
        )
    first, last = floor + 1, floor + size
    if counter is None:
        s.add(NumberCounter(station_code=station_code, year=year, last_issued=last))
    else:
        counter.last_issued = last
    s.add(
        NumberBlock(
            station_code=station_code,
            year=year,
            first=first,
            last=last,
            device_id=device_id,
            issued_at=utcnow(),
        )
    )
    me.numbering = "blocks"
    return {"mode": "blocks", "first": first, "last": last}


@dataclass(frozen=True)
class Gap:
    first: int
    last: int
    device_id: str
    reason: str


def number_gaps(s: Session, station_code: str, year: int, current_year: int) -> list[Gap]:
    """Every number of ``year`` handed out in a block and not seen on a case, with its reason."""
    t = StationRecord.__table__
    used = {
        int(v)
        for v in s.scalars(
            select(t.c.data["case_seq"].as_integer()).where(
                t.c.station_code == station_code,
                t.c.entity == "dispute_case",
                t.c.data["case_year"].as_integer() == year,
            )
        )
        if v is not None
    }
    creds = {c.id: c for c in s.scalars(select(StationCredential).where(
        StationCredential.station_code == station_code))}  # fmt: skip
    gaps: list[Gap] = []
    blocks = s.scalars(
        select(NumberBlock)
        .where(NumberBlock.station_code == station_code, NumberBlock.year == year)
        .order_by(NumberBlock.first)
    )
    for block in blocks:
        cred = creds.get(block.device_id)
        name = (cred.device_name if cred else None) or block.device_id[:8]
        if cred is not None and cred.revoked_at is not None:
            reason = f"电脑“{name}”已停用，其预留的号码作废"
        elif year < current_year:
            reason = f"{year}年度已结束，电脑“{name}”预留的号码未用完，作废"
        else:
            reason = f"电脑“{name}”预留，尚未使用（或已使用但尚未同步）"
        run_start = None
        for n in range(block.first, block.last + 2):
            free = n <= block.last and n not in used
            if free and run_start is None:
                run_start = n
            elif not free and run_start is not None:
                gaps.append(Gap(run_start, n - 1, block.device_id, reason))
                run_start = None
    return gaps
