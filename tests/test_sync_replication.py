"""Protocol 2 end to end: a real ``labor-district`` process on loopback and two or three real
encrypted station stores of one station (a second PC joins, a PC is restored from the district).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import select

from app.cases.numbering import NumbersUsedUp
from app.district import db as district_db
from app.store.models import SYNCED_MODELS, CaseNumberBlock, DisputeCase, Enterprise, OutboxEntry
from app.store.store import Store
from app.sync import state, sync_once
from app.sync.join import join, unfinished
from tests.cases_support import (
    EnterpriseChoice,
    EnterpriseInput,
    credit_code,
    register,
    signed,
    worker,
)
from tests.conftest import ADMIN, ADMIN_PASSWORD
from tests.sync_fixtures import *  # noqa: F403
from tests.sync_fixtures import ROOT, enrolled_station

pytestmark = pytest.mark.slow


def device_code(server, station: str = "GUDONG", name: str = "窗口2") -> str:
    from app.district.auth import create_enrollment_code

    engine = server.engine()
    try:
        with district_db.sessions(engine)() as s, s.begin():
            return create_enrollment_code(s, station, purpose="device", device_name=name)[0]
    finally:
        engine.dispose()


def synced_tables(store) -> dict[str, list[tuple]]:
    """Every row of every synced table, every column (what two PCs must hold alike)."""
    out = {}
    with store.read() as s:
        for model in SYNCED_MODELS:
            t = model.__table__
            out[t.name] = [tuple(r) for r in s.execute(select(t).order_by(t.c.id))]
    return out


def join_pc(tmp_path, server, name: str, code: str | None = None):
    result = join(
        tmp_path / name, server.url, code or device_code(server, name=name), server.ca_pem,
        ADMIN, ADMIN_PASSWORD,
    )  # fmt: skip
    return result


def reg(store, n: int):
    """Register a case against an enterprise of its own (unique credit code)."""
    return register(
        store,
        workers=[
            worker(
                "工人" + "".join("零一二三四五六七八九"[int(d)] for d in str(n)), seq=10 + n % 80
            )
        ],
        respondent=EnterpriseChoice(
            new=EnterpriseInput(
                name=f"福州测试企业{n}有限公司", credit_code=credit_code(f"MA2XY{n:04d}")
            )
        ),
    )


def case_numbers(*stores) -> list[str]:
    out = []
    for store in stores:
        with store.read() as s:
            out += list(s.scalars(select(DisputeCase.case_no)))
    return out


def test_second_pc_joins_and_both_converge(district, station_a, tmp_path):
    signed(station_a)
    reg(station_a, 1)
    ids = []
    with station_a.unit_of_work() as s:
        for i in range(30):
            e = Enterprise(name=f"鼓东企业{i}")
            s.add(e)
            ids.append(e.id)
    first = sync_once(station_a)
    assert first.ok, first.problem

    joined = join_pc(tmp_path, district, "pc-b")
    b = joined.store
    try:
        assert not unfinished(b)
        assert joined.complete and joined.received > 40
        assert joined.local_counts == joined.district_counts
        assert synced_tables(b) == synced_tables(station_a)
        with b.read() as s:  # pulled records are never sent back up (no echo)
            assert s.scalar(select(OutboxEntry.seq).limit(1)) is None

        # offline edits on both PCs, then sync in both directions through the district
        with station_a.unit_of_work() as s:
            s.get(Enterprise, ids[0]).name = "甲电脑改名"
            s.add(Enterprise(name="甲电脑新增"))
        with b.unit_of_work() as s:
            s.get(Enterprise, ids[1]).phone = "0591-12345678"
            s.add(Enterprise(name="乙电脑新增"))
        rb, ra, rb2 = sync_once(b), sync_once(station_a), sync_once(b)
        assert rb.ok and ra.ok and rb2.ok, (rb.problem, ra.problem, rb2.problem)
        assert ra.pulled == 2 and rb2.pulled == 2
        assert synced_tables(b) == synced_tables(station_a)
        # nothing echoes: another round moves nothing
        again_a, again_b = sync_once(station_a), sync_once(b)
        assert (again_a.sent, again_a.pulled, again_b.sent, again_b.pulled) == (0, 0, 0, 0)
    finally:
        b.close()


def test_case_numbers_switch_to_blocks_and_never_repeat(district, station_a, tmp_path):
    reg(station_a, 1)  # numbered on its own: 0001
    assert sync_once(station_a).ok
    with station_a.read() as s:
        assert state.get(s, "sync.numbering") == "own"
    b = join_pc(tmp_path, district, "pc-b").store
    try:
        # B may not number while A still counts on its own, and says why
        with pytest.raises(NumbersUsedUp):
            reg(b, 2)
        reg(station_a, 3)  # A offline: 0002, its own
        ra = sync_once(station_a)  # A switches to a block (above 0002)
        assert ra.ok and not ra.notes, ra.summary()
        rb = sync_once(b)
        assert rb.ok and not rb.notes, rb.summary()
        for i in range(5):  # both register offline
            reg(station_a, 10 + i)
            reg(b, 20 + i)
        for store in (station_a, b, station_a):
            assert sync_once(store).ok
        numbers = case_numbers(station_a)
        assert len(numbers) == len(set(numbers)) == 12
        assert sorted(case_numbers(b)) == sorted(numbers)
        with station_a.read() as s:
            a_blocks = [(x.first, x.last) for x in s.scalars(select(CaseNumberBlock))]
        assert a_blocks and a_blocks[0][0] == 3
        out = district.cli("numbers", "GUDONG", str(date.today().year)).stdout
        assert "未使用的号码" in out and "预留" in out
    finally:
        b.close()


def test_restore_from_district_cli_reproduces_everything(district, station_a, tmp_path):
    signed(station_a)
    reg(station_a, 1)
    assert sync_once(station_a).ok
    before = synced_tables(station_a)
    code = district.enrollment_code("GUDONG")  # a restore replaces the dead PC's credential
    folder = tmp_path / "新电脑 数据"
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "LABOR_STATION_NEW_PASSWORD": ADMIN_PASSWORD,
        "NO_PROXY": "127.0.0.1,localhost",
    }  # fmt: skip
    ca = tmp_path / "ca.pem"
    ca.write_text(district.ca_pem)
    run = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "restore-from-district", "--data-dir", str(folder),
         "--server", district.url, "--code", code, "--ca", str(ca)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr + run.stdout
    assert "恢复完成" in run.stdout and "dispute_case" in run.stdout
    restored = Store.open(folder, ADMIN, ADMIN_PASSWORD)
    try:
        assert synced_tables(restored) == before
        # the old PC's credential no longer works; the case sequence continues
        assert not sync_once(station_a).ok
        case = reg(restored, 2)
        assert case.case_no.endswith("第0003号"), case.case_no
    finally:
        restored.close()


def test_concurrent_offline_registrations_never_share_a_number(district, station_a, tmp_path):
    """Three PCs of one station register and sync in random interleavings (hypothesis), with
    blocks of three numbers so that PCs run out offline; each example is a year of its own."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from app.cases.numbering import next_case_number
    from app.district.devices import number_gaps
    from app.domain import reference
    from app.domain.enums import CaseStatus
    from app.store.models import utcnow
    from app.sync import numbers
    from app.sync.run import _client

    pcs = {"a": station_a}
    pcs["b"] = join_pc(tmp_path, district, "pc-b").store
    pcs["c"] = join_pc(tmp_path, district, "pc-c").store
    prefix = reference.station("GUDONG").case_prefix
    years = iter(range(2031, 2100))

    def register_on(store, year: int) -> bool:
        try:
            with store.unit_of_work() as s:
                n = next_case_number(s, "GUDONG", prefix, year)
                s.add(DisputeCase(
                    case_no=str(n), case_year=year, case_seq=n.seq, status=CaseStatus.REGISTERED,
                    intake_channel="walk_in", received_on=date(year, 6, 1),
                    registered_at=utcnow(),
                ))  # fmt: skip
            return True
        except NumbersUsedUp:
            return False

    def sync(store, year: int) -> None:
        assert sync_once(store).ok
        with _client(store, None, "zstd") as client:
            try:
                numbers.refill(client, store, today=date(year, 6, 1), size=3)
            except Exception as exc:  # 409 while another PC still numbers on its own
                assert getattr(exc, "status", None) == 409, exc

    try:

        @settings(max_examples=15, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
        @given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["reg", "reg", "sync"])),
                        min_size=4, max_size=16))  # fmt: skip
        def interleaving(ops):
            year = next(years)
            for pc, op in ops:
                if op == "reg":
                    register_on(pcs[pc], year)
                else:
                    sync(pcs[pc], year)
            for pc in "abcab":  # everyone online: every case reaches every PC
                sync(pcs[pc], year)
            seen = {}
            for name, store in pcs.items():
                with store.read() as s:
                    rows = s.execute(
                        select(DisputeCase.case_seq, DisputeCase.created_by)
                        .where(DisputeCase.case_year == year)
                    ).all()  # fmt: skip
                seen[name] = sorted(r[0] for r in rows)
                assert len(rows) == len({r[0] for r in rows})  # never the same number twice
            assert seen["a"] == seen["b"] == seen["c"]
            engine = district.engine()
            try:
                with district_db.sessions(engine)() as s:
                    gaps = number_gaps(s, "GUDONG", year, year)
                    from app.district.models import NumberBlock

                    handed = set()
                    for b in s.scalars(select(NumberBlock).where(NumberBlock.year == year)):
                        handed.update(range(b.first, b.last + 1))
            finally:
                engine.dispose()
            gap_numbers = {n for g in gaps for n in range(g.first, g.last + 1)}
            used = set(seen["a"])
            assert not gap_numbers & used  # a gap is never a used number
            assert handed <= used | gap_numbers  # every number handed out is used or listed
            assert all(g.reason for g in gaps)

        interleaving()
    finally:
        pcs["b"].close()
        pcs["c"].close()


def _restore_cmd(district, folder, code, ca):
    return [sys.executable, "-m", "app.cli.main", "restore-from-district", "--data-dir",
            str(folder), "--server", district.url, "--code", code, "--ca", str(ca)]  # fmt: skip


def _env(**extra):
    return {**os.environ, "PYTHONPATH": str(ROOT), "LABOR_STATION_NEW_PASSWORD": ADMIN_PASSWORD,
            "NO_PROXY": "127.0.0.1,localhost", **extra}  # fmt: skip


def _many(store, n: int) -> None:
    with store.unit_of_work() as s:
        for i in range(n):
            s.add(Enterprise(name=f"鼓东企业{i}", phone=f"0591-{i:08d}"))


def _cursor_moved(folder) -> bool:
    if not Store.exists(folder):
        return False
    try:
        store = Store.open(folder, ADMIN, ADMIN_PASSWORD)
    except Exception:
        return False
    try:
        from app.sync import pull

        return pull.cursor(store) > 0
    finally:
        store.close()


@pytest.mark.parametrize("victim", ["station", "server"])
def test_restore_killed_mid_download_resumes_exactly_once(district, station_a, tmp_path, victim):
    import time

    _many(station_a, 3000)
    signed(station_a)
    assert sync_once(station_a).ok
    before = synced_tables(station_a)
    ca = tmp_path / "ca.pem"
    ca.write_text(district.ca_pem)
    folder = tmp_path / "restore"
    code = device_code(district, name="新电脑")
    env = _env(LABOR_STATION_PULL_PAGE="100")
    proc = subprocess.Popen(_restore_cmd(district, folder, code, ca), cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 120
    while not _cursor_moved(folder) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the download finished before it could be interrupted"
    if victim == "station":
        proc.kill()  # SIGKILL mid-download
        proc.wait()
    else:
        district.kill()
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode != 0 and "可继续" in err.decode(), err.decode()
        district.start()
    half = Store.open(folder, ADMIN, ADMIN_PASSWORD)
    try:
        assert unfinished(half)  # never taken for a finished restore
        # some pages and not necessarily fewer than all: under load the kill can land after the
        # last page but before the restore is marked finished, which must be resumable too
        assert 0 < sum(len(v) for v in synced_tables(half).values()) <= sum(
            len(v) for v in before.values()
        )
    finally:
        half.close()
    # the same command again resumes where it stopped (the code was used once, by the first run)
    again = subprocess.run(_restore_cmd(district, folder, code, ca), cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert again.returncode == 0, again.stderr + again.stdout
    restored = Store.open(folder, ADMIN, ADMIN_PASSWORD)
    try:
        assert not unfinished(restored)
        assert synced_tables(restored) == before  # every record exactly once, as on the PC
    finally:
        restored.close()


def _photo(n: int, size: int) -> bytes:
    import random

    rnd = random.Random(n)
    return b"\xff\xd8\xff\xe0" + f"照片{n}".encode() + rnd.randbytes(size)


def _attach(store, owner_id: str, content: bytes, name: str = "签字协议.jpg") -> str:
    from app.store.attachments import NewAttachment, add_attachment

    with store.unit_of_work() as s:
        return add_attachment(s, "enterprise", owner_id, NewAttachment(name, content)).sha256


def _content(store, sha: str) -> bytes | None:
    from app.store.models import BlobChunk

    with store.read() as s:
        return s.scalar(select(BlobChunk.content).where(BlobChunk.sha256 == sha))


def test_attachments_travel_encrypted_and_only_to_their_station(district, station_a, tmp_path):
    import hashlib

    with station_a.unit_of_work() as s:
        e = Enterprise(name="鼓东企业")
        s.add(e)
    big, small = _photo(1, 9 * 1024 * 1024), _photo(2, 200_000)  # 9 MB: three parts
    sha_big, sha_small = _attach(station_a, e.id, big), _attach(station_a, e.id, small, "走访.jpg")
    first = sync_once(station_a)
    assert first.ok and first.blobs_up == 2, first.summary()
    assert sync_once(station_a).blobs_up == 0  # acknowledged once, never sent again

    joined = join_pc(tmp_path, district, "pc-b")
    b = joined.store
    try:
        assert joined.attachments == 2 and joined.attachments_missing == 0
        assert _content(b, sha_big) == big and _content(b, sha_small) == small
        assert hashlib.sha256(_content(b, sha_big)).hexdigest() == sha_big
        sha_b = _attach(b, e.id, _photo(3, 50_000), "乙电脑.jpg")
        assert sync_once(b).blobs_up == 1
        ra = sync_once(station_a)
        assert ra.blobs_down == 1 and _content(station_a, sha_b) is not None
        assert synced_tables(b) == synced_tables(station_a)
    finally:
        b.close()
    # at the district the contents are never in clear, and the key is not in the database
    files = [p for p in district.blob_dir.rglob("*") if p.is_file() and p.name != "blob.key"]
    assert len(files) == 3
    for p in files:
        data = p.read_bytes()
        assert "照片".encode() not in data and big[100:200] not in data
    # another station's credential cannot read them
    other = enrolled_station(tmp_path, district, "GUXI")
    try:
        from app.sync.client import SyncProblem
        from app.sync.run import _client

        with _client(other, None, "zstd") as client, pytest.raises(SyncProblem) as refused:
            client.get_blob(sha_big)
        assert refused.value.status == 404
    finally:
        other.close()


def test_server_killed_mid_upload_stores_each_file_once(district, station_a, tmp_path):
    import threading
    import time

    with station_a.unit_of_work() as s:
        e = Enterprise(name="鼓东企业")
        s.add(e)
    contents = [_photo(10 + i, 12 * 1024 * 1024) for i in range(3)]
    shas = [_attach(station_a, e.id, c, f"扫描{i}.jpg") for i, c in enumerate(contents)]
    parts = district.blob_dir / "blobs" / "uploads"

    def kill_when_parts_arrive():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if parts.exists() and any(parts.rglob("0*")):
                district.kill()
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_when_parts_arrive)
    killer.start()
    interrupted = sync_once(station_a, retries=0)
    killer.join()
    assert not interrupted.ok
    district.start()
    done = sync_once(station_a)
    assert done.ok, done.summary()
    b = join_pc(tmp_path, district, "pc-b").store
    try:
        for sha, content in zip(shas, contents, strict=True):
            assert _content(b, sha) == content
    finally:
        b.close()
    engine = district.engine()
    try:
        from app.district.models import StoredBlob

        with engine.connect() as conn:
            assert conn.execute(select(StoredBlob.sha256)).scalars().all().count(shas[0]) == 1
            assert len(conn.execute(select(StoredBlob.sha256)).all()) == 3
    finally:
        engine.dispose()
    assert not list(parts.rglob("0*"))  # no part left behind


def test_fields_changed_on_one_side_only_merge(district, station_a, tmp_path):
    with station_a.unit_of_work() as s:
        e = Enterprise(name="原名称")
        s.add(e)
    assert sync_once(station_a).ok
    b = join_pc(tmp_path, district, "pc-b").store
    try:
        with station_a.unit_of_work() as s:
            s.get(Enterprise, e.id).name = "甲电脑的名称"
        with b.unit_of_work() as s:
            s.get(Enterprise, e.id).phone = "0591-87654321"
            s.get(Enterprise, e.id).address = "乙电脑的地址"
        with b.unit_of_work() as s:  # two offline edits on B: one base
            s.get(Enterprise, e.id).address = "乙电脑第二次改的地址"
        assert sync_once(station_a).ok
        rb = sync_once(b)
        assert rb.ok and rb.quarantined == 0 and rb.conflicts == 0, rb.summary()
        assert sync_once(station_a).ok
        for store in (station_a, b):
            with store.read() as s:
                got = s.get(Enterprise, e.id)
                assert (got.name, got.phone, got.address) == (
                    "甲电脑的名称", "0591-87654321", "乙电脑第二次改的地址")  # fmt: skip
        assert synced_tables(b) == synced_tables(station_a)
    finally:
        b.close()


def test_an_edit_without_its_base_is_held_back_with_its_reason(district, station_a, tmp_path):
    """A client that does not say what version it started from (older program) is never merged
    blindly: the district keeps its version and the record is set aside with the reason."""
    import uuid

    from app.sync.run import _client

    with station_a.unit_of_work() as s:
        e = Enterprise(name="原名称")
        s.add(e)
    assert sync_once(station_a).ok
    b = join_pc(tmp_path, district, "pc-b").store
    try:
        with station_a.unit_of_work() as s:
            s.get(Enterprise, e.id).name = "甲电脑的名称"
        assert sync_once(station_a).ok
        from app.sync import batches

        with b.unit_of_work() as s:
            s.get(Enterprise, e.id).phone = "0591-87654321"
        batch = batches.next_batch(b)
        payload = batch.payload("GUDONG")
        for rec in payload["records"]:
            rec.pop("base_version")
        payload["batch_id"] = str(uuid.uuid4())
        with _client(b, None, "zstd") as client:
            ack = client.send_batch(payload)
        assert len(ack["rejected"]) == 1 and "另一台电脑" in ack["rejected"][0]["reason"]
    finally:
        b.close()


def test_protocol_1_batches_are_still_accepted(district, station_a):
    import uuid

    from app.sync.run import _client

    with station_a.unit_of_work() as s:
        e = Enterprise(name="旧版本上报")
        s.add(e)
    from app.sync import batches

    batch = batches.next_batch(station_a)
    payload = {**batch.payload("GUDONG"), "protocol": 1, "batch_id": str(uuid.uuid4())}
    with _client(station_a, None, "zstd") as client:
        ack = client.send_batch(payload)
    assert ack["inserted"] == 1 and not ack["rejected"]


def test_field_conflicts_merge_show_and_resolve_once(district, station_a, tmp_path):
    from app.sync import conflicts
    from app.sync.client import SyncProblem
    from app.sync.run import _client

    with station_a.unit_of_work() as s:
        e = Enterprise(name="原名称", phone="0591-00000000", address="原地址")
        gone = Enterprise(name="将被删除")
        s.add_all([e, gone])
    assert sync_once(station_a).ok
    b = join_pc(tmp_path, district, "pc-b").store
    try:
        with station_a.unit_of_work() as s:  # A: the name and the address; deletes the other
            s.get(Enterprise, e.id).name = "甲改的名称"
            s.get(Enterprise, e.id).address = "甲改的地址"
            from app.store.changes import soft_delete

            soft_delete(s, s.get(Enterprise, gone.id))
        with b.unit_of_work() as s:  # B, offline, from the same version: the name and the phone
            s.get(Enterprise, e.id).name = "乙改的名称"
            s.get(Enterprise, e.id).phone = "0591-22222222"
            s.get(Enterprise, gone.id).phone = "0591-33333333"
        assert sync_once(station_a).ok
        rb = sync_once(b)
        assert rb.ok and rb.quarantined == 0 and rb.conflicts == 2, rb.summary()
        ra = sync_once(station_a)
        assert ra.conflicts == 2
        assert synced_tables(b) == synced_tables(station_a)  # merged the same on both PCs
        with b.read() as s:
            merged = s.get(Enterprise, e.id)
            assert (merged.name, merged.address, merged.phone) == ("甲改的名称", "甲改的地址",
                                                                    "0591-22222222")  # fmt: skip
            kept = s.get(Enterprise, gone.id)
            assert not kept.deleted and kept.phone == "0591-33333333"  # deleted vs edited: kept
        shown = {c["field"]: c for c in conflicts.open_conflicts(station_a)}
        assert set(shown) == {"name", "deleted"}
        name = shown["name"]
        assert (name["held_value"], name["incoming_value"]) == ("甲改的名称", "乙改的名称")
        assert name["incoming_device_name"] == "pc-b"
        with _client(station_a, None, "zstd") as client:
            conflicts.resolve(station_a, client, name, "incoming")
            conflicts.resolve(station_a, client, shown["deleted"], "edited", False)
        with _client(b, None, "zstd") as client, pytest.raises(SyncProblem) as again:
            conflicts.resolve(b, client, name, "held")  # once for the whole station
        assert again.value.status == 409
        for store in (station_a, b):
            r = sync_once(store)
            assert r.ok and r.conflicts == 0, r.summary()
        assert synced_tables(b) == synced_tables(station_a)
        with b.read() as s:
            assert s.get(Enterprise, e.id).name == "乙改的名称"
    finally:
        b.close()


def test_station_admin_retires_a_pc_and_its_numbers_are_voided(district, station_a, tmp_path):
    from app.sync.run import retire_device

    assert sync_once(station_a).ok
    b = join_pc(tmp_path, district, "窗口2").store
    try:
        assert sync_once(station_a).ok and sync_once(b).ok  # both hold blocks now
        with b.read() as s:
            me = state.get(s, state.DEVICE_ID)
        retire_device(station_a, me)
        refused = sync_once(b)
        assert not refused.ok and "撤销" in refused.problem
        assert sync_once(station_a).ok
        out = district.cli("numbers", "GUDONG", str(date.today().year)).stdout
        assert "窗口2" in out and "已停用" in out
        # another station cannot retire this station's PCs
        other = enrolled_station(tmp_path, district, "GUXI")
        try:
            from app.sync.client import SyncProblem

            with pytest.raises(SyncProblem) as refused_other:
                with state.reading(station_a) as s:
                    a_id = state.get(s, state.DEVICE_ID)
                retire_device(other, a_id or "0")
            assert refused_other.value.status == 404
        finally:
            other.close()
    finally:
        b.close()


def test_a_new_station_syncs_with_a_district_server_not_upgraded_yet(tmp_path, certs):
    """The district server of the previous release (protocol 1 only, from git), a station of
    this one: it sends protocol 1 batches, skips the pull and numbering, and says nothing is
    wrong."""
    import tarfile
    import time as _time

    old = "1ac62bf"  # main before protocol 2
    if subprocess.run(["git", "cat-file", "-e", old], cwd=ROOT).returncode != 0:
        pytest.skip("the previous release is not in this checkout's history")
    tree = tmp_path / "old"
    tree.mkdir()
    archive = tmp_path / "old.tar"
    subprocess.run(
        ["git", "archive", "-o", str(archive), old, "app", "resources"], cwd=ROOT, check=True
    )
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    url = f"sqlite:///{tmp_path / 'old-district.sqlite'}"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cli = [sys.executable, "-m", "app.district.cli", "--database-url", url]
    subprocess.run([*cli, "init-db"], cwd=tree, env=env, check=True, capture_output=True)
    from tests.sync_fixtures import free_port

    port = free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--cert", str(certs.server_cert), "--key",
         str(certs.server_key)], cwd=tree, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import httpx

        for _ in range(300):
            try:
                httpx.get(f"https://127.0.0.1:{port}/login", verify=str(certs.ca_cert), timeout=1)
                break
            except httpx.TransportError:
                _time.sleep(0.1)
        code = subprocess.run(
            [*cli, "enroll", "GUDONG"], cwd=tree, env=env, check=True, capture_output=True,
            text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        from app.sync import enroll
        from tests.sync_fixtures import make_station

        store = make_station(tmp_path, "GUDONG")
        try:
            enroll(store, f"https://127.0.0.1:{port}", code, certs.ca_cert.read_text())
            with store.unit_of_work() as s:
                s.add_all(Enterprise(name=f"企业{i}") for i in range(5))
            r = sync_once(store)
            assert r.ok and r.acknowledged == 5 and r.quarantined == 0, r.summary()
            reg(store, 1)  # numbers on its own, as before
        finally:
            store.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
