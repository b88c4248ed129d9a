"""Defect 1 and the district server's weaknesses, against a real ``labor-district`` process.

PostgreSQL at 127.0.0.1:5432 when it answers (the server fixture's database), SQLite otherwise;
the multi-process test (``serve --workers 4``) needs PostgreSQL and is skipped without it.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import zstandard

from app.district import db as district_db
from app.district.auth import THROTTLES, create_enrollment_code, redeem_enrollment_code
from app.sync import protocol
from tests.conftest import ADMIN_PASSWORD
from tests.sync_fixtures import *  # noqa: F403
from tests.sync_fixtures import ROOT, DistrictServer, free_port, postgres_reachable, run_district


def enroll(server, code: str, station: str = "GUDONG", **headers) -> httpx.Response:
    with server.http() as client:
        return client.post(
            "/api/v1/enroll", json={"station_code": station, "code": code}, headers=headers
        )


def concurrent(n: int, fn):
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _i: fn(), range(n)))


# ------------------------------------------------------------------ enrollment


def test_one_code_gives_one_credential_under_concurrent_requests(district):
    code = district.enrollment_code("GUDONG")
    answers = concurrent(8, lambda: enroll(district, code))
    assert sorted(a.status_code for a in answers) == [200] + [401] * 7
    assert all("已经使用过" in a.json()["detail"] for a in answers if a.status_code == 401)


def test_one_code_gives_one_credential_in_process_on_sqlite(tmp_path):
    """The same on an SQLite file: eight threads redeeming one code directly."""
    engine = district_db.make_engine(f"sqlite:///{tmp_path / 'district.sqlite'}")
    district_db.init_db(engine)
    sessions = district_db.sessions(engine)
    with sessions() as s, s.begin():
        code, _ = create_enrollment_code(s, "GUXI")

    def redeem():
        try:
            with sessions() as s, s.begin():
                return redeem_enrollment_code(s, "GUXI", code, None)
        except Exception:
            return None

    try:
        assert sum(1 for c in concurrent(8, redeem) if c) == 1
    finally:
        engine.dispose()


def test_re_enrolling_revokes_the_earlier_credential(district):
    first = enroll(district, district.enrollment_code("GUDONG")).json()["credential"]
    second = enroll(district, district.enrollment_code("GUDONG")).json()["credential"]
    with district.http() as client:
        old = client.get("/api/v1/sync/status", headers={"Authorization": f"Bearer {first}"})
        new = client.get("/api/v1/sync/status", headers={"Authorization": f"Bearer {second}"})
    assert old.status_code == 401 and "撤销" in old.json()["detail"]
    assert new.status_code == 200


def test_forwarded_for_from_loopback_does_not_dodge_the_enrollment_throttle(district):
    limit, _window = THROTTLES["enroll-addr"]
    answers = [
        enroll(district, f"WRONG-{i:04d}", **{"X-Forwarded-For": f"198.51.100.{i}"})
        for i in range(limit + 2)
    ]
    assert [a.status_code for a in answers] == [401] * limit + [429, 429]
    assert "Retry-After" in answers[-1].headers


# ------------------------------------------------------------------ admin login


def login_form(client) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def try_login(client, password: str, name: str = "quju") -> httpx.Response:
    token = login_form(client)
    return client.post("/login", data={"csrf_token": token, "name": name, "password": password})


def test_admin_login_locks_out_after_repeated_failures(district):
    district.cli("create-admin", "quju", env={"LABOR_DISTRICT_PASSWORD": ADMIN_PASSWORD})
    limit, _window = THROTTLES["login-account"]
    with district.http(follow_redirects=False) as client:
        codes = [try_login(client, f"wrong-password-{i}").status_code for i in range(limit)]
        assert codes == [401] * limit
        locked = try_login(client, ADMIN_PASSWORD)
        assert locked.status_code == 429 and "次数过多" in locked.text
        # another account is not locked out by it
        district.cli("create-admin", "quju2", env={"LABOR_DISTRICT_PASSWORD": ADMIN_PASSWORD})
        assert try_login(client, ADMIN_PASSWORD, name="quju2").status_code == 303


@pytest.mark.parametrize(
    "password", ["short-pw-1", "password12345", "123456789012", "aaaaaaaaaaaa", "qwertyuiop12"]
)
def test_admin_passwords_must_be_long_and_uncommon(district, password):
    answer = district.cli(
        "create-admin", "quju3", env={"LABOR_DISTRICT_PASSWORD": password}, check=False
    )
    assert answer.returncode != 0 and "密码" in answer.stderr


def test_login_page_shows_only_known_messages(district):
    with district.http() as client:
        forged = client.get("/login", params={"error": "账户异常，请拨打 0591-12345678 核实"})
        assert "0591-12345678" not in forged.text
        known = client.get("/login", params={"error": "expired"})
        assert "登录已过期" in known.text


# ------------------------------------------------------------------ transport and documents


def test_hsts_and_interface_documents_only_for_admins(district):
    district.cli("create-admin", "quju", env={"LABOR_DISTRICT_PASSWORD": ADMIN_PASSWORD})
    with district.http(follow_redirects=False) as client:
        login = client.get("/login")
        assert login.headers["strict-transport-security"].startswith("max-age=")
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code in (303, 401)
        assert try_login(client, ADMIN_PASSWORD).status_code == 303
        schema = client.get("/openapi.json")
        assert schema.status_code == 200 and "/api/v1/sync/batches" in schema.json()["paths"]


def zstd_bomb() -> bytes:
    """200 MB of zeros in a few kilobytes, without a declared size (as a stream writes it)."""
    import io

    out = io.BytesIO()
    with zstandard.ZstdCompressor(level=19).stream_writer(out, closefd=False) as w:
        for _ in range(200):
            w.write(b"\0" * (1 << 20))
    return out.getvalue()


def test_compressed_bodies_need_a_credential_before_they_are_inflated(district, station_a):
    from app.sync import state

    with state.reading(station_a) as s:
        credential = state.get(s, state.CREDENTIAL)
    bomb = zstd_bomb()
    headers = {"Content-Encoding": "zstd", "Content-Type": "application/json"}
    with district.http() as client:
        started = time.monotonic()
        nobody = client.post("/api/v1/sync/batches", content=bomb, headers=headers)
        assert nobody.status_code == 401
        unsigned = client.post(
            "/api/v1/sync/batches",
            content=bomb,
            headers={**headers, "Authorization": f"Bearer {credential}"},
        )
        assert unsigned.status_code == 401 and "签名" in unsigned.json()["detail"]
        assert time.monotonic() - started < 5
        # not the station API: a compressed body may inflate to 64 KB only
        enroll_bomb = client.post("/api/v1/enroll", content=bomb, headers=headers)
        assert enroll_bomb.status_code == 413
        # a signed, authenticated bomb is still held to the 64 MB limit
        signed = {
            **headers,
            "Authorization": f"Bearer {credential}",
            protocol.SIGNATURE_HEADER: "0" * 64,
        }
        big = zstandard.ZstdCompressor(level=19).compress(
            b"\0" * (protocol.MAX_DECOMPRESSED_BYTES + 1)
        )
        assert client.post("/api/v1/sync/batches", content=big, headers=signed).status_code == 413


def test_a_truncated_zstd_body_is_refused(district, station_a):
    from app.sync import state

    with state.reading(station_a) as s:
        credential = state.get(s, state.CREDENTIAL)
    body = protocol.dumps(
        {"protocol": 1, "station_code": "GUDONG", "batch_id": str(uuid.uuid4()), "seq": 1,
         "ack_outbox_seq": 0, "records": []}
    )  # fmt: skip
    key = protocol.signing_key(protocol.parse_credential(credential)[1])
    packed = protocol.compress(body, "zstd")
    headers = {
        "Content-Encoding": "zstd",
        "Content-Type": "application/json",
        "Authorization": f"Bearer {credential}",
        protocol.SIGNATURE_HEADER: protocol.sign(key, body),
    }
    with district.http() as client:
        cut = client.post("/api/v1/sync/batches", content=packed[:-4], headers=headers)
        assert cut.status_code == 400 and "不完整" in cut.json()["detail"]
        whole = client.post("/api/v1/sync/batches", content=packed, headers=headers)
        assert whole.status_code == 200


# ------------------------------------------------------------------ several server processes


@pytest.fixture
def four_workers(district_url, certs):
    if not postgres_reachable() or not district_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL at 127.0.0.1:5432 (several processes share the database)")
    from tests.sync_fixtures import reset_database

    run_district("--database-url", district_url, "init-db")
    reset_database(district_url)
    server = DistrictServer(district_url, certs, free_port())
    import tempfile
    from pathlib import Path

    tmp_blobs = Path(tempfile.mkdtemp(prefix="district-blobs-"))
    server.proc = subprocess.Popen(
        [sys.executable, "-m", "app.district.cli", "--database-url", district_url, "serve",
         "--host", "127.0.0.1", "--port", str(server.port), "--cert", str(certs.server_cert),
         "--key", str(certs.server_key), "--workers", "4"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT),
                       "LABOR_DISTRICT_BLOB_DIR": str(tmp_blobs / "blobs"),
                       "LABOR_DISTRICT_BLOB_KEY_FILE": str(tmp_blobs / "blob.key")},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    with httpx.Client(verify=server.ssl_context(), trust_env=False) as client:
        while True:
            assert server.proc.poll() is None, server.proc.stderr.read().decode()[-2000:]
            with contextlib.suppress(httpx.TransportError):
                if client.get(server.url + "/login", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "four-worker server did not start"
            time.sleep(0.2)
    yield server
    server.stop()


def test_throttles_and_one_time_codes_hold_across_four_server_processes(four_workers):
    server = four_workers
    # a new connection per request, so that the requests spread over the four processes
    code = server.enrollment_code("GUXI")
    answers = concurrent(8, lambda: enroll(server, code, station="GUXI"))
    assert sorted(a.status_code for a in answers) == [200] + [401] * 7

    limit, _window = THROTTLES["enroll-addr"]
    answers = concurrent(limit * 3, lambda: enroll(server, "WRONG-CODE-XXXX", station="GUXI"))
    refused = [a.status_code for a in answers]
    assert refused.count(401) == limit - 7 and refused.count(429) == limit * 2 + 7

    server.cli("create-admin", "quju", env={"LABOR_DISTRICT_PASSWORD": ADMIN_PASSWORD})
    login_limit, _window = THROTTLES["login-account"]

    def wrong_login():
        with server.http(follow_redirects=False) as client:
            return try_login(client, "not-the-password").status_code

    codes = concurrent(login_limit * 3, wrong_login)
    assert codes.count(401) == login_limit and codes.count(429) == login_limit * 2
