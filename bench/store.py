"""Store benchmark: open time, and SQLCipher vs plain SQLite for inserting and searching 100k rows.

    .venv/bin/python bench/store.py [--rows 100000]

Both databases get the same schema (the station's migrations), the same pragmas (WAL, synchronous
FULL, temp_store MEMORY, same cache) and the same SQLAlchemy Core statements; the only difference is
the SQLCipher key. Goal: ratio ≤ 1.25 for insert and for search.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlite3

from sqlalchemy import create_engine, event, func, insert, or_, select
from sqlalchemy.pool import QueuePool

from app.demo import BRANDS, credit_code
from app.store import migrate
from app.store.engine import make_engine
from app.store.models import Enterprise, new_id, utcnow
from app.store.store import Store

WORDS = BRANDS
SUFFIX = [
    "科技有限公司",
    "商贸有限公司",
    "餐饮管理有限公司",
    "建设工程有限公司",
    "物业服务有限公司",
]


def plain_engine(path: Path):
    def creator():
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        for pragma in (
            "temp_store = MEMORY",
            "busy_timeout = 30000",
            "foreign_keys = ON",
            "journal_mode = WAL",
            "synchronous = FULL",
            "cache_size = -32000",
        ):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    engine = create_engine("sqlite+pysqlite://", creator=creator, poolclass=QueuePool)

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")

    return engine


def rows(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    now = utcnow()
    out = []
    for i in range(n):
        out.append(
            {
                "id": new_id(),
                "station_code": "GUDONG",
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "deleted": False,
                "credit_code_accepted": False,
                "credit_code": credit_code(rng),
                "name": f"福州{rng.choice(WORDS)}{rng.choice(WORDS)}{i}{rng.choice(SUFFIX)}",
                "legal_rep": rng.choice("王李张刘陈杨黄赵吴周") + rng.choice("伟芳娜敏静丽强磊"),
                "street_code": rng.choice(["GUDONG", "GUXI", "WENQUAN"]),
                "risk_level": "none",
                "source": "import",
            }
        )
    return out


def time_insert(engine, data) -> float:
    start = time.perf_counter()
    with engine.begin() as conn:
        for i in range(0, len(data), 5000):
            conn.execute(insert(Enterprise.__table__), data[i : i + 5000])
    return time.perf_counter() - start


def time_search(engine, data, repeats: int = 30) -> float:
    rng = random.Random(3)
    samples = []
    with engine.connect() as conn:
        for _ in range(repeats):
            row = rng.choice(data)
            text = row["name"][2:6]
            start = time.perf_counter()
            conn.execute(
                select(Enterprise.id, Enterprise.name)
                .where(or_(Enterprise.name.like(f"%{text}%"), Enterprise.legal_rep == text))
                .order_by(Enterprise.name)
                .limit(50)
            ).all()
            conn.execute(
                select(Enterprise.id).where(Enterprise.credit_code == row["credit_code"])
            ).all()
            conn.execute(
                select(Enterprise.street_code, func.count()).group_by(Enterprise.street_code)
            ).all()
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    data = rows(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # Open time: the real KDF cost as calibrated on this machine.
        store, _ = Store.create(tmp / "station", "GUDONG", "admin", "站长", "Bench-pass-2026")
        store.close()
        start = time.perf_counter()
        Store.open(tmp / "station", "admin", "Bench-pass-2026").close()
        open_s = time.perf_counter() - start
        kdf_log2n = store.keys.slots[0].kdf.log2_n

        cipher = make_engine(tmp / "cipher.db", b"\x11" * 32, create=True)
        migrate.upgrade(cipher)
        plain = plain_engine(tmp / "plain.db")
        migrate.upgrade(plain)

        start = time.perf_counter()
        with cipher.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
        raw_open = time.perf_counter() - start

        t_plain_ins = time_insert(plain, data)
        t_cipher_ins = time_insert(cipher, data)
        t_plain_search = time_search(plain, data)
        t_cipher_search = time_search(cipher, data)
        cipher.dispose()
        plain.dispose()

    print(f"rows: {args.rows}")
    print(f"store open (scrypt 2^{kdf_log2n} + migrations check): {open_s * 1000:.0f} ms")
    print(f"raw-key connection open: {raw_open * 1000:.1f} ms")
    print(
        f"insert  plain {t_plain_ins:.3f} s  sqlcipher {t_cipher_ins:.3f} s  "
        f"ratio {t_cipher_ins / t_plain_ins:.2f} (goal <= 1.25)"
    )
    print(
        f"search  plain {t_plain_search * 1000:.2f} ms  sqlcipher {t_cipher_search * 1000:.2f} ms  "
        f"ratio {t_cipher_search / t_plain_search:.2f} (goal <= 1.25)  [median of 30]"
    )


if __name__ == "__main__":
    main()
