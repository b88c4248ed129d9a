"""End to end: a real ``labor-district`` process (TLS, pinned CA) and real encrypted station stores."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.district.models import StationRecord, SyncBatch
from app.district.reference import publish_notice
from app.domain.enums import CaseStatus
from app.store.models import (
    DisputeCase,
    DistrictNotice,
    Enterprise,
    OutboxEntry,
    Person,
    QuarantinedRecord,
    ReferenceItem,
)
from app.sync import state, sync_once
from tests.sync_fixtures import *  # noqa: F403
from tests.sync_fixtures import TcpRelay, make_station

pytestmark = pytest.mark.slow


def add_enterprises(
    store, n: int, prefix: str = "企业", credit_codes: list[str] | None = None
) -> list[str]:
    ids = []
    with store.unit_of_work() as s:
        for i in range(n):
            e = Enterprise(
                name=f"{prefix}{i}", credit_code=credit_codes[i] if credit_codes else None
            )
            s.add(e)
            ids.append(e.id)
    return ids


def server_rows(server, station: str | None = None) -> dict[tuple[str, str], int]:
    engine = server.engine()
    try:
        with engine.connect() as conn:
            q = select(StationRecord.entity, StationRecord.id, StationRecord.version)
            if station:
                q = q.where(StationRecord.station_code == station)
            return {(e, i): v for e, i, v in conn.execute(q)}
    finally:
        engine.dispose()


def batch_totals(server, station: str) -> tuple[int, int, int, int]:
    engine = server.engine()
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(SyncBatch.inserted), 0),
                    func.coalesce(func.sum(SyncBatch.updated), 0),
                    func.coalesce(func.sum(SyncBatch.unchanged), 0),
                ).where(SyncBatch.station_code == station)
            ).one()
            return tuple(int(x) for x in row)
    finally:
        engine.dispose()


def outbox_count(store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(OutboxEntry))


def test_two_stations_sync_and_receive_district_data(district, station_a, station_b):
    a_ids = add_enterprises(station_a, 30, "鼓东企业")
    with station_a.unit_of_work() as s:
        s.add(
            DisputeCase(
                case_no="(2026)鼓楼鼓东劳调字第0001号",
                case_year=2026,
                case_seq=1,
                status=CaseStatus.IN_MEDIATION,
                intake_channel="walk_in",
                received_on=date(2026, 3, 2),
                registered_at=station_a.station.created_at,
            )
        )
    b_ids = add_enterprises(station_b, 20, "鼓西企业")
    engine = district.engine()
    from app.district.db import sessions

    with sessions(engine)() as s, s.begin():
        publish_notice(s, "关于报送年度五个一材料的通知", "请各站点于年底前完成同步。", "admin")
    engine.dispose()

    ra, rb = sync_once(station_a), sync_once(station_b)
    assert ra.ok and rb.ok, (ra.problem, rb.problem)
    assert (ra.sent, ra.acknowledged, ra.quarantined) == (31, 31, 0)
    assert (rb.sent, rb.acknowledged) == (20, 20)
    rows = server_rows(district)
    assert {i for (_e, i) in rows} >= set(a_ids) | set(b_ids)
    assert set(server_rows(district, "GUDONG")) >= {("enterprise", i) for i in a_ids}
    assert set(server_rows(district, "GUXI")) == {("enterprise", i) for i in b_ids}
    assert outbox_count(station_a) == 0 and outbox_count(station_b) == 0
    # district data flowed down: the shipped code lists and the notice
    with station_a.read() as s:
        kinds = set(s.scalars(select(ReferenceItem.kind)))
        assert {"dispute_type", "intake_channel"} <= kinds
        assert [n.title for n in s.scalars(select(DistrictNotice))] == [
            "关于报送年度五个一材料的通知"
        ]
    status = state.status(station_a)
    assert (
        status.waiting == 0 and status.last_problem is None and status.last_success_at is not None
    )
    assert status.unread_notices == 1

    # an edit goes up as a new version; nothing else is sent again
    with station_a.unit_of_work() as s:
        s.get(Enterprise, a_ids[0]).phone = "0591-87654321"
    again = sync_once(station_a)
    assert again.ok and again.sent == 1 and again.received == 0
    assert server_rows(district, "GUDONG")[("enterprise", a_ids[0])] == 2


def test_server_killed_mid_pass_every_record_exactly_once(district, station_a):
    ids = add_enterprises(station_a, 2400)
    killed = 0
    for target in (3, 9):
        results = []
        worker = threading.Thread(
            target=lambda out=results: out.append(
                sync_once(station_a, batch_records=100, retries=0)
            )
        )
        worker.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and batch_totals(district, "GUDONG")[0] < target:
            time.sleep(0.01)
        district.kill()
        killed += 1
        worker.join(60)
        assert results and not results[0].ok
        assert "无法连接" in results[0].problem or "中断" in results[0].problem
        assert outbox_count(station_a) > 0  # nothing dropped without an acknowledgement
        district.start()
    final = sync_once(station_a, batch_records=100)
    assert final.ok, final.problem
    assert outbox_count(station_a) == 0
    rows = server_rows(district, "GUDONG")
    assert set(rows) == {("enterprise", i) for i in ids}
    assert all(v == 1 for v in rows.values())
    _batches, inserted, updated, unchanged = batch_totals(district, "GUDONG")
    # every record applied exactly once; a batch applied before the kill whose answer was lost
    # was answered from the server's record of it, not applied again
    assert (inserted, updated) == (2400, 0)
    assert unchanged == 0
    assert killed == 2


def test_lost_acknowledgement_is_answered_as_a_replay(district, tmp_path):
    relay = TcpRelay(district.port)
    try:
        store = make_station(tmp_path, "GUDONG")
        from app.sync import enroll

        enroll(
            store,
            f"https://127.0.0.1:{relay.port}",
            district.enrollment_code("GUDONG"),
            district.ca_pem,
        )
        ids = add_enterprises(store, 300)
        # the first batch's answer is lost after the server applied it
        relay.drop_reply_after(4000, applied=lambda: batch_totals(district, "GUDONG")[0] >= 1)
        result = sync_once(store, batch_records=150, retries=3, backoff=0.05)
        assert result.ok, result.problem
        assert relay.dropped == 1
        assert result.replayed == 1
        assert set(server_rows(district, "GUDONG")) == {("enterprise", i) for i in ids}
        batches, inserted, updated, unchanged = batch_totals(district, "GUDONG")
        assert (batches, inserted, updated, unchanged) == (2, 300, 0, 0)
        assert outbox_count(store) == 0
        store.close()
    finally:
        relay.close()


def test_replayed_batch_changes_nothing(district, station_a):
    from app.sync import batches
    from app.sync.run import _client

    ids = add_enterprises(station_a, 40)
    batch = batches.next_batch(station_a, 100)
    with _client(station_a, None, "gzip") as client:
        first = client.send_batch(batch.payload("GUDONG"))
        assert not first["duplicate"] and first["inserted"] == 40
        before = server_rows(district)
        # the station edits a record and sends it; then the old batch arrives again
        batches.apply_ack(station_a, batch, first)
        with station_a.unit_of_work() as s:
            s.get(Enterprise, ids[0]).name = "改名后的企业"
        assert sync_once(station_a).ok
        after_edit = server_rows(district)
        assert after_edit[("enterprise", ids[0])] == 2
        replay = client.send_batch(batch.payload("GUDONG"))
    assert replay["duplicate"] is True
    assert {k: replay[k] for k in ("inserted", "updated", "unchanged")} == {
        k: first[k] for k in ("inserted", "updated", "unchanged")
    }
    assert server_rows(district) == after_edit
    assert len(before) == 40
    assert batch_totals(district, "GUDONG")[0] == 2


def test_station_credentials_reach_only_their_own_records(district, station_a, station_b):
    from app.sync import batches
    from app.sync.client import SyncProblem
    from app.sync.run import _client

    b_ids = add_enterprises(station_b, 3, "鼓西企业")
    assert sync_once(station_b).ok
    b_batch_id = None
    engine = district.engine()
    with engine.connect() as conn:
        b_batch_id = conn.execute(
            select(SyncBatch.batch_id).where(SyncBatch.station_code == "GUXI")
        ).scalar()
    engine.dispose()

    # A's store holds a copy of one of B's records (a copied data folder) and edits it
    with station_b.read() as s:
        b_record = s.get(Enterprise, b_ids[0])
    with station_a.unit_of_work() as s:
        s.add(Enterprise(id=b_record.id, name="冒用的记录", credit_code=None))
    own = add_enterprises(station_a, 2)
    result = sync_once(station_a)
    assert result.ok and result.quarantined == 1
    assert "鼓西街道" in result.reasons[0] and "本站创建" in result.reasons[0]
    rows = server_rows(district)
    assert rows[("enterprise", b_ids[0])] == 1  # B's record untouched
    assert {("enterprise", i) for i in own} <= set(server_rows(district, "GUDONG"))

    with _client(station_a, None, "zstd") as client:
        # a batch in B's name with A's credential
        add_enterprises(station_a, 1)
        batch = batches.next_batch(station_a)
        with pytest.raises(SyncProblem) as refused:
            client.send_batch(batch.payload("GUXI"))
        assert refused.value.status == 403 and "本站" in str(refused.value)
        # reading B's batch, the district's summary: not with a station credential
        own_status = client.status()
        assert own_status["station_code"] == "GUDONG"
        r = client.http.get(f"/api/v1/sync/batches/{b_batch_id}", headers=client._headers())
        assert r.status_code == 404
        r = client.http.get("/api/v1/admin/summary", headers=client._headers())
        assert r.status_code == 401
        r = client.http.get("/dashboard", headers=client._headers(), follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"

    # revoked: the station is told in plain words
    district.cli("revoke", "GUDONG")
    revoked = sync_once(station_a)
    assert not revoked.ok and "撤销" in revoked.problem
    assert state.status(station_a).last_problem == revoked.problem


def test_rejected_record_is_quarantined_while_the_rest_syncs(district, station_a):
    good = add_enterprises(station_a, 50)
    with station_a.unit_of_work() as s:
        bad = Person(name="张" * 70)  # longer than the 60 characters the field allows
        s.add(bad)
    result = sync_once(station_a)
    assert result.ok
    assert (result.acknowledged, result.quarantined) == (51, 1)
    assert "name" in result.reasons[0] and "60" in result.reasons[0]
    assert set(server_rows(district, "GUDONG")) == {("enterprise", i) for i in good}
    quarantined = state.quarantined(station_a)
    assert [(q.entity, q.entity_id) for q in quarantined] == [("person", bad.id)]
    assert outbox_count(station_a) == 0
    assert sync_once(station_a).sent == 0  # not sent again by itself

    # the user corrects it: the new version flows and the quarantine entry is resolved
    with station_a.unit_of_work() as s:
        s.get(Person, bad.id).name = "张三"
    fixed = sync_once(station_a)
    assert fixed.ok and fixed.sent == 1 and fixed.quarantined == 0
    assert ("person", bad.id) in server_rows(district, "GUDONG")
    assert state.quarantined(station_a) == []
    with station_a.read() as s:
        assert s.scalar(select(QuarantinedRecord.resolved_at)) is not None


def test_enrollment_codes_are_one_time_and_the_ca_is_pinned(district, tmp_path, certs):
    from app.district.tls import make_ca
    from app.sync import enroll
    from app.sync.client import SyncProblem

    code = district.enrollment_code("WENQUAN")
    first = make_station(tmp_path, "WENQUAN")
    other_ca, _ = make_ca(tmp_path / "other-ca")
    with pytest.raises(SyncProblem, match="证书"):
        enroll(first, district.url, code, other_ca.read_text())  # a server this CA did not sign
    with pytest.raises(SyncProblem, match="登记码不正确"):
        enroll(first, district.url, "AAAA-BBBB-CCCC-DDDD", district.ca_pem)
    assert enroll(first, district.url, code, district.ca_pem) == "温泉街道"
    second = make_station(tmp_path / "copy", "WENQUAN")
    with pytest.raises(SyncProblem, match="已经使用过"):
        enroll(second, district.url, code, district.ca_pem)
    expired = district.cli("enroll", "WENQUAN", "--hours", "0").stdout.split()[-1]
    with pytest.raises(SyncProblem, match="过期"):
        enroll(second, district.url, expired, district.ca_pem)
    # the credential is kept in the encrypted store, not in any file beside it
    credential = first.get_setting(state.CREDENTIAL)
    assert credential.startswith("lst1.")
    for path in first.data_dir.rglob("*"):
        if path.is_file():
            assert credential.encode() not in path.read_bytes()
    first.close()
    second.close()


def test_sync_goes_through_the_configured_proxy(district, station_a, monkeypatch):
    proxy = TcpRelay(None, connect=True)
    try:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        add_enterprises(station_a, 5)
        result = sync_once(station_a)
        assert result.ok, result.problem
        assert proxy.connect_targets and proxy.connect_targets[0] == f"127.0.0.1:{district.port}"
    finally:
        proxy.close()


def test_money_and_dates_arrive_as_text(district, station_a):
    from app.domain.enums import TermKind
    from app.store.models import AgreementTerm, MediationAgreement, PerformanceRecord

    with station_a.unit_of_work() as s:
        case = DisputeCase(
            case_no="(2026)鼓楼鼓东劳调字第0002号",
            case_year=2026,
            case_seq=2,
            status=CaseStatus.PERFORMING,
            intake_channel="walk_in",
            received_on=date(2026, 4, 1),
            registered_at=station_a.station.created_at,
        )
        agreement = MediationAgreement(case_id=case.id)
        term = AgreementTerm(
            agreement_id=agreement.id,
            seq=1,
            kind=TermKind.PAYMENT,
            description="工资",
            amount=Decimal("12345.67"),
            due_on=date(2026, 5, 1),
        )
        paid = PerformanceRecord(
            term_id=term.id, performed_on=date(2026, 4, 20), amount=Decimal("5000.10")
        )
        s.add_all([case, agreement, term, paid])
    assert sync_once(station_a).ok
    engine = district.engine()
    with engine.connect() as conn:
        data = conn.execute(select(StationRecord.data).where(StationRecord.id == term.id)).scalar()
    engine.dispose()
    assert data["amount"] == "12345.67" and data["due_on"] == "2026-05-01"
    assert data["kind"] == "payment"
