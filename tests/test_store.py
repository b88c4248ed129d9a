from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.domain.enums import ChangeOp, Role
from app.store.changes import HardDeleteRefused, soft_delete
from app.store.errors import Conflict, PermissionDenied, StoreExists, StoreNotFound
from app.store.models import (
    AgreementTerm,
    AuditEvent,
    CaseCounter,
    DisputeCase,
    Enterprise,
    MediationAgreement,
    OutboxEntry,
    Person,
    utcnow,
)
from app.store.store import Store
from tests.conftest import ADMIN, ADMIN_PASSWORD, STATION


def test_round_trip_survives_reopen(store, data_dir):
    with store.unit_of_work() as s:
        e = Enterprise(name="福州闽江软件有限公司", credit_code="91350100M000100Y43")
        s.add(e)
        s.add(Person(name="陈小明", id_number="11010519491231002X", employer_id=e.id))
    store.close()
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as again, again.read() as s:
        e = s.scalars(select(Enterprise)).one()
        p = s.scalars(select(Person)).one()
        assert e.name == "福州闽江软件有限公司" and e.station_code == STATION
        assert p.employer_id == e.id and p.id_number == "11010519491231002X"
        assert again.station.name == "鼓东街道"


def test_database_file_is_not_plain_sqlite(store):
    with store.unit_of_work() as s:
        s.add(Enterprise(name="甲"))
    assert not store.db_path.read_bytes().startswith(b"SQLite format 3")


def test_every_change_writes_audit_and_outbox_in_same_transaction(store):
    with store.unit_of_work() as s:
        e = Enterprise(name="乙公司")
        s.add(e)
    with store.unit_of_work() as s:
        s.get(Enterprise, e.id).industry = "软件"
    with store.unit_of_work() as s:
        soft_delete(s, s.get(Enterprise, e.id))
    with store.read() as s:
        outbox = s.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)).all()
        assert [(o.op, o.version) for o in outbox] == [
            (ChangeOp.INSERT, 1),
            (ChangeOp.UPDATE, 2),
            (ChangeOp.DELETE, 3),
        ]
        audit = s.scalars(select(AuditEvent).where(AuditEvent.entity == "enterprise")).all()
        assert [a.action for a in audit] == ["insert", "update", "delete"]
        assert audit[1].changes == {"industry": [None, "软件"]}
        row = s.get(Enterprise, e.id)
        assert row.version == 3 and row.deleted and row.updated_by == store.user.id


def test_failed_transaction_leaves_nothing(store):
    with pytest.raises(RuntimeError), store.unit_of_work() as s:
        s.add(Enterprise(name="丙"))
        s.flush()
        raise RuntimeError("power cut")
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == 0


def test_personal_fields_are_not_copied_into_audit(store):
    with store.unit_of_work() as s:
        p = Person(name="王五", phone="13900000000")
        s.add(p)
    with store.unit_of_work() as s:
        s.get(Person, p.id).phone = "13911112222"
    with store.read() as s:
        change = s.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one().changes
        assert change == {"phone": "changed"}


def test_hard_delete_is_refused(store):
    with store.unit_of_work() as s:
        e = Enterprise(name="丁")
        s.add(e)
    with pytest.raises(HardDeleteRefused), store.unit_of_work() as s:
        s.delete(s.get(Enterprise, e.id))


def test_stale_edit_is_a_conflict(store):
    with store.unit_of_work() as s:
        e = Enterprise(name="戊")
        s.add(e)
    with store.read() as s:
        stale = s.get(Enterprise, e.id)
    with store.unit_of_work() as s:
        s.get(Enterprise, e.id).phone = "0591-87000000"
    with pytest.raises(Conflict), store.unit_of_work() as s:
        s.add(stale)
        stale.industry = "制造"


def test_money_is_exact(store):
    with store.unit_of_work() as s:
        case = DisputeCase(
            case_no="x",
            case_year=2026,
            case_seq=1,
            status="registered",
            intake_channel="walk_in",
            received_on=date(2026, 1, 5),
            registered_at=utcnow(),
        )
        s.add(case)
        agreement = MediationAgreement(case_id=case.id)
        s.add(agreement)
        for i, amount in enumerate(["0.10", "0.20", "12345.675"]):
            s.add(
                AgreementTerm(
                    agreement_id=agreement.id,
                    seq=i,
                    kind="payment",
                    description="工资",
                    amount=Decimal(amount),
                )
            )
    with store.read() as s:
        amounts = [t.amount for t in s.scalars(select(AgreementTerm).order_by(AgreementTerm.seq))]
        assert amounts == [Decimal("0.10"), Decimal("0.20"), Decimal("12345.68")]
        assert sum(amounts) == Decimal("12345.98")


def test_read_only_user_cannot_write(store, data_dir):
    store.add_user("viewer", "督查员", Role.READ_ONLY, "Viewer-pass-1")
    with Store.open(data_dir, "viewer", "Viewer-pass-1") as viewer:
        with pytest.raises(PermissionDenied), viewer.unit_of_work() as s:
            s.add(Enterprise(name="己"))
        with viewer.read() as s:
            assert s.scalar(select(func.count()).select_from(CaseCounter)) == 0


def test_mediator_cannot_manage_users(store, data_dir):
    store.add_user("med", "调解员", Role.MEDIATOR, "Mediator-pass-1")
    with Store.open(data_dir, "med", "Mediator-pass-1") as med, pytest.raises(PermissionDenied):
        med.add_user("x", "x", Role.MEDIATOR, "Whatever-pass-1")


def test_create_refuses_existing_and_open_refuses_missing(store, data_dir, tmp_path):
    with pytest.raises(StoreExists):
        Store.create(data_dir, STATION, "other", "x", "Another-pass-1")
    with pytest.raises(StoreNotFound):
        Store.open(tmp_path / "nothing-here", ADMIN, ADMIN_PASSWORD)


def test_settings_are_kept_in_the_store(store):
    store.set_setting("idle_lock_minutes", 7)
    assert store.get_setting("idle_lock_minutes") == 7
    assert store.get_setting("missing", "d") == "d"


def test_two_connections_write_concurrently_without_losing_rows(store):
    import threading

    errors = []

    def worker(prefix):
        try:
            for i in range(20):
                with store.unit_of_work() as s:
                    s.add(Enterprise(name=f"{prefix}{i}"))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(p,)) for p in "AB"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 40


def test_foreign_keys_are_enforced_at_commit(store):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), store.unit_of_work() as s:
        s.add(Person(name="赵六", employer_id="00000000-0000-0000-0000-000000000000"))
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 0
