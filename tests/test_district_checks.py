"""The generated field checks of the district server against the column rules they are made from.

``ingest.compile_checker`` turns each entity's column rules (``ingest._column_rule``) into
straight-line code. Here the same rules are applied by a plain loop to records with random good
and bad values (hypothesis), for every synced table: both must agree on whether a record is
acceptable, and on the field a refusal names.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.district import ingest
from app.store.models import SYNCED_MODELS
from app.sync import protocol

ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["2026-05-01", "2026-02-30", "2026-05-01T08:00:00+00:00", "12.50", "x" * 250]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
)


def reference_problem(model, data: dict) -> tuple[str, str] | None:
    """``(kind of problem, field)`` by a plain loop over the column rules, or None."""
    known = {c.key for c in model.__table__.columns}
    for key, value in data.items():
        if key not in known and value is not None and ingest._large_or_deep(value):
            return "size", key
    for col in model.__table__.columns:
        v = data.get(col.key)
        if v is None:
            if not col.nullable and not col.primary_key:
                return "missing", col.key
            continue
        rule = ingest._column_rule(col)
        if rule is None:
            continue
        kind, arg, _message = rule
        if kind == "text":
            if type(v) is not str:
                return "type", col.key
            if len(v) > min(arg, protocol.MAX_RECORD_BYTES) and arg > protocol.MAX_RECORD_BYTES:
                return "size", col.key
            if len(v) > arg:
                return "type", col.key
            if ingest._CONTROL.search(v):
                return "type", col.key
        elif (kind == "bool" and type(v) is not bool) or (
            kind == "int" and (type(v) is not int or not ingest.INT_MIN <= v <= ingest.INT_MAX)
        ):
            return "type", col.key
        elif kind == "json" and ingest._large_or_deep(v):
            return "size", col.key
        elif kind == "call" and not arg(v):
            return "type", col.key
    return None


@pytest.mark.parametrize("model", SYNCED_MODELS, ids=lambda m: m.entity_name())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_checks_agree_with_the_column_rules(model, data):
    columns = list(model.__table__.columns)
    record = {}
    for col in columns:
        if data.draw(st.booleans(), label=f"set {col.key}"):
            record[col.key] = data.draw(ANY, label=col.key)
    if data.draw(st.booleans(), label="unknown field"):
        record["field_of_a_newer_station"] = data.draw(ANY, label="unknown value")
    expected = reference_problem(model, record)
    got = ingest.field_problem(model.entity_name(), record)
    if expected is None:
        assert got is None, got
    else:
        assert got is not None
        kind, key = expected
        if kind == "size":
            assert any(w in got for w in ("过大", "嵌套", "超出范围", "控制字符")), got
        else:
            assert f"“{key}”" in got, (got, expected)


def test_a_typical_record_passes_and_each_kind_of_fault_is_named():
    good = {
        "id": "6f1c2d4e-1111-4222-8333-123456789abc",
        "station_code": "GUDONG",
        "version": 1,
        "deleted": False,
        "name": "福州测试有限公司",
        "created_at": "2026-01-05T08:00:00+00:00",
        "updated_at": "2026-01-05T08:00:00+00:00",
        "credit_code_accepted": False,
        "risk_level": "none",
        "source": "manual",
        "local_edits": {"name": "2026-01-05T08:00:00+00:00"},
    }
    check = ingest.CHECKERS["enterprise"]
    assert check(good) is None
    assert "name" in check({**good, "name": "x" * 201})
    assert "缺少" in check({k: v for k, v in good.items() if k != "name"})
    assert "risk_level" in check({**good, "risk_level": "extreme"})
    assert "employee_count" in check({**good, "employee_count": True})
    assert "created_at" in check({**good, "created_at": "yesterday"})
    assert "过大" in check({**good, "newer_field": "x" * (protocol.MAX_RECORD_BYTES + 1)})
    assert check({**good, "newer_field": "a value this server does not know"}) is None
    assert "嵌套" in check({**good, "local_edits": [[[[[[[[[[[[[[1]]]]]]]]]]]]]]})
    assert "def check(data):" in check.source
