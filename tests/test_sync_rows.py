"""The raw row reader of the sync (``app.sync.rows``) against the typed read it replaces.

For every synced table, rows of random values are stored the way the station stores them (the
station's SQLAlchemy types on SQLite) and read twice: raw through ``rows.reader`` and typed
through SQLAlchemy with ``protocol.plain``. The wire data must be the same, value for value.
Then a stored value that cannot travel (an infinite number, broken JSON text) sets its record
aside with a reason while the rest of the batch flows.
"""

from __future__ import annotations

import string
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import orjson
import pytest
import sqlcipher3.dbapi2 as sqlcipher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, Boolean, Date, Float, Integer, String, create_engine, insert, select
from sqlalchemy import text as sql_text

from app.district import db as district_db
from app.district.ingest import apply_batch
from app.district.schemas import parse_batch
from app.domain.enums import TeamRole
from app.store.models import (
    SYNCED_MODELS,
    Base,
    Enterprise,
    OutboxEntry,
    TeamMember,
    TeamTraining,
)
from app.store.models.base import EnumText, Money, UTCDateTime
from app.sync import batches, protocol, rows, state

TEXT = st.text(alphabet=string.ascii_letters + "鼓楼劳动关系调解 0123456789-", max_size=12)
JSON_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**9), 10**9)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
MOMENT = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
) | st.datetimes(  # whole seconds: isoformat leaves out ".000000"
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


def value_strategy(column):
    t = column.type
    if isinstance(t, Money):
        base = st.integers(-(10**12), 10**12).map(lambda fen: Decimal(fen) / 100)
    elif isinstance(t, EnumText):
        base = st.sampled_from(list(t.enum_cls))
    elif isinstance(t, UTCDateTime):
        base = MOMENT
    elif isinstance(t, Date):
        base = st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31))
    elif isinstance(t, Boolean):
        base = st.booleans()
    elif isinstance(t, JSON):
        base = JSON_VALUE
    elif isinstance(t, Float):
        base = st.floats(allow_nan=False, allow_infinity=False, width=64)
    elif isinstance(t, Integer):
        base = st.integers(-(2**62), 2**62)
    elif isinstance(t, String):
        base = TEXT
    else:
        raise AssertionError(f"no strategy for {column.key}: {t!r}")
    if column.primary_key:
        return st.builds(lambda: str(uuid.uuid4()))
    return st.one_of(st.none(), base) if column.nullable else base


def typed_wire(conn, table, rid) -> dict:
    """The wire data as the typed read gives it (SQLAlchemy types, then ``protocol.plain``)."""
    row = conn.execute(select(table).where(table.c.id == rid)).mappings().one()
    return {k: protocol.plain(v) for k, v in row.items()}


def raw_wire(conn, entity, table, rid) -> dict:
    """The wire data read raw, by the Python path (stored values converted in Python)."""
    cursor = conn.connection.dbapi_connection.cursor()
    names = ", ".join(c.name for c in table.columns)
    row = cursor.execute(f"SELECT {names} FROM {table.name} WHERE id = ?", (rid,)).fetchone()
    return rows.reader(entity).data(row)


def sql_wire(conn, entity, table, rid) -> dict:
    """The wire data as SQLite makes it (``json_object``), parsed."""
    cursor = conn.connection.dbapi_connection.cursor()
    sql = f"SELECT {rows.reader(entity).json_sql} FROM {table.name} WHERE id = ?"
    return orjson.loads(cursor.execute(sql, (rid,)).fetchone()[0])


@pytest.fixture(scope="module")
def engine():
    """The station schema on the store's SQLite (SQLCipher's build, unkeyed; foreign keys off:
    rows of random values refer to nothing)."""
    engine = create_engine("sqlite+pysqlite://", module=sqlcipher)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("model", SYNCED_MODELS, ids=lambda m: m.entity_name())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_raw_read_gives_the_wire_data_of_the_typed_read(engine, model, data):
    table = model.__table__
    values = {c.key: data.draw(value_strategy(c), label=c.key) for c in table.columns}
    with engine.connect() as conn:
        conn.execute(insert(table), [values])
        try:
            typed = typed_wire(conn, table, values["id"])
            assert raw_wire(conn, model.entity_name(), table, values["id"]) == typed
            assert sql_wire(conn, model.entity_name(), table, values["id"]) == typed
        finally:
            conn.rollback()  # unique indexes: each example starts from an empty table


def test_money_and_times_keep_their_wire_form(engine):
    table = Enterprise.__table__
    rid = str(uuid.uuid4())
    moment = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(table),
            [
                {
                    "id": rid,
                    "station_code": "GUDONG",
                    "name": "福州测试有限公司",
                    "created_at": moment,
                    "updated_at": moment + timedelta(microseconds=5),
                    "version": 1,
                    "deleted": False,
                    "credit_code_accepted": True,
                    "risk_level": "none",
                    "source": "manual",
                    "last_negotiation_on": date(2026, 1, 9),
                    "local_edits": {"name": "2026-03-01T00:00:00+00:00"},
                }
            ],
        )
        data = raw_wire(conn, "enterprise", table, rid)
        assert sql_wire(conn, "enterprise", table, rid) == data
        assert (
            orjson.loads(
                conn.connection.dbapi_connection.execute(
                    f"SELECT {rows.reader('enterprise').json_sql} FROM enterprise"
                ).fetchone()[0]
            )
            == data
        )  # the text SQLite makes parses to the same values
    assert data["created_at"] == "2026-03-02T08:00:00+00:00"
    assert data["updated_at"] == "2026-03-02T08:00:00.000005+00:00"
    assert data["last_negotiation_on"] == "2026-01-09"
    assert data["credit_code_accepted"] is True and data["deleted"] is False
    assert data["local_edits"] == {"name": "2026-03-01T00:00:00+00:00"}
    assert rows._money(-5) == "-0.05" and rows._money(123456789) == "1234567.89"
    assert rows._money(0) == "0.00" and rows._money(-100) == "-1.00"


def test_a_value_that_cannot_travel_is_set_aside_and_the_rest_flows(store, tmp_path):
    with store.unit_of_work() as s:
        member = TeamMember(name="林调解", role=TeamRole.MEDIATOR)
        good = TeamTraining(member_id=member.id, trained_on=date(2026, 4, 1), title="调解技巧")
        bad = TeamTraining(
            member_id=member.id, trained_on=date(2026, 4, 2), title="劳动法", hours=2.0
        )
        broken = Enterprise(name="内容损坏的企业", local_edits={"name": "x"})
        s.add_all([member, good, bad, broken])
    with state.transaction(store) as s:  # as a damaged or foreign-written store might hold them
        s.execute(sql_text("UPDATE team_training SET hours = 9e999 WHERE id = :id"), {"id": bad.id})
        s.execute(
            sql_text("UPDATE enterprise SET local_edits = '{\"name\": NaN' WHERE id = :id"),
            {"id": broken.id},
        )

    batch = batches.next_batch(store, 100)  # SQL path fails on the bad values: Python path
    sent = {r["id"] for r in batch.records}
    assert sent == {member.id, good.id}
    reasons = {u["id"]: u["reason"] for u in batch.unsendable}
    assert set(reasons) == {bad.id, broken.id}
    assert "hours" in reasons[bad.id] and "有限" in reasons[bad.id]
    assert "local_edits" in reasons[broken.id] and "JSON" in reasons[broken.id]

    engine = district_db.make_engine(f"sqlite:///{tmp_path / 'district.sqlite'}")
    district_db.init_db(engine)
    try:
        ack = apply_batch(
            district_db.sessions(engine),
            "GUDONG",
            parse_batch(protocol.loads(protocol.dumps(batch.payload("GUDONG")))),
        )
    finally:
        engine.dispose()
    assert ack.inserted == 2 and not ack.rejected
    outcome = batches.apply_ack(store, batch, ack.model_dump())
    assert sorted(q[1] for q in outcome.quarantined) == sorted([bad.id, broken.id])
    assert {q.entity_id for q in state.quarantined(store)} == {bad.id, broken.id}
    with store.read() as s:
        assert s.scalars(select(OutboxEntry)).first() is None
