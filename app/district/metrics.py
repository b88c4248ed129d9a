"""The district's comparison of the streets and parks, computed from the synced records.

Definitions (shown on the dashboard too):

* 案件数: cases received in the year (``received_on``), not deleted.
* 调解成功: a case with a signed agreement, or in status 达成协议/履行跟踪; 调解不成: status 调解不成
  or a failure reason. 成功率 = 成功 / (成功 + 不成); withdrawn and open cases do not count.
* 逾期案件: a case still open (登记/受理/调解中) past its mediation period: 15 days from receipt
  (Art. 14 of the Labor Dispute Mediation and Arbitration Law), or the agreed extension.
* 追回金额: payments recorded against agreement terms (履行记录) in the year.
* 走访: enterprise visits in the year. 未整改问题: problem-ledger items open or being rectified now.
* 五个一: which of the five creation activities the station recorded in the year (the work team
  also counts when it has active members; model units also count when one was commended).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.district.models import DistrictStation, StationRecord
from app.domain import reference
from app.domain.enums import FIVE_ONE, ActivityKind
from app.domain.validators import DATE_MAX, DATE_MIN
from app.store.models import ROSTER_FIELDS

MEDIATION_DAYS = 15
MONEY_LIMIT = Decimal(10) ** 12
#: the order of the plan: the ten streets/towns, then the two parks
_ORDER = {st.code: i for i, st in enumerate(reference.stations())}
OPEN_STATUSES = {"registered", "accepted", "in_mediation"}
SUCCESS_STATUSES = {"agreement_reached", "performing"}
OPEN_FINDINGS = {"open", "rectifying"}
ENTITIES = (
    "dispute_case",
    "mediation_agreement",
    "performance_record",
    "enterprise_visit",
    "finding",
    "activity",
    "team_member",
    "model_unit",
)


@dataclass
class StationRow:
    code: str
    name: str
    kind: str
    cases: int = 0
    success: int = 0
    failed: int = 0
    overdue: int = 0
    recovered: Decimal = Decimal("0.00")
    visits: int = 0
    open_problems: int = 0
    five_one: dict[str, bool] = field(default_factory=lambda: {k.value: False for k in FIVE_ONE})
    last_sync_at: datetime | None = None
    stale: bool = True
    records: int = 0

    @property
    def rate(self) -> float | None:
        done = self.success + self.failed
        return self.success / done if done else None

    @property
    def five_one_done(self) -> int:
        return sum(self.five_one.values())


# Every figure is computed from what stations sent, so each value read here is treated as
# untrusted: a record stored before ingest checked ranges, or by a newer server, must not take
# the dashboard down (a case received on 9999-12-31 overflowed the deadline arithmetic).


def _date(value) -> date | None:
    """A date in 1900–2100, or None (not a date, or out of range: left out of every figure)."""
    if not isinstance(value, str):
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return day if DATE_MIN <= day <= DATE_MAX else None


def _money(value) -> Decimal:
    """An amount below 10^12 yuan, or 0."""
    if value is None or isinstance(value, bool | dict | list):
        return Decimal(0)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    if not amount.is_finite() or abs(amount) >= MONEY_LIMIT:
        return Decimal(0)
    return amount


def _text(value) -> str | None:
    """A code value (status, kind, id) as text, or None: a list or object is not hashable."""
    return value if isinstance(value, str) else None


def _records(rows):
    for code, entity, data in rows:
        if isinstance(data, dict):
            yield code, entity, data


def station_rows(
    s: Session, year: int, today: date | None = None, stale_days: float = 3.0
) -> list[StationRow]:
    today = today or date.today()
    now = datetime.now(UTC)
    rows = {
        st.code: StationRow(code=st.code, name=st.name, kind=st.kind, last_sync_at=st.last_sync_at)
        for st in sorted(s.scalars(select(DistrictStation)), key=lambda st: _ORDER.get(st.code, 99))
    }
    for row in rows.values():
        row.stale = row.last_sync_at is None or now - row.last_sync_at > timedelta(days=stale_days)

    by_entity: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    result = s.execute(
        select(StationRecord.station_code, StationRecord.entity, StationRecord.data).where(
            StationRecord.entity.in_(ENTITIES), StationRecord.deleted.is_(False)
        )
    )
    for code, entity, data in _records(result):
        by_entity[entity].append((code, data))
    counts = s.execute(
        select(StationRecord.station_code, func.count())
        .where(StationRecord.deleted.is_(False))
        .group_by(StationRecord.station_code)
    )
    for code, count in counts:
        if code in rows:
            rows[code].records = count

    signed_cases = {
        _text(d.get("case_id"))
        for _c, d in by_entity["mediation_agreement"]
        if _text(d.get("status")) in ("signed", "superseded")
    }
    for code, d in by_entity["dispute_case"]:
        row = rows.get(code)
        received = _date(d.get("received_on"))
        if row is None or received is None:
            continue
        status = _text(d.get("status"))
        if status == "transferred":
            continue  # counted at the station it was transferred to (移交), not twice
        if status in OPEN_STATUSES:
            deadline = _date(d.get("extended_until")) or received + timedelta(days=MEDIATION_DAYS)
            if today > deadline:
                row.overdue += 1
        if received.year != year:
            continue
        row.cases += 1
        if _text(d.get("id")) in signed_cases or status in SUCCESS_STATUSES:
            row.success += 1
        elif status == "failed" or d.get("failure_reason"):
            row.failed += 1
    for code, d in by_entity["performance_record"]:
        on = _date(d.get("performed_on"))
        if code in rows and on and on.year == year:
            rows[code].recovered += _money(d.get("amount"))
    for code, d in by_entity["enterprise_visit"]:
        on = _date(d.get("visited_on"))
        if code in rows and on and on.year == year:
            rows[code].visits += 1
    for code, d in by_entity["finding"]:
        if code in rows and _text(d.get("status")) in OPEN_FINDINGS:
            rows[code].open_problems += 1
    for code, d in by_entity["activity"]:
        kind = _text(d.get("kind"))
        if code in rows and d.get("year") == year and kind in rows[code].five_one:
            rows[code].five_one[kind] = True
    for code, d in by_entity["team_member"]:
        if code in rows and d.get("active", True):
            rows[code].five_one[ActivityKind.WORK_TEAM.value] = True
    for code, d in by_entity["model_unit"]:
        if code in rows and d.get("year") == year and _text(d.get("status")) == "commended":
            rows[code].five_one[ActivityKind.MODEL_UNITS.value] = True
    return list(rows.values())


def totals(rows: list[StationRow]) -> StationRow:
    t = StationRow(code="", name="全区合计", kind="")
    for r in rows:
        t.cases += r.cases
        t.success += r.success
        t.failed += r.failed
        t.overdue += r.overdue
        t.recovered += r.recovered
        t.visits += r.visits
        t.open_problems += r.open_problems
        t.records += r.records
    t.five_one = {k.value: sum(r.five_one[k.value] for r in rows) for k in FIVE_ONE}  # type: ignore[misc]
    t.stale = False
    return t


# ------------------------------------------------------------------ enterprises merged by credit code

#: enterprise fields compared between stations in the merged view
COMPARED_FIELDS = (*ROSTER_FIELDS, "risk_level")

FIELD_LABELS = {
    "name": "名称",
    "legal_rep": "法定代表人",
    "phone": "电话",
    "address": "地址",
    "street_code": "所在街镇",
    "industry": "行业",
    "employee_count": "职工人数",
    "size_class": "规模",
    "above_scale": "规上企业",
    "has_union": "建立工会",
    "has_mediation_committee": "调解委员会",
    "has_collective_contract": "集体合同",
    "has_party_org": "党组织",
    "risk_level": "风险等级",
}


@dataclass
class MergedEnterprise:
    credit_code: str
    #: the merged value of each field: the most recently updated station's, per field
    merged: dict[str, object]
    #: station code -> its name for the enterprise
    stations: dict[str, str]
    #: field -> {station code: value} where stations disagree
    conflicts: dict[str, dict[str, object]]


def merged_enterprises(
    s: Session, only_shared: bool = True, stations: frozenset[str] | None = None
) -> list[MergedEnterprise]:
    """``stations``: only these stations' records (a street-limited district user); None: all."""
    groups: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    query = (
        select(StationRecord.credit_code, StationRecord.station_code, StationRecord.data)
        .where(
            StationRecord.entity == "enterprise",
            StationRecord.deleted.is_(False),
            StationRecord.credit_code.is_not(None),
        )
        .order_by(StationRecord.credit_code)
    )
    if stations is not None:
        query = query.where(StationRecord.station_code.in_(sorted(stations)))
    result = s.execute(query)
    for credit_code, station_code, data in result:
        if isinstance(data, dict):
            groups[credit_code].append((station_code, data))
    out = []
    for credit_code, entries in groups.items():
        if only_shared and len({c for c, _ in entries}) < 2:
            continue
        entries.sort(key=lambda e: str(e[1].get("updated_at") or ""))
        merged: dict[str, object] = {}
        conflicts: dict[str, dict[str, object]] = {}
        for fname in COMPARED_FIELDS:
            values = {code: d.get(fname) for code, d in entries if d.get(fname) not in (None, "")}
            if values:
                merged[fname] = list(values.values())[-1]
            if len(set(map(str, values.values()))) > 1:
                conflicts[fname] = values
        out.append(
            MergedEnterprise(
                credit_code=credit_code,
                merged=merged,
                stations={code: str(d.get("name") or "") for code, d in entries},
                conflicts=conflicts,
            )
        )
    out.sort(key=lambda m: (-len(m.conflicts), m.credit_code))
    return out
