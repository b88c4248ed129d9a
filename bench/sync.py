"""Sync throughput: 50,000 records from a station to a fresh district server on loopback.

    PYTHONPATH=. python bench/sync.py [--records 50000] [--runs 3] [--batch-size N]
                                      [--postgres auto|off] [--database-url URL]

What is measured, per run:

* **sync**: a real ``labor-district serve`` process (TLS with a fresh district CA) on a fresh
  database, a real encrypted station store holding ``--records`` enterprises (filled once, a copy
  per run), enrolled; the time of one ``sync_once`` pass until the outbox is empty.
* **raw**: the baseline, measured right after: the rows the sync wrote, read back, inserted into
  a fresh database of the same kind, made the same way (same schema, same engine settings:
  journal, synchronous, JSON serialiser), with one plain bulk insert (``insert(table)`` with all
  the rows: one executemany) in one transaction.
* the CPU seconds per record of the station (this process) and of the server process, and the
  machine's load average: the machine is shared, so the rates move with what else runs.

The server database is the product's default, an SQLite file. If a PostgreSQL server answers at
127.0.0.1:5432 (user postgres), the same runs are made against it too, in a database made for the
bench and dropped afterwards (``--postgres off`` skips this; ``--database-url`` names a
PostgreSQL database to use instead, which is emptied first). The goals (>= 5,000 records/s,
>= 1/3 of the raw rate, on the median run) are judged on SQLite, the default; the exit status says
whether they were met.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LABOR_STATION_KDF_LOG2N", "14")
os.environ.setdefault("LABOR_STATION_TESTING", "1")  # the low KDF cost is allowed

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.district import db as district_db  # noqa: E402
from app.district.auth import create_enrollment_code  # noqa: E402
from app.district.models import Base as DistrictBase  # noqa: E402
from app.district.models import StationRecord  # noqa: E402
from app.district.tls import make_certs  # noqa: E402
from app.domain.enums import ChangeOp, EnterpriseSize  # noqa: E402
from app.store import changes  # noqa: E402
from app.store.models import Enterprise, new_id  # noqa: E402
from app.store.store import Store  # noqa: E402
from app.sync import enroll, protocol, sync_once  # noqa: E402

GOAL_RATE = 5000
GOAL_RATIO = 1 / 3
PASSWORD = "Bench-pass-2026"
PG_HOST, PG_PORT = "127.0.0.1", 5432


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill_station(store: Store, n: int) -> None:
    rng = random.Random(7)
    trades = ["软件开发", "餐饮服务", "建筑施工", "物业管理", "零售", "酒店住宿"]
    with store.unit_of_work() as s:
        stamp = changes.stamp_new(s)
        rows = []
        for i in range(n):
            rows.append(
                {
                    **stamp,
                    "id": new_id(),
                    "name": f"福州测试{i:05d}{rng.choice(trades)}有限公司",
                    "name_initials": f"FZCS{i:05d}",
                    "legal_rep": "某某",
                    "phone": f"0591-8{rng.randrange(1000000, 9999999)}",
                    "address": f"福州市鼓楼区五一北路{rng.randrange(1, 300)}号",
                    "street_code": "GUDONG",
                    "industry": rng.choice(trades),
                    "employee_count": rng.randrange(3, 900),
                    "size_class": rng.choice(list(EnterpriseSize)),
                    "above_scale": rng.random() < 0.2,
                    "has_union": rng.random() < 0.4,
                    "credit_code_accepted": False,
                    "risk_level": "none",
                    "source": "import",
                }
            )
        s.execute(insert(Enterprise), rows)
        changes.record_bulk(
            s, "enterprise", [(r["id"], 1, ChangeOp.INSERT) for r in rows], action="import"
        )


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


# ------------------------------------------------------------------ databases


class Database:
    """Fresh, initialised server databases: SQLite files, or PostgreSQL databases made for the
    bench (dropped by :meth:`drop_all`), or one given PostgreSQL database emptied each time."""

    def __init__(self, kind: str, folder: Path, given_url: str | None = None):
        self.kind, self.folder, self.given_url = kind, folder, given_url
        self.made: list[str] = []

    def fresh(self, name: str) -> str:
        if self.kind == "sqlite":
            url = f"sqlite:///{self.folder / f'{name}-{uuid.uuid4().hex[:8]}.sqlite'}"
        elif self.given_url:
            url = self.given_url
        else:
            import psycopg

            db = f"labor_bench_{name}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(
                host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", autocommit=True
            ) as conn:
                conn.execute(f'CREATE DATABASE "{db}"')
            self.made.append(db)
            url = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{db}"
        engine = district_db.make_engine(url)
        try:
            if url == self.given_url:
                with engine.begin() as conn:
                    DistrictBase.metadata.drop_all(conn)
                    conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            district_db.init_db(engine)
        finally:
            engine.dispose()
        return url

    def drop_all(self) -> None:
        if not self.made:
            return
        import psycopg

        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            for db in self.made:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self.made.clear()


def describe(url: str) -> str:
    """Which database, as the server uses it."""
    engine = district_db.make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
                sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                    conn.exec_driver_sql("PRAGMA synchronous").scalar(), "?"
                )
                return (
                    f"SQLite {sqlite3.sqlite_version} file (journal {journal}, synchronous "
                    f"{sync}), the product's default"
                )
            version = conn.exec_driver_sql("SHOW server_version").scalar()
            where = make_url(url)
            return (
                f"PostgreSQL {version} at {where.host}:{where.port} (a database made for the bench)"
            )
    finally:
        engine.dispose()


def raw_insert_rate(db: Database, source_url: str, expected: int) -> float:
    """Time a plain bulk insert of the rows the sync wrote into a fresh database of the same kind."""
    src = district_db.make_engine(source_url)
    try:
        table = StationRecord.__table__
        with src.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(table)).mappings()]
    finally:
        src.dispose()
    assert len(rows) == expected, (len(rows), expected)
    target_url = db.fresh("raw")
    engine = district_db.make_engine(target_url)
    try:
        with district_db.writer(engine).connect() as conn:
            conn.exec_driver_sql("SELECT 1")  # connected before the clock starts, as the server is
            conn.rollback()
            start = time.perf_counter()
            with conn.begin():
                conn.execute(insert(table), rows)
            elapsed = time.perf_counter() - start
            assert conn.scalar(select(func.count()).select_from(table)) == expected
        return expected / elapsed
    finally:
        engine.dispose()


# ------------------------------------------------------------------ one run


@dataclass
class Run:
    sync_rate: float
    raw_rate: float
    batches: int
    station_cpu_us: float
    server_cpu_us: float
    load: str

    @property
    def ratio(self) -> float:
        return self.sync_rate / self.raw_rate


def start_server(url: str, certs, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.district.cli",
            "--database-url",
            url,
            "serve",
            "--port",
            str(port),
            "--cert",
            str(certs.server_cert),
            "--key",
            str(certs.server_key),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def one_run(template: Path, work: Path, db: Database, certs, n: int, batch: int | None) -> Run:
    url = db.fresh("sync")
    engine = district_db.make_engine(url)
    with district_db.sessions(engine)() as s, s.begin():
        code, _ = create_enrollment_code(s, "GUDONG")
    engine.dispose()
    station_dir = work / "station"
    shutil.rmtree(station_dir, ignore_errors=True)
    shutil.copytree(template, station_dir)
    port = free_port()
    server = start_server(url, certs, port)
    try:
        store = Store.open(station_dir, "admin", PASSWORD)
        for _ in range(150):
            try:
                enroll(store, f"https://127.0.0.1:{port}", code, certs.ca_cert.read_text())
                break
            except Exception:
                if server.poll() is not None:
                    raise SystemExit("the district server did not start") from None
                time.sleep(0.2)
        else:
            raise SystemExit("the district server did not answer")
        kwargs = {"batch_records": batch} if batch else {}
        load = load_average()
        cpu0, server_cpu0 = time.process_time(), process_cpu(server.pid)
        start = time.perf_counter()
        result = sync_once(store, **kwargs)
        elapsed = time.perf_counter() - start
        station_cpu = time.process_time() - cpu0
        server_cpu = process_cpu(server.pid) - server_cpu0
        store.close()
        if not result.ok or result.acknowledged != n:
            raise SystemExit(f"sync failed: {result.summary()}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    raw = raw_insert_rate(db, url, n)
    return Run(
        sync_rate=n / elapsed,
        raw_rate=raw,
        batches=result.batches,
        station_cpu_us=station_cpu / n * 1e6,
        server_cpu_us=server_cpu / n * 1e6,
        load=f"{load} -> {load_average()}",
    )


def report(label: str, runs: list[Run]) -> bool:
    print(f"\n{label}")
    for i, r in enumerate(runs, 1):
        print(
            f"  run {i}: sync {r.sync_rate:7,.0f} records/s  raw {r.raw_rate:7,.0f} records/s  "
            f"ratio {r.ratio:.2f}  ({r.batches} batches; CPU per record: station "
            f"{r.station_cpu_us:.0f} us, server {r.server_cpu_us:.0f} us; load {r.load})"
        )
    sync = sorted(r.sync_rate for r in runs)
    raw = sorted(r.raw_rate for r in runs)
    ratio = sorted(r.ratio for r in runs)
    med_sync, med_ratio = statistics.median(sync), statistics.median(ratio)
    print(
        f"  sync:  median {med_sync:,.0f} records/s (min {sync[0]:,.0f}, max {sync[-1]:,.0f}); "
        f"goal >= {GOAL_RATE:,}"
    )
    print(
        f"  raw:   median {statistics.median(raw):,.0f} records/s "
        f"(min {raw[0]:,.0f}, max {raw[-1]:,.0f})"
    )
    print(
        f"  ratio: median {med_ratio:.2f} (min {ratio[0]:.2f}, max {ratio[-1]:.2f}); "
        f"goal >= {GOAL_RATIO:.2f}"
    )
    ok = med_sync >= GOAL_RATE and med_ratio >= GOAL_RATIO
    print("  goals met (median run)" if ok else "  goals NOT met (median run)")
    return ok


def postgres_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            pass
        import psycopg

        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", connect_timeout=3
        ):
            return True
    except Exception:
        return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per database (default 3)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help=f"records per batch (default: the station's, {protocol.DEFAULT_BATCH_RECORDS})",
    )
    parser.add_argument(
        "--postgres",
        choices=("auto", "off"),
        default="auto",
        help="also run against PostgreSQL at 127.0.0.1:5432 if it answers (default auto)",
    )
    parser.add_argument(
        "--database-url", default=None, help="a PostgreSQL database to use (emptied first)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        certs = make_certs(folder / "certs", ["127.0.0.1"])
        template = folder / "template"
        t0 = time.perf_counter()
        store, _ = Store.create(template, "GUDONG", "admin", "站长", PASSWORD)
        fill_station(store, args.records)
        store.close()
        print(
            f"{args.records:,} enterprise records in a station store (filled in "
            f"{time.perf_counter() - t0:.1f} s); batches of "
            f"{args.batch_size or protocol.DEFAULT_BATCH_RECORDS}; {args.runs} runs per database; "
            f"{os.cpu_count()} CPUs, load {load_average()}"
        )

        databases = [("sqlite", Database("sqlite", folder))]
        if args.database_url:
            databases.append(("postgresql", Database("postgresql", folder, args.database_url)))
        elif args.postgres == "auto" and postgres_reachable():
            databases.append(("postgresql", Database("postgresql", folder)))
        else:
            print("PostgreSQL: not reachable at 127.0.0.1:5432 (or --postgres off): skipped")

        goals = None
        for kind, db in databases:
            try:
                label = describe(db.fresh("probe"))
                runs = [
                    one_run(template, folder, db, certs, args.records, args.batch_size)
                    for _ in range(args.runs)
                ]
            finally:
                db.drop_all()
            ok = report(f"server database: {label}", runs)
            if kind == "sqlite":
                goals = ok
    return 0 if goals else 1


if __name__ == "__main__":
    sys.exit(main())
