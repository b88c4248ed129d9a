"""Defects 5, 6, 7: batches a compromised station credential could send to the real district server.

The server runs as a process on loopback, on PostgreSQL when it answers at 127.0.0.1:5432 (as the
other district tests do) and SQLite otherwise. Each hostile batch is signed with a real station
credential, so only the server's own checks stand between it and the district database.
"""

from __future__ import annotations

import copy
import uuid

import orjson
import pytest
from sqlalchemy import select

from app.district import db as district_db
from app.district.ingest import apply_batch
from app.district.models import StationRecord
from app.district.schemas import parse_batch
from app.sync import batches, state, sync_once
from app.sync.client import DistrictClient, SyncProblem
from tests.cases_support import register
from tests.sync_fixtures import *  # noqa: F403


def client_for(store) -> DistrictClient:
    with state.reading(store) as s:
        return DistrictClient(
            state.get(s, state.SERVER_URL),
            ca_pem=state.get(s, state.CA_PEM),
            credential=state.get(s, state.CREDENTIAL),
        )


def a_case_record(store) -> dict:
    """A real dispute_case record as the station would send it (the outbox is left as it was)."""
    register(store)
    batch = batches.next_batch(store)
    with state.transaction(store) as s:
        state.put(s, state.PENDING, None)
    records = orjson.loads(orjson.dumps(batch.records))  # the station sends pre-encoded JSON
    return next(r for r in records if r["entity"] == "dispute_case")


def variant(record: dict, **changes) -> dict:
    rec = copy.deepcopy(record)
    rec["id"] = rec["data"]["id"] = str(uuid.uuid4())
    rec["data"].update(changes)
    return rec


def payload(store, records, seq, **extra) -> dict:
    return {
        "protocol": 1,
        "station_code": store.station.code,
        "batch_id": str(uuid.uuid4()),
        "seq": seq,
        "ack_outbox_seq": 0,
        "records": records,
        **extra,
    }


def last_seq(client) -> int:
    return client.status()["last_batch_seq"]


def test_a_wild_sequence_number_is_refused_and_sync_goes_on(district, station_a):
    record = a_case_record(station_a)
    with client_for(station_a) as client:
        for seq in (2**53, last_seq(client) + 101):
            with pytest.raises(SyncProblem) as refused:
                client.send_batch(payload(station_a, [variant(record)], seq))
            assert refused.value.status == 409
            assert refused.value.body["expected_seq"] == last_seq(client) + 1
        assert last_seq(client) == 0
        # a little ahead (a station that lost a batch) is still accepted
        ack = client.send_batch(payload(station_a, [variant(record)], 3))
        assert ack["inserted"] == 1 and last_seq(client) == 3
    result = sync_once(station_a)
    assert result.ok and result.quarantined == 0, result.problem


@pytest.mark.parametrize("field", ["seq", "ack_outbox_seq", "protocol"])
def test_booleans_are_not_numbers(district, station_a, field):
    record = a_case_record(station_a)
    with client_for(station_a) as client:
        body = payload(station_a, [variant(record)], 1)
        body[field] = True
        with pytest.raises(SyncProblem) as refused:
            client.send_batch(body)
        assert refused.value.status == 422
        assert last_seq(client) == 0


def test_hostile_values_are_rejected_per_record_and_the_rest_applies(district, station_a):
    record = a_case_record(station_a)
    hostile = {
        "NUL in text": variant(record, facts="拖欠工资\x00"),
        "control in text": variant(record, requests="请求\x1b[31m"),
        "NUL in JSON": variant(record, **{"field_of_a_newer_station": {"k\x00": "v"}}),
        "NUL in an unknown field": variant(record, field_of_a_newer_station="x\x00"),
        "year 9999": variant(record, received_on="9999-12-31"),
        "year 0001": variant(record, received_on="0001-01-01"),
        "extended 9999": variant(record, extended_until="9999-12-31"),
        "time in year 9999": variant(record, created_at="9999-12-31T23:59:59+00:00"),
        "huge integer": variant(record, case_seq=2**40),
        "boolean integer": variant(record, case_year=True),
    }
    good = variant(record)
    with client_for(station_a) as client:
        ack = client.send_batch(payload(station_a, [*hostile.values(), good], 1))
    rejected = {r["id"]: r["reason"] for r in ack["rejected"]}
    for what, rec in hostile.items():
        assert rec["id"] in rejected, what
    assert ack["inserted"] == 1 and good["id"] not in rejected
    assert any("控制字符" in reason for reason in rejected.values())
    assert any("1900年至2100年" in reason for reason in rejected.values())
    engine = district.engine()
    try:
        with engine.connect() as conn:
            held = set(conn.scalars(select(StationRecord.id)))
    finally:
        engine.dispose()
    assert held == {good["id"]}


def test_a_database_data_error_rejects_the_record_not_the_batch(district, station_a, monkeypatch):
    """Whatever still gets past the field checks and fails in the database (here: the checks are
    switched off) is rejected with a reason, never answered with a 5xx the station would retry."""
    record = a_case_record(station_a)
    from app.district import ingest

    monkeypatch.setattr(ingest, "record_problem", lambda rec, code: None)
    enterprise_bad = {
        "entity": "enterprise",
        "id": (eid := str(uuid.uuid4())),
        "version": 1,
        "op": "insert",
        # credit_code goes to a VARCHAR(18) column: PostgreSQL refuses a longer value
        "data": {"id": eid, "version": 1, "station_code": "GUDONG", "credit_code": "9" * 40},
    }
    good = variant(record)
    batch = parse_batch(payload(station_a, [enterprise_bad, good], 1))
    engine = district_db.make_engine(district.database_url)
    try:
        ack = apply_batch(district_db.sessions(engine), "GUDONG", batch)
    finally:
        engine.dispose()
    rejected = {r.id for r in ack.rejected}
    assert good["id"] not in rejected and ack.inserted >= 1
    if district.database_url.startswith("postgresql"):
        assert eid in rejected
