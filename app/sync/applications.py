"""Online applications at sync: decisions go up, newly routed applications come down.

The district routes each online application (``/apply`` or an imported platform export) to the
station of the street the applicant chose. At every sync the station

1. reports its decisions not yet reported (accept with the registered case number, or decline
   with a reason: ``POST /api/v1/applications/{id}/decision``, signed like a batch; repeating
   one is harmless), then
2. fetches the applications routed to it and not yet decided (``GET /api/v1/applications``)
   with their evidence files, kept in the encrypted store (:class:`OnlineApplication`); an
   undecided one the district no longer offers (re-routed to another station) is removed.

Authenticated by the station's existing credential; a district server without these endpoints
(404) is skipped without a problem.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date

from sqlalchemy import select

from app.store.models import OnlineApplication, OnlineApplicationFile, utcnow
from app.sync import protocol
from app.sync.client import DistrictClient, SyncProblem

log = logging.getLogger(__name__)

MAX_EVIDENCE_BYTES = 8 * 1024 * 1024


def _get_bytes(client: DistrictClient, path: str) -> bytes:
    try:
        response = client.http.get(path, headers=client._headers())
    except Exception:
        raise SyncProblem("下载网上申请的证据材料时连接中断，下次同步时重试", retry=True) from None
    if response.status_code != 200:
        client._answer(response)  # raises with the server's reason
    if len(response.content) > MAX_EVIDENCE_BYTES:
        raise SyncProblem("网上申请的证据材料过大，已跳过")
    return response.content


def report_decisions(client: DistrictClient, store) -> int:
    with store.read() as s:
        pending = list(
            s.scalars(
                select(OnlineApplication).where(
                    OnlineApplication.status.in_(("accepted", "declined")),
                    OnlineApplication.reported_at.is_(None),
                )
            )
        )
    sent = 0
    for row in pending:
        payload = (
            {"decision": "accept", "case_no": row.case_no}
            if row.status == "accepted"
            else {"decision": "decline", "reason": row.decline_reason}
        )
        body = protocol.dumps(payload)
        headers = {
            **client._headers(),
            "Content-Type": "application/json",
            protocol.SIGNATURE_HEADER: protocol.sign(client._signing_key or b"", body),
        }
        try:
            client._request(
                "POST", f"/api/v1/applications/{row.id}/decision", content=body, headers=headers
            )
        except SyncProblem as problem:
            if problem.status not in (404, 409):
                raise
            # 404: re-routed elsewhere meanwhile; 409: decided differently before. Either way
            # the district will not take this decision: keep it here, stop sending it.
            log.warning("decision on an online application refused (%s)", problem.status)
        with store.unit_of_work() as s:
            s.get(OnlineApplication, row.id).reported_at = utcnow()
        sent += 1
    return sent


def fetch_applications(client: DistrictClient, store) -> int:
    answer = client._request("GET", "/api/v1/applications", headers=client._headers())
    items = answer.get("items", []) if isinstance(answer, dict) else []
    with store.read() as s:
        known = set(s.scalars(select(OnlineApplication.id)))
    offered = {item.get("id") for item in items if isinstance(item, dict)}
    if len(items) < 500:  # the whole list: what is no longer offered was re-routed elsewhere
        _drop_withdrawn(store, offered)
    new = 0
    for item in items:
        if not isinstance(item, dict) or item.get("id") in known:
            continue
        files = []
        for ev in item.get("evidence") or []:
            data = _get_bytes(client, f"/api/v1/applications/{item['id']}/evidence/{ev['seq']}")
            if hashlib.sha256(data).hexdigest() != ev.get("sha256"):
                raise SyncProblem("网上申请的证据材料在传输中损坏，下次同步时重试", retry=True)
            files.append((ev, data))
        with store.unit_of_work() as s:
            s.add(
                OnlineApplication(
                    id=item["id"],
                    reference=str(item["reference"])[:20],
                    received_on=date.fromisoformat(item["received_on"]),
                    data=item,
                    status="new",
                )
            )
            for ev, data in files:
                s.add(
                    OnlineApplicationFile(
                        application_id=item["id"],
                        seq=int(ev["seq"]),
                        filename=str(ev["filename"])[:120],
                        content_type=str(ev["content_type"])[:40],
                        data=data,
                    )
                )
        new += 1
    return new


def _drop_withdrawn(store, offered: set) -> None:
    """Undecided applications the district no longer routes here (a district admin re-routed
    them to another station) leave the list; decided ones stay as the station's record."""
    with store.unit_of_work() as s:
        gone = [
            row
            for row in s.scalars(select(OnlineApplication).where(OnlineApplication.status == "new"))
            if row.id not in offered
        ]
        for row in gone:
            for f in s.scalars(
                select(OnlineApplicationFile).where(OnlineApplicationFile.application_id == row.id)
            ):
                s.delete(f)
            s.delete(row)


def exchange_applications(client: DistrictClient, store) -> int:
    """Report decisions, then fetch new applications. Returns how many came in."""
    try:
        report_decisions(client, store)
        return fetch_applications(client, store)
    except SyncProblem as problem:
        if problem.status == 404 and "没有这个地址" in str(problem):
            return 0  # a district server from before online applications
        raise
