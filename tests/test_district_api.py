"""Bad requests to the real server process get a 4xx with a Chinese message, and change nothing."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest
import zstandard
from sqlalchemy import func, select

from app.district.models import StationRecord, SyncBatch
from app.sync import protocol
from tests.sync_fixtures import *  # noqa: F403
from tests.sync_fixtures import enrolled_station

pytestmark = pytest.mark.slow


def record(i: int, station: str = "GUDONG") -> dict:
    rid = str(uuid.uuid4())
    data = {
        "id": rid,
        "station_code": station,
        "version": 1,
        "deleted": False,
        "name": f"企业{i}",
        "created_at": "2026-01-05T08:00:00+00:00",
        "updated_at": "2026-01-05T08:00:00+00:00",
        "credit_code_accepted": False,
        "risk_level": "none",
        "source": "manual",
    }
    return {"entity": "enterprise", "id": rid, "version": 1, "op": "insert", "data": data}


def batch(n: int = 3, seq: int = 1, station: str = "GUDONG") -> dict:
    return {
        "protocol": 1,
        "station_code": station,
        "batch_id": str(uuid.uuid4()),
        "seq": seq,
        "ack_outbox_seq": n,
        "records": [record(i, station) for i in range(n)],
    }


@pytest.fixture
def station(tmp_path, district):
    store = enrolled_station(tmp_path, district, "GUDONG")
    credential = store.get_setting("sync.credential")
    store.close()
    return credential


def headers(
    credential: str, body: bytes, encoding: str | None = None, signature: str | None = None
) -> dict:
    key = protocol.signing_key(protocol.parse_credential(credential)[1])
    h = {
        "Authorization": f"Bearer {credential}",
        "Content-Type": "application/json",
        protocol.SIGNATURE_HEADER: signature or protocol.sign(key, body),
    }
    if encoding:
        h["Content-Encoding"] = encoding
    return h


def counts(server) -> tuple[int, int]:
    engine = server.engine()
    try:
        with engine.connect() as conn:
            return (
                conn.scalar(select(func.count()).select_from(StationRecord)),
                conn.scalar(select(func.count()).select_from(SyncBatch)),
            )
    finally:
        engine.dispose()


def test_good_batch_in_each_encoding(district, station):
    with district.http() as http:
        for seq, encoding in enumerate(("zstd", "gzip", None), start=1):
            body = protocol.dumps(batch(5, seq))
            content = protocol.compress(body, encoding or "identity")
            r = http.post(
                "/api/v1/sync/batches", content=content, headers=headers(station, body, encoding)
            )
            assert r.status_code == 200, r.text
            assert r.json()["inserted"] == 5
    assert counts(district) == (15, 3)


def test_bad_requests_are_refused_with_4xx_and_change_nothing(district, station):
    good = batch(3)
    body = protocol.dumps(good)
    tampered = body.replace("企业1".encode(), "企业X".encode())
    cases = []
    with district.http(timeout=60) as http:
        post = lambda content, h: http.post("/api/v1/sync/batches", content=content, headers=h)  # noqa: E731
        # tampered after signing
        cases.append(
            (
                "tampered",
                post(
                    tampered,
                    headers(
                        station,
                        body,
                        signature=protocol.sign(
                            protocol.signing_key(protocol.parse_credential(station)[1]), body
                        ),
                    ),
                ),
                400,
                "签名",
            )
        )
        # no credential, a made-up credential
        cases.append(
            ("no credential", post(body, {"Content-Type": "application/json"}), 401, "凭据")
        )
        fake = "lst1.0011223344556677.bm90LWEtcmVhbC1zZWNyZXQ"
        cases.append(("forged credential", post(body, headers(fake, body)), 401, "凭据"))
        # oversized: declared, streamed, and a zip bomb
        big = b"{" + b" " * (protocol.MAX_BODY_BYTES + 10) + b"}"
        cases.append(("oversized", post(big, headers(station, big)), 413, "过大"))
        bomb_plain = b'{"a":"' + b"0" * (protocol.MAX_DECOMPRESSED_BYTES + 10) + b'"}'
        bomb = gzip.compress(bomb_plain, compresslevel=9)
        assert len(bomb) < protocol.MAX_BODY_BYTES
        cases.append(("gzip bomb", post(bomb, headers(station, bomb_plain, "gzip")), 413, "解压后"))
        zbomb = zstandard.ZstdCompressor(level=19).compress(bomb_plain)
        cases.append(
            ("zstd bomb", post(zbomb, headers(station, bomb_plain, "zstd")), 413, "解压后")
        )
        # malformed: not JSON, broken compression, unknown encoding, wrong shapes
        junk = b'{"protocol": 1, "records": ['
        cases.append(("not json", post(junk, headers(station, junk)), 422, "格式"))
        cases.append(
            (
                "broken gzip",
                post(b"\x1f\x8b\x08garbage", headers(station, body, "gzip")),
                400,
                "gzip",
            )
        )
        cases.append(("unknown encoding", post(body, headers(station, body, "br")), 415, "压缩"))
        for name, mutate in [
            ("bad uuid", lambda b: b.update(batch_id="not-a-uuid")),
            ("negative seq", lambda b: b.update(seq=-1)),
            ("huge seq", lambda b: b.update(seq=2**80)),
            ("wrong protocol", lambda b: b.update(protocol=99)),
            ("extra field", lambda b: b.update(extra=True)),
            ("records not a list", lambda b: b.update(records={"a": 1})),
            (
                "too many records",
                lambda b: b.update(
                    records=[record(i) for i in range(protocol.MAX_BATCH_RECORDS + 1)]
                ),
            ),
            ("bad version", lambda b: b["records"][0].update(version=0)),
            ("data not an object", lambda b: b["records"][0].update(data=[1, 2])),
        ]:
            doc = json.loads(body)
            mutate(doc)
            raw = json.dumps(doc).encode()
            cases.append((name, post(raw, headers(station, raw)), 422, "格式"))
        nan = body.replace(b'"deleted":false', b'"deleted":false,"x":NaN', 1)
        cases.append(("NaN inside a record", post(nan, headers(station, nan)), 422, "JSON"))
        # a batch in another station's name
        other = protocol.dumps(batch(1, 1, "GUXI"))
        cases.append(("other station", post(other, headers(station, other)), 403, "本站"))
        # wrong methods and paths
        cases.append(("get batches", http.get("/api/v1/sync/batches"), 405, "方法"))
        cases.append(("unknown path", http.get("/api/v1/nothing"), 404, "地址"))
    for name, response, status, word in cases:
        assert response.status_code == status, (name, response.status_code, response.text[:300])
        if status >= 400:
            assert word in response.json()["detail"], (name, response.json())
    assert counts(district) == (0, 0)


def test_enrollment_is_throttled_after_repeated_wrong_codes(district):
    with district.http() as http:
        statuses = [
            http.post(
                "/api/v1/enroll", json={"station_code": "NANJIE", "code": f"WRONG-{i:04d}"}
            ).status_code
            for i in range(12)
        ]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
