"""schemathesis over the published OpenAPI schema: whatever it sends, never a 5xx.

Runs in-process (ASGI) against a fresh SQLite database, with a real station credential so that the
authenticated endpoints are exercised past the credential check. Bounded (max_examples) for CI.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402

from app.district import db as district_db  # noqa: E402
from app.district.auth import create_enrollment_code, redeem_enrollment_code  # noqa: E402
from app.district.server import ServerConfig, create_app  # noqa: E402


def _app_and_credential(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'district.sqlite'}"
    engine = district_db.make_engine(url)
    district_db.init_db(engine)
    with district_db.sessions(engine)() as s, s.begin():
        code, _ = create_enrollment_code(s, "GUDONG")
        credential = redeem_enrollment_code(s, "GUDONG", code, None)
    engine.dispose()
    return create_app(
        ServerConfig(database_url=url, secure_cookies=False, api_docs=True)
    ), credential


class _Folders:
    """``tmp_path_factory`` stand-in: the schema must exist when the module is collected."""

    def mktemp(self, name: str):
        import tempfile
        from pathlib import Path

        return Path(tempfile.mkdtemp(prefix=f"labor-{name}-"))


APP, CREDENTIAL = _app_and_credential(_Folders())
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    for headers in ({}, {"Authorization": f"Bearer {CREDENTIAL}"}):
        response = case.call(headers={**(case.headers or {}), **headers})
        assert response.status_code < 500, (
            case.method,
            case.path,
            response.status_code,
            response.text[:300],
        )
