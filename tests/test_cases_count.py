"""The case list's maintained count (``case_count``, kept by SQL triggers): after any mix of
inserts, updates (one row or many) and deletes it equals COUNT(*), and ``count_cases`` answers
with it what COUNT(*) would."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from app.cases import workflow
from app.cases.queries import CaseFilter, count_cases
from app.domain.enums import CaseStatus
from app.store import migrate
from app.store.engine import writer
from app.store.models import CaseCount, DisputeCase
from tests.cases_support import RECEIVED, EnterpriseChoice, register, worker

STATUSES = [s.value for s in CaseStatus]
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """A plain SQLite file with the station schema: the triggers are the same SQL as in the
    encrypted store, and a module-wide file keeps the examples fast."""
    path = tmp_path_factory.mktemp("count") / "count.db"
    eng = create_engine(f"sqlite:///{path}")
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


def _row(i: int, status: str, collective: bool, migrant: bool, deleted: bool) -> dict:
    return {
        "id": str(uuid.uuid4()), "case_no": f"(2026)测试第{i:06d}号-{uuid.uuid4().hex[:6]}",
        "case_year": 2026, "case_seq": i, "status": status, "intake_channel": "walk_in",
        "oral_application": False, "received_on": date(2026, 1, 1) + timedelta(days=i % 300),
        "registered_at": NOW + timedelta(minutes=i), "is_collective": collective,
        "is_migrant_worker": migrant, "is_construction": False, "station_code": "GUDONG",
        "created_at": NOW, "updated_at": NOW, "version": 1, "deleted": deleted,
    }  # fmt: skip


flags = st.tuples(st.sampled_from(STATUSES), st.booleans(), st.booleans(), st.booleans())
operation = st.one_of(
    st.tuples(st.just("insert"), st.lists(flags, min_size=1, max_size=5)),
    st.tuples(st.just("update"), st.integers(0, 10_000), flags),
    st.tuples(st.just("bulk"), st.sampled_from(STATUSES), flags),
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
    st.tuples(st.just("undelete_all"), st.sampled_from(STATUSES)),
)


def _apply(s: Session, op, seq: list[int]) -> None:
    ids = list(s.scalars(select(DisputeCase.id).order_by(DisputeCase.case_seq)))
    kind = op[0]
    if kind == "insert":
        rows = []
        for status, coll, migr, deleted in op[1]:
            seq[0] += 1
            rows.append(_row(seq[0], status, coll, migr, deleted))
        s.execute(insert(DisputeCase), rows)
    elif kind == "update" and ids:
        status, coll, migr, deleted = op[2]
        s.execute(
            update(DisputeCase)
            .where(DisputeCase.id == ids[op[1] % len(ids)])
            .values(status=status, is_collective=coll, is_migrant_worker=migr, deleted=deleted)
        )
    elif kind == "bulk":  # many rows at once, as an import or a sync batch writes them
        status, coll, migr, deleted = op[2]
        s.execute(
            update(DisputeCase)
            .where(DisputeCase.status == op[1])
            .values(status=status, is_collective=coll, deleted=deleted)
        )
    elif kind == "delete" and ids:
        s.execute(delete(DisputeCase).where(DisputeCase.id == ids[op[1] % len(ids)]))
    elif kind == "undelete_all":
        s.execute(update(DisputeCase).where(DisputeCase.status == op[1]).values(deleted=False))


def _exact(s: Session) -> dict:
    return {
        (st_, bool(c), bool(m)): n
        for st_, c, m, n in s.execute(
            select(
                DisputeCase.status,
                DisputeCase.is_collective,
                DisputeCase.is_migrant_worker,
                func.count(),
            )
            .where(DisputeCase.deleted.is_(False))
            .group_by(DisputeCase.status, DisputeCase.is_collective, DisputeCase.is_migrant_worker)
        )
    }


def _maintained(s: Session) -> dict:
    return {
        (r.status, bool(r.is_collective), bool(r.is_migrant_worker)): r.n
        for r in s.scalars(select(CaseCount))
        if r.n
    }


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=st.lists(operation, min_size=1, max_size=12),
    query=st.tuples(
        st.lists(st.sampled_from(list(CaseStatus)), max_size=3, unique=True),
        st.booleans(),
        st.booleans(),
    ),
)
def test_maintained_count_equals_count_star(engine, ops, query):
    with Session(engine) as s:
        s.begin()
        try:
            seq = [s.scalar(select(func.coalesce(func.max(DisputeCase.case_seq), 0)))]
            for op in ops:
                _apply(s, op, seq)
            assert _maintained(s) == _exact(s)
            assert all(n >= 0 for n in s.scalars(select(CaseCount.n)))
            statuses, collective, migrant = query
            f = CaseFilter(statuses=tuple(statuses), collective=collective, migrant=migrant)
            where = [DisputeCase.deleted.is_(False)]
            if statuses:
                where.append(DisputeCase.status.in_([x.value for x in statuses]))
            if collective:
                where.append(DisputeCase.is_collective.is_(True))
            if migrant:
                where.append(DisputeCase.is_migrant_worker.is_(True))
            expected = s.scalar(select(func.count()).select_from(DisputeCase).where(*where))
            assert count_cases(s, f) == expected
        finally:
            s.rollback()


def test_migration_counts_the_cases_already_there(engine):
    """Upgrading a store that has cases fills the count from them (0004 -> 0010)."""
    from alembic import command

    cfg = migrate.alembic_config()
    with Session(engine) as s, s.begin():
        s.execute(delete(DisputeCase))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    with Session(engine) as s, s.begin():
        s.execute(
            insert(DisputeCase),
            [
                _row(i, STATUSES[i % len(STATUSES)], i % 3 == 0, i % 5 == 0, i % 7 == 0)
                for i in range(40)
            ],
        )
    migrate.upgrade(engine)
    with Session(engine) as s:
        assert _maintained(s) == _exact(s) and sum(_exact(s).values()) == 40 - 6
        s.execute(text("DELETE FROM dispute_case"))
        s.commit()


def test_count_follows_the_workflow_in_the_encrypted_store(store):
    a = register(store)
    with store.read() as s:
        employer = s.scalar(select(DisputeCase.respondent_id).where(DisputeCase.id == a.case_id))
    register(
        store, workers=[worker("李娜", seq=31)], respondent=EnterpriseChoice(enterprise_id=employer)
    )
    with store.read() as s:
        assert count_cases(s, CaseFilter()) == 2
        assert count_cases(s, CaseFilter(statuses=(CaseStatus.REGISTERED,))) == 2
    workflow.change_status(
        store,
        a.case_id,
        CaseStatus.DECLINED,
        reason="已进入仲裁程序",
        decline_category="pending_elsewhere",
        today=RECEIVED,
    )
    with store.read() as s:
        assert count_cases(s, CaseFilter(statuses=(CaseStatus.REGISTERED,))) == 1
        assert count_cases(s, CaseFilter(statuses=(CaseStatus.DECLINED,))) == 1
        assert count_cases(s, CaseFilter()) == 2
    with writer(store.engine).begin() as conn:  # deleted (as sync applies a deletion)
        conn.execute(update(DisputeCase).where(DisputeCase.id == a.case_id).values(deleted=True))
    with store.read() as s:
        assert count_cases(s, CaseFilter()) == 1
        assert count_cases(s, CaseFilter(statuses=(CaseStatus.DECLINED,))) == 0
