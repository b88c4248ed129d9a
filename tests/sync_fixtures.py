"""A real ``labor-district`` process on loopback (TLS, district CA) and station stores enrolled to it.

The server database is PostgreSQL at 127.0.0.1:5432 when it answers (one uniquely named database
per test session, emptied before each server starts, dropped at the end) and an SQLite file
otherwise. Import the fixtures into a test module with ``from tests.sync_fixtures import *``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.district import db as district_db
from app.district.models import Base as DistrictBase
from app.district.tls import make_certs
from app.store.store import Store
from tests.conftest import ADMIN, ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
PG_HOST, PG_PORT = "127.0.0.1", 5432


def postgres_reachable() -> bool:
    if os.environ.get("LABOR_TEST_NO_POSTGRES"):
        return False
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session, or None where there is no server."""
    if not postgres_reachable():
        yield None
        return
    import psycopg

    name = f"labor_district_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_database(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            DistrictBase.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


def reset_database(url: str) -> None:
    """Remove all data (the schema stays) and seed the stations and code lists again."""
    engine = district_db.make_engine(url)
    try:
        with district_db.writer(engine).begin() as conn:
            for table in reversed(DistrictBase.metadata.sorted_tables):
                conn.execute(table.delete())
        district_db.init_db(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def district_url(postgres_url, tmp_path_factory) -> str:
    """An empty district database: PostgreSQL when present, else an SQLite file."""
    if postgres_url:
        _empty_database(postgres_url)
        return postgres_url
    return f"sqlite:///{tmp_path_factory.mktemp('district') / 'district.sqlite'}"


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("certs"), ["127.0.0.1", "localhost"])


def run_district(
    *args: str, env: dict | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.district.cli", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


@dataclass
class DistrictServer:
    database_url: str
    certs: object
    port: int
    proc: subprocess.Popen | None = None
    #: attachment contents (encrypted) and their key file: a temporary folder by default
    blob_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_pem(self) -> str:
        return self.certs.ca_cert.read_text()

    def cli(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return run_district("--database-url", self.database_url, *args, **kwargs)

    def start(self) -> None:
        if self.blob_dir is None:
            import tempfile

            self.blob_dir = Path(tempfile.mkdtemp(prefix="district-blobs-"))
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.district.cli",
                "--database-url",
                self.database_url,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--cert",
                str(self.certs.server_cert),
                "--key",
                str(self.certs.server_key),
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "LABOR_DISTRICT_BLOB_DIR": str(self.blob_dir / "blobs"),
                "LABOR_DISTRICT_BLOB_KEY_FILE": str(self.blob_dir / "blob.key"),
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        with httpx.Client(verify=self.ssl_context(), trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        "district server exited: " + self.proc.stderr.read().decode()[-2000:]
                    )
                with contextlib.suppress(httpx.TransportError):
                    if client.get(self.url + "/login", timeout=2).status_code == 200:
                        return
                time.sleep(0.1)
        raise RuntimeError("district server did not start")

    def ssl_context(self):
        import ssl

        return ssl.create_default_context(cafile=str(self.certs.ca_cert))

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, as when the power goes."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()

    def enrollment_code(self, station: str) -> str:
        """A one-time code, made as ``labor-district enroll`` makes it (in-process: faster)."""
        from app.district.auth import create_enrollment_code

        engine = self.engine()
        try:
            with district_db.sessions(engine)() as s, s.begin():
                return create_enrollment_code(s, station)[0]
        finally:
            engine.dispose()

    def engine(self):
        return district_db.make_engine(self.database_url)

    def http(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=self.ssl_context(), trust_env=False, **kwargs)


@pytest.fixture(scope="module")
def district_server(district_url, certs):
    """One server process per test module (initialised with the real ``init-db`` command)."""
    run_district("--database-url", district_url, "init-db")
    server = DistrictServer(district_url, certs, free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def district(district_server):
    """The module's server with an emptied database, restarted if a test killed it."""
    reset_database(district_server.database_url)
    if district_server.proc is None or district_server.proc.poll() is not None:
        district_server.start()
    return district_server


def make_station(tmp_path: Path, code: str) -> Store:
    store, _ = Store.create(tmp_path / f"station-{code}", code, ADMIN, "站长", ADMIN_PASSWORD)
    return store


def enrolled_station(tmp_path: Path, server: DistrictServer, code: str) -> Store:
    from app.sync import enroll

    store = make_station(tmp_path, code)
    enroll(store, server.url, server.enrollment_code(code), server.ca_pem)
    return store


@pytest.fixture
def station_a(tmp_path, district):
    store = enrolled_station(tmp_path, district, "GUDONG")
    yield store
    store.close()


@pytest.fixture
def station_b(tmp_path, district):
    store = enrolled_station(tmp_path, district, "GUXI")
    yield store
    store.close()


__all__ = [
    "DistrictServer",
    "TcpRelay",
    "_loopback_without_proxy",
    "certs",
    "district",
    "district_server",
    "district_url",
    "enrolled_station",
    "free_port",
    "make_station",
    "postgres_url",
    "reset_database",
    "run_district",
    "station_a",
    "station_b",
]


@pytest.fixture(autouse=True)
def _loopback_without_proxy(monkeypatch):
    """A proxy configured on the test machine must not intercept the loopback server."""
    for name in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(name, "")
        monkeypatch.setenv(name, ",".join(filter(None, [current, "127.0.0.1", "localhost"])))


class TcpRelay:
    """A loopback TCP relay in front of the server (TLS passes through untouched).

    ``drop_reply_after(n, applied)``: on the next connection whose client has sent more than ``n``
    bytes, everything the server sends is thrown away and, once ``applied()`` is true (the server
    has committed the batch), both ends are cut, as when a cable is pulled after the request went
    out: the server has applied the batch, the station never hears so. (Waiting for ``applied``
    matters: TLS 1.3 servers send session tickets after the handshake, which can reach the relay
    after the request did; cutting on those would cut before the server applied anything.)
    With ``connect=True`` it is an HTTP CONNECT proxy instead (for the proxy-settings test).
    """

    def __init__(self, upstream_port: int | None, *, connect: bool = False):
        import threading

        self.upstream_port = upstream_port
        self.connect = connect
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.connect_targets: list[str] = []
        self.dropped = 0
        self._drop_threshold: int | None = None
        self._applied = lambda: True
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def drop_reply_after(self, client_bytes: int, applied=lambda: True) -> None:
        with self._lock:
            self._drop_threshold = client_bytes
            self._applied = applied

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self.listener.close()

    def _accept(self) -> None:
        import threading

        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        import threading

        try:
            if self.connect:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = client.recv(4096)
                    if not chunk:
                        client.close()
                        return
                    head += chunk
                line = head.split(b"\r\n", 1)[0].decode()
                method, target, _ = line.split(" ", 2)
                assert method == "CONNECT", line
                self.connect_targets.append(target)
                host, port = target.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)))
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            client.close()
            return
        sent = [0]
        cut = threading.Event()

        def up():
            try:
                while not cut.is_set():
                    data = client.recv(65536)
                    if not data:
                        break
                    sent[0] += len(data)
                    upstream.sendall(data)
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    upstream.shutdown(socket.SHUT_WR)

        def down():
            try:
                while True:
                    data = upstream.recv(65536)
                    if not data:
                        break
                    with self._lock:
                        threshold = self._drop_threshold
                        drop = threshold is not None and sent[0] > threshold
                        if drop:
                            self._drop_threshold = None
                            applied = self._applied
                    if drop:
                        self.dropped += 1
                        deadline = time.monotonic() + 30
                        while not applied() and time.monotonic() < deadline:
                            time.sleep(0.02)  # swallow what the server sends meanwhile
                        cut.set()
                        break
                    client.sendall(data)
            except OSError:
                pass
            finally:
                for sock in (client, upstream):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()

        threading.Thread(target=up, daemon=True).start()
        down()
