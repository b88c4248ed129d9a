"""Protocol 2, station side: attachment contents to and from the district, by SHA-256.

* **Up:** every content in the store that the district does not hold yet (no ``blob_upload``
  row) goes in parts of 4 MB, resumed at the first byte the district lacks (it says how much it
  has); the district checks the SHA-256 of the whole and acknowledges the file, and the
  acknowledgement is recorded here in its own transaction. Idempotent by construction: the same
  content is the same name.
* **Down:** every attachment of the station whose content is missing here (pulled from another
  PC, or a restore) is downloaded, checked against its SHA-256 and stored in the encrypted store
  in one transaction. A content the district does not have yet (the other PC has not uploaded
  it) is tried again at the next sync; the attachment says so meanwhile.
"""

from __future__ import annotations

import hashlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select

from app.store.models import Attachment, BlobChunk, BlobUpload, utcnow
from app.sync import state

PART = 4 * 1024 * 1024
#: downloaded contents written per transaction (at most this much held in memory)
GROUP_BYTES = 24 * 1024 * 1024
#: contents fetched ahead of the one being written (one request at a time, in order)
AHEAD = 4


@dataclass
class BlobResult:
    uploaded: int = 0
    uploaded_bytes: int = 0
    downloaded: int = 0
    downloaded_bytes: int = 0
    missing: int = 0


def _check_cancel(cancel) -> None:
    if cancel is not None:
        from app.sync.run import _check_cancel as check

        check(cancel)


def upload_all(client, store, result: BlobResult | None = None, *, cancel=None) -> BlobResult:
    result = result or BlobResult()
    with state.reading(store) as s:
        todo = s.execute(
            select(BlobChunk.sha256, BlobChunk.size).where(
                BlobChunk.sha256.not_in(select(BlobUpload.sha256))
            )
        ).all()
    for sha, size in todo:
        _check_cancel(cancel)
        status = client.blob_status(sha)
        if not status.get("stored"):
            with state.reading(store) as s:
                content = s.scalar(select(BlobChunk.content).where(BlobChunk.sha256 == sha))
            offset = int(status.get("received") or 0)
            answer = status
            while offset < len(content):
                _check_cancel(cancel)
                part = content[offset : offset + PART]
                answer = client.put_blob_part(sha, offset, len(content), part)
                offset += len(part)
            if not answer.get("stored"):
                continue
            result.uploaded += 1
            result.uploaded_bytes += size
        with state.transaction(store) as s:
            if s.get(BlobUpload, sha) is None:
                s.add(BlobUpload(sha256=sha, at=utcnow()))
    return result


def download_missing(
    client, store, result: BlobResult | None = None, *, cancel=None, progress=None
) -> BlobResult:
    from app.sync.client import SyncProblem

    result = result or BlobResult()
    with state.reading(store) as s:
        todo = list(
            s.scalars(
                select(Attachment.sha256)
                .where(Attachment.deleted.is_(False))
                .where(Attachment.sha256.not_in(select(BlobChunk.sha256)))
                .distinct()
            )
        )
    group: list[tuple[str, bytes]] = []
    group_bytes = 0

    def store_group() -> None:
        nonlocal group_bytes
        if not group:
            return
        with state.transaction(store) as s:
            for sha, data in group:
                if s.get(BlobChunk, sha) is None:
                    s.add(BlobChunk(sha256=sha, size=len(data), content=data))
                if s.get(BlobUpload, sha) is None:
                    s.add(BlobUpload(sha256=sha, at=utcnow()))
        result.downloaded += len(group)
        result.downloaded_bytes += group_bytes
        group.clear()
        group_bytes = 0

    def fetch(sha: str) -> bytes | None:
        try:
            return client.get_blob(sha)
        except SyncProblem as problem:
            if problem.status == 404:
                return None
            raise

    # the next contents travel while these are checked and written; contents are written a few
    # at a time (one transaction, one disk flush, per GROUP_BYTES)
    with ThreadPoolExecutor(1) as ahead:
        queued = deque(ahead.submit(fetch, sha) for sha in todo[:AHEAD])
        for i, sha in enumerate(todo):
            _check_cancel(cancel)
            data = queued.popleft().result()
            if i + AHEAD < len(todo):
                queued.append(ahead.submit(fetch, todo[i + AHEAD]))
            if data is None or hashlib.sha256(data).hexdigest() != sha:
                result.missing += 1  # not uploaded yet, or damaged on the way: next time
                continue
            group.append((sha, data))
            group_bytes += len(data)
            if group_bytes >= GROUP_BYTES:
                store_group()
            if progress:
                progress(i + 1, len(todo))
        store_group()
    return result
