"""Restore of a station from the district (protocol 2): records/s and MB/s against raw rates.

    PYTHONPATH=. python bench/replication.py [--records 50000] [--attachments-mb 200]

What is measured, in one run:

* setup (not timed for the goals): a station store with ``--records`` enterprises and
  ``--attachments-mb`` of attachments (2 MB photos), enrolled to a real ``labor-district serve``
  process (TLS, SQLite) on loopback and synced up.
* **restore**: the restore (``app.sync.join``, what ``labor-station restore-from-district``
  runs) as its own process into an empty data folder (a new device code): the time of the record
  download (pull, one transaction per page; the store's creation before it is not counted) and
  of the attachment download (each checked by SHA-256), and the process's peak memory
  (``ru_maxrss`` of the child).
* **raw**, right after, on the same disk: the same records inserted into a fresh encrypted
  station store with one Core bulk insert in one transaction (records/s), and the attachment
  bytes copied as one file with ``shutil.copyfile`` and fsync (MB/s).
* **floor** (attachments): the same bytes written as attachment contents into a fresh encrypted
  store, 24 MB per transaction, with nothing else: the station keeps contents inside SQLCipher
  (encrypted pages, WAL, full sync), so this bounds the restore's MB/s whatever the network does.

Goals: restore at least 1/3 of each raw rate, peak memory at most 400 MB. Exit status 1 says a
goal was NOT met.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("LABOR_STATION_KDF_LOG2N", "14")
os.environ.setdefault("LABOR_STATION_TESTING", "1")

from sqlalchemy import insert, select  # noqa: E402

from app.district import db as district_db  # noqa: E402
from app.district.auth import create_enrollment_code  # noqa: E402
from app.district.tls import make_certs  # noqa: E402
from app.store.attachments import NewAttachment, add_attachment  # noqa: E402
from app.store.models import Enterprise  # noqa: E402
from app.store.store import Store  # noqa: E402
from app.sync import enroll, sync_once  # noqa: E402

GOAL_RATIO = 1 / 3
GOAL_PEAK_MB = 400
PASSWORD = "Bench-pass-2026"
PHOTO = 2 * 1024 * 1024


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill(store: Store, records: int, mb: int) -> int:
    from sync import fill_station  # bench/sync.py

    fill_station(store, records)
    with store.read() as s:
        owner = s.scalar(select(Enterprise.id).limit(1))
    total, n = 0, 0
    while total < mb * 1024 * 1024:
        content = b"\xff\xd8\xff\xe0" + os.urandom(PHOTO - 4)
        with store.unit_of_work() as s:
            add_attachment(s, "enterprise", owner, NewAttachment(f"照片{n}.jpg", content))
        total += len(content)
        n += 1
    return total


def start_server(url: str, certs, port: int, blobs: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LABOR_DISTRICT_BLOB_DIR": str(blobs / "b"),
           "LABOR_DISTRICT_BLOB_KEY_FILE": str(blobs / "key")}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.district.cli", "--database-url", url, "serve", "--port",
         str(port), "--cert", str(certs.server_cert), "--key", str(certs.server_key)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"https://127.0.0.1:{port}/login", verify=str(certs.ca_cert), timeout=2)
            return proc
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("district server did not start")


def child(args) -> int:
    """The restore as a process of its own; prints its phases and peak memory as JSON."""
    from app.sync import blobs, join, pull

    marks = {}
    original_pull, original_blobs = pull.pull_all, blobs.download_missing

    def timed_pull(*a, **k):
        marks["pull_start"] = time.perf_counter()
        return original_pull(*a, **k)

    def timed_blobs(*a, **k):
        marks["pull_done"] = time.perf_counter()
        try:
            return original_blobs(*a, **k)
        finally:
            marks["blobs_done"] = time.perf_counter()

    join.pull.pull_all, join.blobs.download_missing = timed_pull, timed_blobs
    result = join.join(Path(args.folder), args.server, args.code, Path(args.ca).read_text(),
                       "admin", PASSWORD)  # fmt: skip
    result.store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "records": result.received, "attachments": result.attachments,
        "pull_s": marks["pull_done"] - marks["pull_start"], "blobs_s": marks["blobs_done"] - marks["pull_done"],
        "peak_mb": peak, "complete": result.complete,
    }))  # fmt: skip
    return 0


def raw_records(template: Store, work: Path) -> float:
    """The same enterprise rows, one Core bulk insert into a fresh store, one transaction."""
    with template.read() as s:
        rows = [dict(r._mapping) for r in s.execute(select(Enterprise.__table__))]
    fresh, _ = Store.create(work / "raw-store", "GUDONG", "admin", "站长", PASSWORD)
    try:
        start = time.perf_counter()
        with fresh.system_transaction() as s:
            s.execute(insert(Enterprise.__table__), rows)
        return len(rows) / (time.perf_counter() - start)
    finally:
        fresh.close()


def store_floor(nbytes: int, work: Path) -> float:
    """MB/s of writing the same bytes as attachment contents into a fresh encrypted store (the
    station keeps them in SQLCipher), 24 MB per transaction as the restore does: the floor."""
    import hashlib

    from app.store.models import BlobChunk
    from app.sync import state

    fresh, _ = Store.create(work / "floor-store", "GUDONG", "admin", "站长", PASSWORD)
    try:
        contents = [os.urandom(PHOTO) for _ in range(max(1, nbytes // PHOTO))]
        start = time.perf_counter()
        for i in range(0, len(contents), 12):
            with state.transaction(fresh) as s:
                for c in contents[i : i + 12]:
                    s.add(BlobChunk(sha256=hashlib.sha256(c).hexdigest(), size=len(c), content=c))
        return sum(map(len, contents)) / 1024 / 1024 / (time.perf_counter() - start)
    finally:
        fresh.close()


def raw_copy(nbytes: int, work: Path) -> float:
    src, dst = work / "raw-src.bin", work / "raw-dst.bin"
    with open(src, "wb") as f:
        for _ in range(0, nbytes, PHOTO):
            f.write(os.urandom(PHOTO))
        f.flush()
        os.fsync(f.fileno())
    start = time.perf_counter()
    shutil.copyfile(src, dst)
    with open(dst, "rb+") as f:
        os.fsync(f.fileno())
    seconds = time.perf_counter() - start
    return nbytes / 1024 / 1024 / seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--attachments-mb", type=int, default=200)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder")
    parser.add_argument("--server")
    parser.add_argument("--code")
    parser.add_argument("--ca")
    args = parser.parse_args()
    if args.child:
        return child(args)
    work = Path(tempfile.mkdtemp(prefix="bench-replication-"))
    proc = None
    try:
        certs = make_certs(work / "certs", ["127.0.0.1", "localhost"])
        url = f"sqlite:///{work / 'district.sqlite'}"
        engine = district_db.make_engine(url)
        district_db.init_db(engine)
        port = free_port()
        proc = start_server(url, certs, port, work / "district-blobs")
        server = f"https://127.0.0.1:{port}"
        store, _ = Store.create(work / "pc-a", "GUDONG", "admin", "站长", PASSWORD)
        print(f"filling the station: {args.records} records, {args.attachments_mb} MB ...",
              flush=True)  # fmt: skip
        nbytes = fill(store, args.records, args.attachments_mb)
        with district_db.sessions(engine)() as s, s.begin():
            code = create_enrollment_code(s, "GUDONG")[0]
        enroll(store, server, code, certs.ca_cert.read_text())
        start = time.perf_counter()
        up = sync_once(store)
        assert up.ok, up.problem
        print(f"upload (setup): {up.sent} records, {up.blobs_up} attachments in "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        with district_db.sessions(engine)() as s, s.begin():
            device = create_enrollment_code(s, "GUDONG", purpose="device")[0]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        run = subprocess.run(
            [sys.executable, __file__, "--child", "--folder", str(work / "pc-new"), "--server",
             server, "--code", device, "--ca", str(certs.ca_cert)],
            env=env, capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
        if run.returncode != 0:
            print(run.stderr[-3000:])
            return 2
        got = json.loads(run.stdout.strip().splitlines()[-1])
        raw_rate = raw_records(store, work)
        copy_rate = raw_copy(nbytes, work)
        floor_rate = store_floor(nbytes, work)
        store.close()
        rate = got["records"] / got["pull_s"]
        mbps = nbytes / 1024 / 1024 / got["blobs_s"] if got["blobs_s"] else float("inf")
        ok_r, ok_b = rate >= GOAL_RATIO * raw_rate, mbps >= GOAL_RATIO * copy_rate
        ok_m = got["peak_mb"] <= GOAL_PEAK_MB
        print(f"restore records: {got['records']} in {got['pull_s']:.1f} s = {rate:,.0f} records/s;"
              f" raw bulk insert {raw_rate:,.0f} records/s; ratio {rate / raw_rate:.2f}"
              f" (goal >= 0.33) {'met' if ok_r else 'NOT met'}")  # fmt: skip
        print(f"restore attachments: {got['attachments']} files, {nbytes / 1024 / 1024:.0f} MB in "
              f"{got['blobs_s']:.1f} s = {mbps:.1f} MB/s; raw file copy {copy_rate:.1f} MB/s; "
              f"ratio {mbps / copy_rate:.2f} (goal >= 0.33) {'met' if ok_b else 'NOT met'}")  # fmt: skip
        print(f"  floor: the same bytes written into a fresh encrypted store (SQLCipher, 24 MB per "
              f"transaction) {floor_rate:.1f} MB/s = {floor_rate / copy_rate:.2f} of the raw copy; "
              f"restore at {mbps / floor_rate:.2f} of that floor")  # fmt: skip
        print(f"restore peak memory: {got['peak_mb']:.0f} MB (goal <= {GOAL_PEAK_MB} MB) "
              f"{'met' if ok_m else 'NOT met'}; complete: {got['complete']}")  # fmt: skip
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        return 0 if ok_r and ok_b and ok_m and got["complete"] else 1
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
