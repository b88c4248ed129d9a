"""Defect 5: no stored value takes the district dashboard down.

Records with extreme values in every date and number field (and lists or objects where codes
belong) are written straight into the district database, as if stored before ingest checked
them or by a newer server; every dashboard page, the export and the admin API still answer 200.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Boolean, Date, Float, Integer, Numeric, String
from sqlalchemy.types import DateTime

from app.district import db as district_db
from app.district.models import StationRecord
from app.store.models import MODEL_BY_ENTITY
from app.store.models.base import EnumText, Money
from tests.conftest import ADMIN_PASSWORD
from tests.sync_fixtures import *  # noqa: F403

ENTITIES = [
    "dispute_case",
    "mediation_agreement",
    "performance_record",
    "enterprise_visit",
    "finding",
    "activity",
    "team_member",
    "model_unit",
    "enterprise",
]
EXTREMES = {
    "far future": {"date": "9999-12-31", "datetime": "9999-12-31T23:59:59+00:00",
                   "int": 2**62, "float": 1e308, "money": "1E+999999", "text": "=1+1"},
    "far past": {"date": "0001-01-01", "datetime": "0001-01-01T00:00:00",
                 "int": -(2**62), "float": -1e308, "money": "-1E+999999", "text": "\x00"},
    "wrong types": {"date": ["2026-01-01"], "datetime": {"a": 1}, "int": "many",
                    "float": [1.5], "money": {"yuan": 1}, "text": ["open"]},
    "not dates": {"date": "2026-02-30", "datetime": "yesterday", "int": True,
                  "float": "NaN", "money": "NaN", "text": {"status": "open"}},
}  # fmt: skip


def kind_of(col) -> str | None:
    t = col.type
    if isinstance(t, Money):
        return "money"
    if isinstance(t, DateTime):
        return "datetime"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, Boolean):
        return None
    if isinstance(t, Integer):
        return "int"
    if isinstance(t, Float | Numeric):
        return "float"
    if isinstance(t, EnumText | String):
        return "text"
    return None


def extreme_records(station: str) -> list[dict]:
    rows = []
    for values in EXTREMES.values():
        for entity in ENTITIES:
            model = MODEL_BY_ENTITY[entity]
            rid = str(uuid.uuid4())
            data = {"id": rid, "station_code": station, "version": 1, "deleted": False}
            for col in model.__table__.columns:
                kind = kind_of(col)
                if kind and col.key not in data:
                    data[col.key] = values[kind]
            data["year"] = datetime.now(UTC).year  # also counted in this year's figures
            rows.append(
                {
                    "entity": entity,
                    "id": rid,
                    "station_code": station,
                    "version": 1,
                    "deleted": False,
                    "data": data,
                    "received_at": datetime.now(UTC),
                    "credit_code": "91350102MA2XYZ1234" if entity == "enterprise" else None,
                }
            )
    return rows


@pytest.fixture
def admin_client(district):
    district.cli("create-admin", "quju", env={"LABOR_DISTRICT_PASSWORD": ADMIN_PASSWORD})
    client = district.http(follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/login",
        data={"csrf_token": token, "name": "quju", "password": ADMIN_PASSWORD},
    )
    assert answer.status_code == 303, answer.text[:500]
    yield client
    client.close()


def test_every_dashboard_page_survives_extreme_stored_values(district, admin_client):
    engine = district_db.make_engine(district.database_url)
    try:
        with district_db.writer(engine).begin() as conn:
            for station in ("GUDONG", "GUXI"):
                conn.execute(StationRecord.__table__.insert(), extreme_records(station))
    finally:
        engine.dispose()
    year = datetime.now(UTC).year
    for path in (
        "/dashboard",
        f"/dashboard?year={year}",
        "/dashboard?year=2100",
        "/dashboard?year=2000",
        "/dashboard/enterprises",
        "/dashboard/export.xlsx",
        f"/dashboard/export.xlsx?year={year}",
        "/api/v1/admin/summary",
        "/dashboard/notices",
        "/dashboard/reference",
    ):
        answer = admin_client.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        assert len(answer.content) < 5_000_000, path  # no million-digit amounts
    summary = admin_client.get("/api/v1/admin/summary").json()
    assert all(len(row["recovered"]) < 30 for row in summary)


def test_a_logged_out_client_sees_nothing(district):
    with httpx.Client(base_url=district.url, verify=district.ssl_context()) as client:
        answer = client.get("/dashboard", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login"
