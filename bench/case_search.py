"""Case search over 200k cases and 100k enterprises in an encrypted store: the first page.

    python bench/case_search.py [--cases 200000] [--enterprises 100000] [--keep DIR]

Builds a station store (SQLCipher) and, as the same-run baseline, a plain SQLite file with the same
schema and the same rows; then times the first page (50 rows) of the case list for typical searches
and filters, through ``app.cases.queries.list_cases`` (the code the GUI and CLI use). Goal: median
first page <= 30 ms in the encrypted store. Prints each query's median, the overall median, and
the encrypted/plain ratio. ``--keep DIR`` keeps the built stores for another run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

os.environ.setdefault("LABOR_STATION_KDF_LOG2N", "10")
os.environ.setdefault("LABOR_STATION_TESTING", "1")  # the low KDF cost is allowed
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from app.cases import search_index
from app.cases.queries import CaseFilter, count_cases, list_cases
from app.demo import BRANDS, GIVEN, ROADS, SURNAMES, TRADES
from app.domain.enums import CaseStatus, PartyRole
from app.domain.validators import credit_code_check_char, id_check_digit
from app.store import migrate
from app.store.engine import writer
from app.store.models import (
    CaseClaim,
    CaseParty,
    DisputeCase,
    Enterprise,
    Person,
)
from app.store.store import Store

PASSWORD = "Bench-pass-2026"
STATION = "GUDONG"
PREFIX = "鼓楼鼓东"
TYPES = [
    "wages",
    "wages",
    "wages",
    "overtime",
    "compensation",
    "termination",
    "social_insurance",
    "work_injury",
]
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def status_for_age(days: int, rng: random.Random) -> str:
    """Statuses as a station's history has them: open cases are recent, old ones closed or archived."""
    if days <= 15:
        return rng.choice(
            [
                "registered",
                "accepted",
                "in_mediation",
                "in_mediation",
                "agreement_reached",
                "withdrawn",
            ]
        )
    if days <= 60:
        return rng.choice(
            [
                "in_mediation",
                "agreement_reached",
                "performing",
                "performing",
                "failed",
                "withdrawn",
                "closed",
                "declined",
            ]
        )
    if days <= 365:
        return rng.choice(["closed"] * 6 + ["performing", "failed", "declined", "archived"])
    return rng.choice(["archived"] * 8 + ["closed", "closed"])


def stamp(now: datetime) -> dict:
    return {
        "station_code": STATION, "created_at": now, "created_by": None, "updated_at": now,
        "updated_by": None, "version": 1, "deleted": False,
    }  # fmt: skip


def generate(cases: int, enterprises: int, seed: int = 7):
    """Rows for every table, deterministic."""
    rng = random.Random(seed)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    ents = []
    for i in range(enterprises):
        first17 = "91350102" + "".join(rng.choice(CODE_CHARS) for _ in range(9))
        industry, suffix = rng.choice(TRADES)
        ents.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "name": f"福州{rng.choice(BRANDS)}{rng.choice(BRANDS)}{rng.choice(BRANDS)}{suffix}{i}",
                "credit_code": first17 + credit_code_check_char(first17),
                "credit_code_accepted": False,
                "legal_rep": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "address": f"福州市鼓楼区{rng.choice(ROADS)}{rng.randrange(1, 300)}号",
                "street_code": STATION,
                "industry": industry,
                "risk_level": "none",
                "source": "import",
                **stamp(now),
            }
        )
    people, case_rows, parties, claims = [], [], [], []
    start = datetime(2019, 1, 2, tzinfo=UTC)
    step = (now - start) / max(cases, 1)
    seq_by_year: dict[int, int] = {}
    for i in range(cases):
        registered = start + step * i
        received = registered.date()
        year = received.year
        seq_by_year[year] = seq_by_year.get(year, 0) + 1
        case_id = str(uuid.UUID(int=rng.getrandbits(128)))
        employer = rng.choice(ents)
        collective = rng.random() < 0.01
        workers = rng.randrange(10, 16) if collective else (2 if rng.random() < 0.1 else 1)
        case_rows.append(
            {
                "id": case_id,
                "case_no": f"({year}){PREFIX}劳调字第{seq_by_year[year]:04d}号",
                "case_year": year,
                "case_seq": seq_by_year[year],
                "status": status_for_age((now.date() - received).days, rng),
                "intake_channel": "walk_in",
                "oral_application": False,
                "received_on": received,
                "registered_at": registered,
                "respondent_id": employer["id"],
                "is_collective": collective,
                "is_migrant_worker": rng.random() < 0.2,
                "is_construction": False,
                "facts": "拖欠工资",
                **stamp(now),
            }
        )
        for w in range(workers):
            male = rng.random() < 0.6
            born = date(rng.randrange(1965, 2004), rng.randrange(1, 13), rng.randrange(1, 29))
            first17 = f"350102{born:%Y%m%d}{rng.randrange(0, 500) * 2 + (1 if male else 0):03d}"
            person_id = str(uuid.UUID(int=rng.getrandbits(128)))
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
            )
            people.append(
                {
                    "id": person_id, "name": name, "id_number": first17 + id_check_digit(first17),
                    "birth_date": born, "sex": "M" if male else "F", **stamp(now),
                }
            )  # fmt: skip
            parties.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128))), "case_id": case_id,
                    "role": PartyRole.APPLICANT.value, "person_id": person_id,
                    "is_representative": collective and w < 2, "sort_order": w, **stamp(now),
                }
            )  # fmt: skip
        parties.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))), "case_id": case_id,
                "role": PartyRole.RESPONDENT.value, "enterprise_id": employer["id"],
                "is_representative": False, "sort_order": workers, **stamp(now),
            }
        )  # fmt: skip
        claims.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))), "case_id": case_id,
                "dispute_type": rng.choice(TYPES), "amount": rng.randrange(1000, 60000), **stamp(now),
            }
        )  # fmt: skip
    return ents, people, case_rows, parties, claims


def load(engine, data, label: str) -> float:
    """Insert the rows, then build the search index with the app's own indexing code."""
    ents, people, case_rows, parties, claims = data
    t0 = time.perf_counter()
    with Session(writer(engine)) as s, s.begin():
        s.info["read_only"] = True  # index maintenance below, not the commit hook
        for model, rows in (
            (Enterprise, ents),
            (Person, people),
            (DisputeCase, case_rows),
            (CaseParty, parties),
            (CaseClaim, claims),
        ):
            for i in range(0, len(rows), 20_000):
                s.execute(insert(model), rows[i : i + 20_000])
        s.execute(text("DELETE FROM case_search_stale"))
    t1 = time.perf_counter()
    with Session(writer(engine)) as s, s.begin():
        s.info["read_only"] = True
        indexed = search_index.rebuild_all(s)
    t2 = time.perf_counter()
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    print(
        f"  {label}: rows inserted in {t1 - t0:.1f} s, {indexed} cases indexed in {t2 - t1:.1f} s"
    )
    return t2 - t0


def queries(data) -> list[tuple[str, list[CaseFilter]]]:
    ents, people, case_rows, *_ = data
    rng = random.Random(11)
    picks = rng.sample(range(len(case_rows)), 15)
    names2 = [p["name"] for p in people if len(p["name"]) == 2]
    names3 = [p["name"] for p in people if len(p["name"]) == 3]
    return [
        ("browse (newest first)", [CaseFilter()] * 15),
        ("two-character name", [CaseFilter(text=rng.choice(names2)) for _ in range(15)]),
        ("three-character name", [CaseFilter(text=rng.choice(names3)) for _ in range(15)]),
        ("surname only", [CaseFilter(text=rng.choice(SURNAMES[:20])) for _ in range(15)]),
        (
            "ID number, last 8",
            [CaseFilter(text=rng.choice(people)["id_number"][-8:]) for _ in range(15)],
        ),
        ("full ID number", [CaseFilter(text=rng.choice(people)["id_number"]) for _ in range(15)]),
        ("case number", [CaseFilter(text=case_rows[i]["case_no"]) for i in picks]),
        (
            "enterprise name part",
            [CaseFilter(text=rng.choice(ents)["name"][2:8]) for _ in range(15)],
        ),
        ("status: in mediation", [CaseFilter(statuses=(CaseStatus.IN_MEDIATION,))] * 15),
        ("overdue", [CaseFilter(overdue=True)] * 15),
        ("collective + migrant", [CaseFilter(collective=True, migrant=True)] * 15),
        (
            "type + date range",
            [
                CaseFilter(
                    dispute_type="overtime",
                    received_from=date(2024, 1, 1),
                    received_to=date(2024, 12, 31),
                )
            ]
            * 15,
        ),
        (
            "name + status",
            [CaseFilter(text=rng.choice(names2), statuses=(CaseStatus.CLOSED,)) for _ in range(15)],
        ),
    ]


def time_queries(session_factory, plan, today: date) -> dict[str, tuple[float, float]]:
    """Median ms of the first page, and of the first page plus the total count (what the GUI asks)."""
    out = {}
    with session_factory() as s:
        list_cases(s, CaseFilter(), today=today)  # warm the page cache once, as a running app has
        for label, filters in plan:
            page_ms, with_count_ms = [], []
            for f in filters:
                t0 = time.perf_counter()
                list_cases(s, f, today=today)
                t1 = time.perf_counter()
                count_cases(s, f, today=today)
                t2 = time.perf_counter()
                page_ms.append((t1 - t0) * 1000)
                with_count_ms.append((t2 - t0) * 1000)
            out[label] = (statistics.median(page_ms), statistics.median(with_count_ms))
    return out


def query_plan(session_factory, f: CaseFilter, today: date) -> list[str]:
    """EXPLAIN QUERY PLAN of the statement that finds a filter's first page."""
    from sqlalchemy import event

    seen: list[tuple[str, object]] = []
    with session_factory() as s:
        conn = s.connection()

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            seen.append((statement, parameters))

        event.listen(conn, "before_cursor_execute", capture)
        try:
            list_cases(s, f, today=today)
        finally:
            event.remove(conn, "before_cursor_execute", capture)
        statement, parameters = next(
            (st, p) for st, p in seen if "ORDER BY" in st and "LIMIT" in st
        )
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return [r[-1] for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument(
        "--keep", type=Path, help="keep (and reuse) the built stores in this folder"
    )
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="case-search-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    enc_dir, plain_path = folder / "encrypted", folder / "plain.db"
    today = date(2026, 11, 1)
    print(f"case search benchmark: {args.cases} cases, {args.enterprises} enterprises")
    data = None
    if not Store.exists(enc_dir) or not plain_path.exists():
        t0 = time.perf_counter()
        data = generate(args.cases, args.enterprises)
        print(f"  generated rows in {time.perf_counter() - t0:.1f} s")
        store, _ = Store.create(enc_dir, STATION, "admin", "基准", PASSWORD)
        load(store.engine, data, "encrypted store")
        store.close()
        plain = create_engine(f"sqlite:///{plain_path}")
        migrate.upgrade(plain)
        load(plain, data, "plain SQLite")
        plain.dispose()
    else:
        print(f"  reusing the stores in {folder}")
        data = generate(args.cases, args.enterprises)
    plan = queries(data)
    store = Store.open(enc_dir, "admin", PASSWORD)
    plain = create_engine(f"sqlite:///{plain_path}")
    try:
        enc = time_queries(store.read, plan, today)
        base = time_queries(lambda: Session(plain), plan, today)
        slowest = sorted(plan, key=lambda item: -enc[item[0]][0])[:3]
        plans = {label: query_plan(store.read, filters[0], today) for label, filters in slowest}
    finally:
        store.close()
        plain.dispose()
    print(f"\n  {'query':28} {'encrypted':>10} {'plain':>8} {'ratio':>6}   {'+count':>8}")
    for label, _ in plan:
        e, p = enc[label], base[label]
        print(
            f"  {label:28} {e[0]:8.1f}ms {p[0]:6.1f}ms {e[0] / max(p[0], 0.01):5.1f}x   {e[1]:6.1f}ms"
        )
    enc_median = statistics.median(v[0] for v in enc.values())
    plain_median = statistics.median(v[0] for v in base.values())
    worst = max(enc.items(), key=lambda kv: kv[1][0])
    print(
        f"\n  first page, median over the queries: {enc_median:.1f} ms encrypted, {plain_median:.1f} ms plain "
        f"(ratio {enc_median / max(plain_median, 0.01):.2f}x); slowest: {worst[0]} {worst[1][0]:.1f} ms"
    )
    counts = [v[1] - v[0] for v in enc.values()]
    print(
        f"  goal <= 30 ms median: {'met' if enc_median <= 30 else 'NOT met'}; "
        f"count after the first page: median {statistics.median(counts):.1f} ms, "
        f"browse {enc[plan[0][0]][1] - enc[plan[0][0]][0]:.1f} ms, slowest {max(counts):.1f} ms"
    )
    print("\n  query plans (encrypted store) of the three slowest first pages:")
    for label, lines in plans.items():
        print(f"  {label}:")
        for line in lines:
            print(f"      {line}")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
