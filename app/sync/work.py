"""Case transfers (移交) and correction requests (退回补正) at sync, station side.

After the records and the attachment contents have gone up (the receiving station reads a
transferred case's attachments from what this station uploaded), every sync

1. reports this station's part not yet reported: transfers it sends (the case's content),
   district orders it could not carry out, its decisions on transfers it received, and the
   correction requests its edits answered (each POST signed like a batch; repeating one is
   harmless);
2. fetches the district's transfer work (``GET /api/v1/transfers``): orders to carry out
   (the case is closed here as 已移交 and sent at once), cases transferred here (kept with their
   attachments until registered or declined), and the outcome of its own transfers (the
   receiving case number written on the sent case: 移交至);
3. fetches the correction requests on its records (``GET /api/v1/corrections``).

A district server without these endpoints (404) is skipped without a problem.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app.store.models import (
    CaseTransfer,
    CaseTransferFile,
    CorrectionRequest,
    DisputeCase,
    utcnow,
)
from app.sync import protocol, state
from app.sync.client import DistrictClient, SyncProblem

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass
class WorkResult:
    transfers_sent: int = 0
    transfers_in: int = 0
    transfers_waiting: int = 0
    corrections_new: int = 0
    corrections_answered: int = 0
    notes: list[str] = field(default_factory=list)


def _post(client: DistrictClient, path: str, payload: dict) -> dict:
    body = protocol.dumps(payload)
    headers = {
        **client._headers(),
        "Content-Type": "application/json",
        protocol.SIGNATURE_HEADER: protocol.sign(client._signing_key or b"", body),
    }
    return client._request("POST", path, content=body, headers=headers)


def _get_bytes(client: DistrictClient, path: str) -> bytes | None:
    try:
        response = client.http.get(path, headers=client._headers())
    except Exception:
        raise SyncProblem("下载移交案件的附件时连接中断，下次同步时重试", retry=True) from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        client._answer(response)
    if len(response.content) > MAX_FILE_BYTES:
        raise SyncProblem("移交案件的附件过大，已跳过")
    return response.content


# ------------------------------------------------------------------ transfers


def _send_out(client: DistrictClient, store, row: CaseTransfer) -> None:
    _post(
        client,
        f"/api/v1/transfers/{row.id}/send",
        {"case_no": row.from_case_no, "to_station": row.to_station, "reason": row.reason,
         "data": row.data},
    )  # fmt: skip
    with state.transaction(store) as s:
        mine = s.get(CaseTransfer, row.id)
        mine.status, mine.reported_at = "sent", utcnow()


def report_transfers(client: DistrictClient, store, result: WorkResult) -> None:
    with store.read() as s:
        pending = list(s.scalars(select(CaseTransfer).where(CaseTransfer.reported_at.is_(None))))
    for row in pending:
        try:
            if row.direction == "out" and row.status == "queued":
                _send_out(client, store, row)
                result.transfers_sent += 1
                continue
            if row.direction == "out" and row.status == "refused":
                _post(client, f"/api/v1/transfers/{row.id}/refuse",
                      {"reason": row.decline_reason or row.reason})  # fmt: skip
            elif row.direction == "in" and row.status in ("accepted", "declined"):
                payload = (
                    {"decision": "accept", "case_no": row.to_case_no}
                    if row.status == "accepted"
                    else {"decision": "decline", "reason": row.decline_reason,
                          "category": row.decline_category}
                )  # fmt: skip
                _post(client, f"/api/v1/transfers/{row.id}/decision", payload)
            else:
                continue
        except SyncProblem as problem:
            if problem.status not in (404, 409):
                raise
            log.warning("transfer report refused (%s)", problem.status)
        with state.transaction(store) as s:
            s.get(CaseTransfer, row.id).reported_at = utcnow()


def _carry_out(client: DistrictClient, store, order: dict, result: WorkResult) -> None:
    """A district admin ordered one of this station's cases to another station."""
    from app.cases.transfers import refuse_order, transfer_out
    from app.store.errors import StoreError

    tid, case_no = str(order["id"]), str(order.get("case_no") or "")
    with store.read() as s:
        if s.get(CaseTransfer, tid) is not None:
            return
        case_id = s.scalar(
            select(DisputeCase.id).where(
                DisputeCase.case_no == case_no, DisputeCase.deleted.is_(False)
            )
        )
    try:
        if case_id is None:
            raise StoreError(f"本站没有案号为 {case_no} 的案件")
        transfer_out(
            store, case_id, str(order.get("to_station") or ""), str(order.get("reason") or ""),
            transfer_id=tid, initiated_by=f"区级 {order.get('initiated_by') or ''}".strip(),
        )  # fmt: skip
    except StoreError as exc:
        refuse_order(store, tid, case_no, str(order.get("to_station") or ""), str(exc))
        result.notes.append(f"区级决定移交的案件 {case_no} 未能移交：{exc}")
        return
    result.notes.append(f"已按区级决定移交案件 {case_no}")


def _receive(client: DistrictClient, store, item: dict, result: WorkResult) -> None:
    tid = str(item["id"])
    with store.read() as s:
        if s.get(CaseTransfer, tid) is not None:
            return
    data = item.get("data") or {}
    files = []
    for seq, f in enumerate(data.get("files") or [], start=1):
        content = _get_bytes(client, f"/api/v1/transfers/{tid}/files/{seq}")
        if content is None:
            result.transfers_waiting += 1
            return  # the sending station has not uploaded it yet: next sync
        if hashlib.sha256(content).hexdigest() != f.get("sha256"):
            raise SyncProblem("移交案件的附件在传输中损坏，下次同步时重试", retry=True)
        files.append((seq, f, content))
    with state.transaction(store) as s:
        s.add(
            CaseTransfer(
                id=tid, direction="in", status="new",
                from_station=str(item.get("from_station") or "")[:16],
                from_case_no=str(item.get("case_no") or "")[:60],
                to_station=store.station.code, reason=str(item.get("reason") or "")[:500],
                received_on=date.fromisoformat(data.get("received_on") or item["received_on"]),
                initiated_by=str(item.get("initiated_by") or "")[:60] or "站点", data=data,
                reported_at=utcnow(),
            )
        )  # fmt: skip
        for seq, f, content in files:
            s.add(
                CaseTransferFile(
                    transfer_id=tid, seq=seq, filename=str(f.get("filename") or "附件")[:200],
                    note=(str(f.get("note") or "") or None), data=content,
                )
            )  # fmt: skip
    result.transfers_in += 1


def _drop_decided_elsewhere(store, offered: set[str]) -> None:
    """Transfers still new here that the district no longer offers: another PC of this station
    registered or declined them (its case arrives by the pull), so they leave this PC's list."""
    with store.read() as s:
        gone = [
            r.id
            for r in s.scalars(
                select(CaseTransfer).where(
                    CaseTransfer.direction == "in", CaseTransfer.status == "new"
                )
            )
            if r.id not in offered
        ]
    if not gone:
        return
    with state.transaction(store) as s:
        for tid in gone:
            for f in s.scalars(select(CaseTransferFile).where(CaseTransferFile.transfer_id == tid)):
                s.delete(f)
            s.delete(s.get(CaseTransfer, tid))


def _outcome(store, item: dict) -> None:
    """The receiving station registered (or declined) a case this station sent."""
    with store.read() as s:
        row = s.get(CaseTransfer, str(item.get("id")))
        if row is None or row.direction != "out" or row.status == item.get("status"):
            return
    with state.transaction(store) as s:
        s.info["replicating"] = True  # the district's news, not an edit answering a request
        row = s.get(CaseTransfer, str(item["id"]))
        row.status = str(item.get("status"))
        row.to_case_no = item.get("to_case_no")
        row.decline_reason = item.get("decline_reason")
        row.decline_category = item.get("decline_category")
        row.decided_at = utcnow()
        case = s.get(DisputeCase, row.case_id) if row.case_id else None
        if case is not None and row.status == "accepted" and row.to_case_no:
            case.transfer_to_case_no = str(row.to_case_no)[:60]


def exchange_transfers(client: DistrictClient, store, result: WorkResult) -> None:
    report_transfers(client, store, result)
    answer = client._request("GET", "/api/v1/transfers", headers=client._headers())
    orders = answer.get("orders") or []
    if orders and not store.user.can_write:
        # closing a case is a change a read-only user cannot make: the next sync by a
        # mediator or the station administrator carries the orders out
        result.notes.append(
            f"区级决定移交的案件 {len(orders)} 件，须由调解员或站点管理员同步时执行"
        )
        orders = []
    for order in orders:
        _carry_out(client, store, order, result)
    report_transfers(client, store, result)  # the orders just carried out go up at once
    offered = answer.get("incoming") or []
    if len(offered) < 200:  # the whole list: what is no longer offered was decided elsewhere
        _drop_decided_elsewhere(store, {str(i.get("id")) for i in offered if isinstance(i, dict)})
    for item in offered:
        try:
            _receive(client, store, item, result)
        except (KeyError, TypeError, ValueError, AttributeError):
            # a malformed transfer must not stop the station's sync: left at the district
            log.warning("a transferred case could not be read")
            result.notes.append("有一件移交的案件内容无法读取，已跳过：请联系区人社局")
    for item in answer.get("outcomes") or []:
        _outcome(store, item)


# ------------------------------------------------------------------ correction requests


def exchange_corrections(client: DistrictClient, store, result: WorkResult) -> None:
    with store.read() as s:
        answered = list(
            s.scalars(
                select(CorrectionRequest).where(
                    CorrectionRequest.status == "answered", CorrectionRequest.reported_at.is_(None)
                )
            )
        )
    for row in answered:
        try:
            _post(
                client,
                f"/api/v1/corrections/{row.id}/answer",
                {"fields": row.answer_fields or [], "version": row.answer_version,
                 "answered_by": _user_name(store, row.answered_by)},
            )  # fmt: skip
        except SyncProblem as problem:
            if problem.status != 404:
                raise
        with state.transaction(store) as s:
            s.get(CorrectionRequest, row.id).reported_at = utcnow()
        result.corrections_answered += 1
    answer = client._request("GET", "/api/v1/corrections", headers=client._headers())
    items = answer.get("items") or []
    with state.transaction(store) as s:
        for item in items:
            row = s.get(CorrectionRequest, str(item["id"]))
            if row is None:
                s.add(
                    CorrectionRequest(
                        id=str(item["id"]), entity=str(item["entity"])[:40],
                        record_id=str(item["record_id"])[:36],
                        record_label=str(item.get("record_label") or "")[:200],
                        field=str(item.get("field") or "")[:60],
                        field_label=str(item.get("field_label") or "")[:60],
                        message=str(item.get("message") or ""),
                        due_on=date.fromisoformat(item["due_on"]),
                        requested_by=str(item.get("requested_by") or "")[:60],
                        requested_at=_when(item.get("requested_at")),
                        status="answered" if item.get("status") == "answered" else "open",
                        reported_at=utcnow() if item.get("status") == "answered" else None,
                    )
                )  # fmt: skip
                result.corrections_new += item.get("status") != "answered"
            elif item.get("status") == "answered" and row.status == "open":
                # answered from another PC of the station
                row.status, row.reported_at = "answered", utcnow()


def _when(text):
    from datetime import datetime

    try:
        return datetime.fromisoformat(text) if text else utcnow()
    except ValueError:
        return utcnow()


def _user_name(store, user_id: str | None) -> str | None:
    if not user_id:
        return None
    from app.store.models import UserAccount

    with store.read() as s:
        account = s.get(UserAccount, user_id)
        return account.display_name if account else None


def exchange_work(client: DistrictClient, store) -> WorkResult:
    """Transfers, then correction requests. Never raises for a server without them (404)."""
    result = WorkResult()
    for step in (exchange_transfers, exchange_corrections):
        try:
            step(client, store, result)
        except SyncProblem as problem:
            if problem.status == 404 and "没有这个地址" in str(problem):
                continue  # a district server from before transfers and correction requests
            raise
    return result
