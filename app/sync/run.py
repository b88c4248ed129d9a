"""One sync pass (``sync_once``) and enrollment (``enroll``): plain Python, called by the GUI worker,
the command line and the tests alike."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select

from app.logsetup import describe_exception
from app.store.changes import mark_changed
from app.store.errors import StoreError
from app.store.models import (
    DistrictNotice,
    OutboxEntry,
    QuarantinedRecord,
    ReferenceItem,
    SyncLogEntry,
    utcnow,
)
from app.sync import batches, codelists, protocol, state
from app.sync.client import DistrictClient, SyncProblem, normalise_server_url

log = logging.getLogger(__name__)

NOT_ENROLLED = "本站尚未登记到区级服务器：请站点管理员在“同步”页面填写服务器地址、登记码和 CA 证书"


@dataclass
class SyncResult:
    ok: bool = False
    #: records sent (each record once per batch, also when sent again after an interruption)
    sent: int = 0
    #: outbox entries the server acknowledged (removed from the outbox)
    acknowledged: int = 0
    #: records the server rejected in this pass, set aside with their reasons
    quarantined: int = 0
    #: reference items and notices received from the district
    received: int = 0
    batches: int = 0
    #: batches the server had already applied (answered from its record of them)
    replayed: int = 0
    waiting: int = 0
    #: records written by the station's other PCs, received and applied (protocol 2)
    pulled: int = 0
    #: attachment contents uploaded to and downloaded from the district (protocol 2)
    blobs_up: int = 0
    blobs_down: int = 0
    #: fields two PCs changed differently, waiting for the station administrator (protocol 2)
    conflicts: int = 0
    #: cases transferred here (移交) and received; correction requests (退回补正) received, and
    #: those this station's edits answered and reported
    transfers_in: int = 0
    corrections_new: int = 0
    corrections_answered: int = 0
    problem: str | None = None
    reasons: list[str] = field(default_factory=list)
    #: what the pass could not do but that does not make it fail (e.g. no case-number block)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"发送 {self.sent} 条，确认 {self.acknowledged} 条，退回 {self.quarantined} 条，"
            f"收到区级数据 {self.received} 条，收到本站其他电脑的记录 {self.pulled} 条，"
            f"仍待发送 {self.waiting} 条"
        )
        if self.notes:
            text += "。注意：" + "；".join(self.notes)
        return text if self.ok else f"{text}。问题：{self.problem}"


class Cancelled(Exception):
    pass


def _check_cancel(cancel) -> None:
    if cancel is not None and (cancel() if callable(cancel) else bool(cancel)):
        raise Cancelled()


def _client(store, server_url: str | None, encoding: str) -> DistrictClient:
    with state.reading(store) as s:
        url = server_url or state.get(s, state.SERVER_URL)
        credential = state.get(s, state.CREDENTIAL)
        ca_pem = state.get(s, state.CA_PEM)
    if not credential or not url:
        raise SyncProblem(NOT_ENROLLED)
    return DistrictClient(url, ca_pem=ca_pem, credential=credential, encoding=encoding)


def _waiting(store) -> int:
    with state.reading(store) as s:
        from sqlalchemy import func

        return s.scalar(select(func.count(func.distinct(OutboxEntry.entity_id)))) or 0


def _drop_pending(store) -> None:
    with state.transaction(store) as s:
        state.put(s, state.PENDING, None)


def _quarantine_single(store, batch: batches.Batch, reason: str) -> int:
    """A one-record batch the server refused as malformed: set the record aside, drop its entries."""
    now = utcnow()
    with state.transaction(store) as s:
        for rec in batch.records:
            s.add(
                QuarantinedRecord(
                    entity=rec["entity"],
                    entity_id=rec["id"],
                    version=int(rec["version"]),
                    reason=reason,
                    at=now,
                )
            )
        s.execute(delete(OutboxEntry).where(OutboxEntry.seq <= batch.last_outbox_seq))
        state.put(s, state.PENDING, None)
    return len(batch.records)


def _send(
    client: DistrictClient,
    store,
    batch: batches.Batch,
    station_code: str,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
    cancel,
) -> dict:
    attempt = 0
    renumbered = False
    while True:
        _check_cancel(cancel)
        if batch.encoded is None or batch.encoded[0] != batch.seq:
            batch.encoded = (
                batch.seq,
                client.encode(batch.payload(station_code, client.protocol_version)),
            )
        try:
            return client.send_encoded(batch.encoded[1])
        except SyncProblem as problem:
            expected = problem.body.get("expected_seq") if problem.status == 409 else None
            if isinstance(expected, int) and not renumbered:
                batches.renumber_pending(store, expected)
                batch.seq = expected
                renumbered = True
                continue
            if problem.retry and attempt < retries:
                delay = min(backoff * (2**attempt), 30.0) * (0.75 + random.random() / 2)
                attempt += 1
                log.info("sync batch %s: retry %s in %.1fs", batch.seq, attempt, delay)
                sleep(delay)
                continue
            raise


def sync_once(
    store,
    *,
    server_url: str | None = None,
    batch_records: int = protocol.DEFAULT_BATCH_RECORDS,
    retries: int = 3,
    backoff: float = 1.0,
    encoding: str = "zstd",
    progress: Callable[[int, int, str], None] | None = None,
    cancel=None,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncResult:
    """Send everything waiting in the outbox, then pull the district's reference data and notices.

    Never raises for a sync problem: the result says what happened (``problem`` in plain Chinese),
    and the same text is kept as the station's last problem for the 同步 page.
    """
    result = SyncResult()
    started = utcnow()
    limit = max(1, min(batch_records, protocol.MAX_BATCH_RECORDS))
    total = _waiting(store)
    try:
        station_code = store.station.code
        with _client(store, server_url, encoding) as client, ThreadPoolExecutor(1) as ahead:
            client.probe_protocol()

            def read_ahead(after: batches.Batch) -> batches.Batch | None:
                nxt = batches.prepare_after(store, after.last_outbox_seq, after.seq + 1, limit)
                if nxt is not None:
                    nxt.encoded = (
                        nxt.seq,
                        client.encode(nxt.payload(station_code, client.protocol_version)),
                    )
                return nxt

            batch = batches.next_batch(store, limit)
            while batch is not None:
                _check_cancel(cancel)
                # the next batch is read and encoded while this one travels and is applied
                upcoming = ahead.submit(read_ahead, batch)
                try:
                    ack = _send(client, store, batch, station_code, retries, backoff, sleep, cancel)
                except SyncProblem as problem:
                    upcoming.result()
                    if problem.status == 413 and batch.entries > 1:
                        _drop_pending(store)
                        limit = max(1, batch.entries // 2)
                        batch = batches.next_batch(store, limit)
                        continue
                    if problem.status == 422:
                        # one malformed record must not block the queue: halve until it is alone
                        _drop_pending(store)
                        if batch.entries > 1:
                            limit = max(1, batch.entries // 2)
                        else:
                            n = _quarantine_single(store, batch, f"区级服务器拒收：{problem}")
                            result.quarantined += n
                            result.reasons.append(str(problem))
                        batch = batches.next_batch(store, limit)
                        continue
                    raise
                result.sent += len(batch.records)
                result.batches += 1
                # the acknowledgement and the adoption of the batch read ahead: one transaction
                nxt = upcoming.result()
                outcome = batches.apply_ack(store, batch, ack, then=nxt)
                result.acknowledged += outcome.acknowledged
                result.quarantined += len(outcome.quarantined)
                result.reasons.extend(reason for _e, _i, reason in outcome.quarantined)
                result.replayed += int(outcome.duplicate)
                if progress:
                    progress(
                        min(result.acknowledged, total), max(total, result.acknowledged), "正在发送"
                    )
                batch = nxt if outcome.adopted else batches.next_batch(store, limit)
            result.received = _pull_reference(client, store)
            from app.sync.applications import exchange_applications

            exchange_applications(client, store)

            _replicate(client, store, result, progress, cancel)
            _exchange_work(client, store, result)
        codelists.use_district_code_lists(store)
        result.ok = True
    except SyncProblem as problem:
        result.problem = str(problem)
    except Cancelled:
        result.problem = "同步已取消，未发送的数据会在下次同步时发送"
    except StoreError as exc:
        result.problem = f"读写本机数据时出错：{exc}"
    except Exception as exc:  # never let the worker die silently; no personal data in the log
        log.error("sync pass failed: %s", describe_exception(exc))
        result.problem = (
            "同步时发生意外错误，已记录错误位置（不含个人信息）。待发送的数据保存在本机，不会丢失"
        )
    result.waiting = _waiting(store)
    _finish(store, result, started)
    return result


def _exchange_work(client: DistrictClient, store, result: SyncResult) -> None:
    """Case transfers and correction requests (after the attachments went up: a transfer's
    files are read from them)."""
    from app.sync.work import exchange_work

    work = exchange_work(client, store)
    result.transfers_in += work.transfers_in
    result.corrections_new += work.corrections_new
    result.corrections_answered += work.corrections_answered
    if work.transfers_in:
        result.notes.append(f"收到移交本站的案件 {work.transfers_in} 件（调解案件 → 移交案件）")
    if work.transfers_waiting:
        result.notes.append(
            f"{work.transfers_waiting} 件移交案件的附件移交站点尚未上传，下次同步时再取"
        )
    if work.corrections_new:
        result.notes.append(f"收到区级退回补正 {work.corrections_new} 条（见工作台）")
    if work.corrections_answered:
        result.notes.append(f"已向区级报送补正 {work.corrections_answered} 条")
    result.notes.extend(work.notes)


def _replicate(client: DistrictClient, store, result: SyncResult, progress, cancel) -> None:
    """Protocol 2: the station's records from its other PCs, then case numbers."""
    from app.sync import numbers, pull

    if client.protocol_version < 2:
        return  # a district server that speaks protocol 1 only

    def pulled(done: int, high: int) -> None:
        if progress:
            progress(done, high, "正在接收本站其他电脑的记录")

    try:
        outcome = pull.pull_all(client, store, progress=pulled, cancel=cancel)
    except SyncProblem as problem:
        if problem.status == 404:
            return  # a district server that speaks protocol 1 only
        raise
    result.pulled += outcome.applied
    result.quarantined += outcome.refused
    from app.sync import blobs

    moved = blobs.upload_all(client, store, cancel=cancel)
    blobs.download_missing(client, store, moved, cancel=cancel)
    result.blobs_up += moved.uploaded
    result.blobs_down += moved.downloaded
    if moved.missing:
        result.notes.append(
            f"{moved.missing} 个附件的内容区级服务器尚未收到（其他电脑尚未上传），下次同步时再取"
        )
    try:
        numbers.refill(client, store)
    except SyncProblem as problem:
        if problem.status != 409:
            raise
        result.notes.append(str(problem))
    from app.sync import audit_upload, users

    accounts = users.exchange(client, store)
    result.notes.extend(accounts.notes)

    audit = audit_upload.upload_all(client, store, cancel=cancel)
    audit_upload.fetch_others(client, store, cancel=cancel)
    if audit.refused:
        result.notes.append(
            f"{audit.refused} 条操作记录与区级已收到的同编号记录不一致（本机可能从旧备份恢复过），"
            "区级保留先收到的记录"
        )
    devices = client.devices()
    with state.transaction(store) as s:
        state.put(s, state.DEVICES, devices)
    from app.sync import conflicts

    result.conflicts = len(conflicts.refresh(client, store))


def _finish(store, result: SyncResult, started: datetime) -> None:
    with state.transaction(store) as s:
        s.add(
            SyncLogEntry(
                started_at=started,
                finished_at=utcnow(),
                ok=result.ok,
                sent=result.sent,
                acknowledged=result.acknowledged,
                quarantined=result.quarantined,
                received=result.received,
                problem=result.problem,
            )
        )
        if result.ok:
            state.put(s, state.LAST_SUCCESS, utcnow().isoformat())
            state.put(s, state.LAST_PROBLEM, None)
        else:
            state.put(s, state.LAST_PROBLEM, result.problem)


def _pull_reference(client: DistrictClient, store) -> int:
    received = 0
    for _ in range(100):
        with state.reading(store) as s:
            since = int(state.get(s, state.REFERENCE_REV, 0))
        answer = client.reference(since)
        rev = int(answer.get("rev", since))
        items, notices = answer.get("items") or [], answer.get("notices") or []
        with state.transaction(store) as s:
            if items:
                mark_changed(s, "reference_item")  # the store tells the windows after the commit
            if notices:
                mark_changed(s, "district_notice")
            for item in items:
                row = s.scalar(
                    select(ReferenceItem).where(
                        ReferenceItem.kind == item["kind"], ReferenceItem.code == item["code"]
                    )
                )
                if row is None:
                    row = ReferenceItem(kind=item["kind"], code=item["code"])
                    s.add(row)
                row.name = item["name"]
                row.data = item.get("data")
                row.active = bool(item.get("active", True))
                row.version = int(item.get("version", 1))
                row.updated_at = utcnow()
            for n in notices:
                if s.get(DistrictNotice, n["id"]) is None:
                    s.add(
                        DistrictNotice(
                            id=n["id"],
                            title=n["title"],
                            body=n["body"],
                            published_at=datetime.fromisoformat(n["published_at"]),
                        )
                    )
            state.put(s, state.REFERENCE_REV, rev)
        received += len(items) + len(notices)
        if rev <= since or (not items and not notices):
            break
    return received


def enroll(store, server_url: str, code: str, ca_pem: str | None) -> str:
    """Redeem a one-time enrollment code; the credential is kept encrypted in the store.

    Returns the station name the district confirmed. Raises :class:`SyncProblem` (Chinese text).
    """
    store.require_admin()
    url = normalise_server_url(server_url)
    ca_pem = checked_ca(url, ca_pem)
    if not (code or "").strip():
        raise SyncProblem("请填写区人社局提供的登记码")
    with DistrictClient(url, ca_pem=ca_pem) as client:
        answer = client.enroll(store.station.code, code.strip(), store.keys.store_id)
    credential = answer.get("credential")
    if not isinstance(credential, str) or protocol.parse_credential(credential) is None:
        raise SyncProblem("区级服务器的答复不完整，登记未完成，请重试")
    save_enrollment(store, url, ca_pem, answer)
    log.info("station enrolled with the district server")
    return str(answer.get("station_name") or store.station.name)


def checked_ca(url: str, ca_pem: str | None) -> str | None:
    if url.startswith("https://") and ca_pem:
        text = ca_pem.strip()
        if "BEGIN CERTIFICATE" not in text:
            raise SyncProblem(
                "所选文件不是 PEM 格式的证书：请选择区人社局提供的 CA 证书（.pem 文件）"
            )
        return text + "\n"
    return ca_pem


def save_enrollment(store, url: str, ca_pem: str | None, answer: dict) -> None:
    with state.transaction(store) as s:
        state.put(s, state.SERVER_URL, url)
        state.put(s, state.CA_PEM, ca_pem)
        state.put(s, state.CREDENTIAL, answer["credential"])
        state.put(s, state.DEVICE_ID, answer.get("device_id"))
        state.put(s, state.ENROLLED_AT, utcnow().isoformat())
        state.put(s, state.LAST_PROBLEM, None)


def set_server_url(store, server_url: str) -> str:
    url = normalise_server_url(server_url)
    with state.transaction(store) as s:
        state.put(s, state.SERVER_URL, url)
    return url


def retire_device(store, device_id: str) -> None:
    """The station administrator retires one of the station's PCs at the district: its
    credential stops working at once (its unused case numbers are listed as voided)."""
    store.require_admin()
    with _client(store, None, "zstd") as client:
        client.revoke_device(device_id)
        devices = client.devices()
    with state.transaction(store) as s:
        state.put(s, state.DEVICES, devices)
