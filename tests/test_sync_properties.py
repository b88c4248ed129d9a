"""Property tests of the protocol's idempotency (hypothesis), in-process and fast.

The server side is the real ingest code on a real database file; the station side the real outbox
and acknowledgement code on a real encrypted store. Only the wire is left out (the end-to-end tests
cover it).
"""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.district import db as district_db
from app.district.ingest import BatchRefused, apply_batch
from app.district.models import StationRecord, SyncBatch
from app.district.schemas import BatchIn, parse_batch
from app.store.models import Enterprise, OutboxEntry
from app.store.store import Store
from app.sync import batches, protocol
from tests.conftest import ADMIN, ADMIN_PASSWORD

IDS = [str(uuid.UUID(int=i + 1)) for i in range(6)]


def district_sessions(folder: Path):
    engine = district_db.make_engine(f"sqlite:///{folder / 'district.sqlite'}")
    district_db.init_db(engine)
    return engine, district_db.sessions(engine)


def server_state(sessions) -> dict[str, int]:
    with sessions() as s:
        return {r.id: r.version for r in s.scalars(select(StationRecord))}


def record(rid: str, version: int) -> dict:
    data = {
        "id": rid,
        "station_code": "GUDONG",
        "version": version,
        "deleted": False,
        "name": f"v{version}",
        "created_at": "2026-01-05T08:00:00+00:00",
        "updated_at": "2026-01-05T08:00:00+00:00",
        "credit_code_accepted": False,
        "risk_level": "none",
        "source": "manual",
    }
    return {"entity": "enterprise", "id": rid, "version": version, "op": "update", "data": data}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(st.tuples(st.sampled_from(IDS), st.integers(1, 5)), min_size=1, max_size=6),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.integers(0, 20), max_size=8),
)
def test_batches_and_replays_converge_to_the_newest_versions(batch_records, replays):
    with tempfile.TemporaryDirectory() as tmp:
        engine, sessions = district_sessions(Path(tmp))
        try:
            sent = []
            for seq, recs in enumerate(batch_records, start=1):
                b = BatchIn.model_validate(
                    {
                        "protocol": 1,
                        "station_code": "GUDONG",
                        "batch_id": str(uuid.uuid4()),
                        "seq": seq,
                        "ack_outbox_seq": seq,
                        "records": [record(rid, v) for rid, v in recs],
                    }
                )
                first = apply_batch(sessions, "GUDONG", b)
                assert not first.duplicate
                sent.append((b, first))
                # replays of any earlier batch: the stored answer, and no change at all
                for r in replays:
                    old, old_ack = sent[r % len(sent)]
                    before = server_state(sessions)
                    again = apply_batch(sessions, "GUDONG", old)
                    assert again.duplicate
                    assert again.model_dump(exclude={"duplicate"}) == old_ack.model_dump(
                        exclude={"duplicate"}
                    )
                    assert server_state(sessions) == before
            newest: dict[str, int] = {}
            for recs in batch_records:
                for rid, v in recs:
                    newest[rid] = max(v, newest.get(rid, 0))
            assert server_state(sessions) == newest
            with sessions() as s:
                assert sum(s.scalars(select(SyncBatch.inserted))) == len(newest)
                assert s.scalar(
                    select(SyncBatch.seq).order_by(SyncBatch.seq.desc()).limit(1)
                ) == len(batch_records)
        finally:
            engine.dispose()


def test_a_used_sequence_number_with_a_new_batch_id_is_refused(tmp_path):
    engine, sessions = district_sessions(tmp_path)
    try:
        make = lambda seq: BatchIn.model_validate(  # noqa: E731
            {
                "protocol": 1,
                "station_code": "GUDONG",
                "batch_id": str(uuid.uuid4()),
                "seq": seq,
                "ack_outbox_seq": 1,
                "records": [record(IDS[0], 1)],
            }
        )
        apply_batch(sessions, "GUDONG", make(1))
        try:
            apply_batch(sessions, "GUDONG", make(1))
        except BatchRefused as exc:
            assert exc.status == 409 and exc.extra == {"expected_seq": 2}
        else:
            raise AssertionError("a reused sequence number was accepted")
    finally:
        engine.dispose()


# ---------------------------------------------------------------- station and server together

step = st.one_of(
    st.tuples(st.just("add"), st.integers(1, 30)),
    st.tuples(st.just("edit"), st.integers(0, 1000)),
    st.tuples(st.just("sync"), st.booleans()),  # True: the acknowledgement is lost on the way back
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=12), st.integers(1, 40))
def test_station_and_server_agree_after_any_losses(steps, batch_size):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine, sessions = district_sessions(folder)
        store, _ = Store.create(folder / "station", "GUDONG", ADMIN, "站长", ADMIN_PASSWORD)
        try:

            def sync(lose_ack: bool) -> None:
                while True:
                    b = batches.next_batch(store, batch_size)
                    if b is None:
                        return
                    payload = parse_batch(json.loads(protocol.dumps(b.payload("GUDONG"))))
                    ack = apply_batch(sessions, "GUDONG", payload)
                    if lose_ack:
                        lose_ack = False  # the station retries: same batch id, stored answer
                        continue
                    batches.apply_ack(store, b, ack.model_dump())

            for kind, arg in steps:
                if kind == "add":
                    with store.unit_of_work() as s:
                        s.add_all(Enterprise(name=f"企业{i}") for i in range(arg))
                elif kind == "edit":
                    with store.unit_of_work() as s:
                        rows = list(s.scalars(select(Enterprise).order_by(Enterprise.id)))
                        if rows:
                            rows[arg % len(rows)].name = f"改{arg}"
                else:
                    sync(arg)
            sync(False)
            with store.read() as s:
                station = {e.id: e.version for e in s.scalars(select(Enterprise))}
                assert s.scalars(select(OutboxEntry)).first() is None
            assert server_state(sessions) == station
            with sessions() as s:
                inserted = sum(s.scalars(select(SyncBatch.inserted)))
            assert inserted == len(station)  # each record inserted exactly once
        finally:
            store.close()
            engine.dispose()


def test_one_batch_inserts_updates_keeps_and_rejects_exactly(tmp_path):
    """The write path of a batch: new records inserted, newer versions updated, the same version
    kept, another station's record rejected, all counted exactly (in-process, SQLite)."""
    engine, sessions = district_sessions(tmp_path)
    try:

        def batch(seq: int, station: str, recs: list[dict]) -> BatchIn:
            for r in recs:
                r["data"]["station_code"] = station
            return BatchIn.model_validate(
                {
                    "protocol": 1,
                    "station_code": station,
                    "batch_id": str(uuid.uuid4()),
                    "seq": seq,
                    "ack_outbox_seq": seq,
                    "records": recs,
                }
            )

        first = apply_batch(
            sessions, "GUDONG", batch(1, "GUDONG", [record(IDS[0], 1), record(IDS[1], 2)])
        )
        assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
        apply_batch(sessions, "GUXI", batch(1, "GUXI", [record(IDS[2], 1)]))
        mixed = apply_batch(
            sessions,
            "GUDONG",
            batch(
                2,
                "GUDONG",
                [record(IDS[0], 3), record(IDS[1], 2), record(IDS[2], 5), record(IDS[3], 1)],
            ),
        )
        assert (mixed.inserted, mixed.updated, mixed.unchanged) == (1, 1, 1)
        assert [r.id for r in mixed.rejected] == [IDS[2]]
        assert "鼓西街道" in mixed.rejected[0].reason
        with sessions() as s:
            rows = {r.id: (r.station_code, r.version) for r in s.scalars(select(StationRecord))}
        assert rows == {
            IDS[0]: ("GUDONG", 3),
            IDS[1]: ("GUDONG", 2),
            IDS[2]: ("GUXI", 1),
            IDS[3]: ("GUDONG", 1),
        }
    finally:
        engine.dispose()
