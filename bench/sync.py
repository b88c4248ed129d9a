"""Sync throughput: 50,000 records from a station to a fresh district server on loopback.

    PYTHONPATH=. python bench/sync.py [--records 50000] [--batch-size 500] [--database-url URL]

Starts a real ``labor-district serve`` process (TLS with a fresh district CA) on a fresh database
(an SQLite file unless ``--database-url`` names a PostgreSQL database, which is emptied first),
fills a real encrypted station store, and times one ``sync_once`` pass until the outbox is empty.
The baseline, measured in the same run: a raw bulk insert of the same rows into the same table of
the server database (one transaction, executemany). Goals: >= 5,000 records/s, >= 1/3 of raw.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LABOR_STATION_KDF_LOG2N", "14")

from sqlalchemy import delete, func, insert, select  # noqa: E402

from app.district import db as district_db  # noqa: E402
from app.district.auth import create_enrollment_code  # noqa: E402
from app.district.models import Base as DistrictBase  # noqa: E402
from app.district.models import StationRecord  # noqa: E402
from app.district.tls import make_certs  # noqa: E402
from app.domain.enums import ChangeOp, EnterpriseSize  # noqa: E402
from app.store import changes  # noqa: E402
from app.store.models import Enterprise, new_id  # noqa: E402
from app.store.store import Store  # noqa: E402
from app.sync import enroll, sync_once  # noqa: E402

GOAL_RATE = 5000
GOAL_RATIO = 1 / 3


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


def raw_insert_rate(database_url: str, expected: int) -> float:
    """Read the rows the sync wrote, delete them, and time a plain bulk insert of the same rows."""
    engine = district_db.make_engine(database_url)
    try:
        table = StationRecord.__table__
        with engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(table)).mappings()]
        assert len(rows) == expected, (len(rows), expected)
        with district_db.writer(engine).begin() as conn:
            conn.execute(delete(table))
        start = time.perf_counter()
        with district_db.writer(engine).begin() as conn:
            conn.execute(insert(table), rows)
        elapsed = time.perf_counter() - start
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(table)) == expected
        return expected / elapsed
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument(
        "--batch-size", type=int, default=None, help="records per batch (default: the station's)"
    )
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL database to use (emptied first)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'district.sqlite'}"
        engine = district_db.make_engine(url)
        if args.database_url:
            with engine.begin() as conn:
                DistrictBase.metadata.drop_all(conn)
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        district_db.init_db(engine)
        with district_db.sessions(engine)() as s, s.begin():
            code, _ = create_enrollment_code(s, "GUDONG")
        engine.dispose()
        certs = make_certs(folder / "certs", ["127.0.0.1"])
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(
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
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        try:
            store, _ = Store.create(
                folder / "station", "GUDONG", "admin", "站长", "Bench-pass-2026"
            )
            time.sleep(0.5)
            for _ in range(100):
                try:
                    enroll(store, f"https://127.0.0.1:{port}", code, certs.ca_cert.read_text())
                    break
                except Exception:
                    time.sleep(0.2)
            else:
                raise SystemExit("server did not start")
            t0 = time.perf_counter()
            fill_station(store, args.records)
            fill_time = time.perf_counter() - t0
            kwargs = {"batch_records": args.batch_size} if args.batch_size else {}
            start = time.perf_counter()
            result = sync_once(store, **kwargs)
            elapsed = time.perf_counter() - start
            store.close()
            if not result.ok or result.acknowledged != args.records:
                raise SystemExit(f"sync failed: {result.summary()}")
        finally:
            server.terminate()
            server.wait(timeout=30)
        sync_rate = args.records / elapsed
        raw_rate = raw_insert_rate(url, args.records)

    ratio = sync_rate / raw_rate
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"records:            {args.records} (station store filled in {fill_time:.1f} s)")
    print(
        f"server database:    {backend}; batches of {args.batch_size or 'default'}; {result.batches} batches"
    )
    print(
        f"sync:               {elapsed:.2f} s  -> {sync_rate:,.0f} records/s (goal >= {GOAL_RATE:,})"
    )
    print(f"raw bulk insert:    {raw_rate:,.0f} records/s (same rows, same table, one transaction)")
    print(f"ratio sync/raw:     {ratio:.2f} (goal >= {GOAL_RATIO:.2f})")
    ok = sync_rate >= GOAL_RATE and ratio >= GOAL_RATIO
    print("goals met" if ok else "goals NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
