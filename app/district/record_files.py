"""A station record's attachments on the district dashboard (issue 11, "attachments travel").

The station's attachment records reach the district as ``StationRecord`` rows of entity
``attachment`` (owner kind and id, file name, MIME type, size, SHA-256); their contents arrive
separately, encrypted at rest (:mod:`app.district.blobs`, one ``StoredBlob`` row per content).

* ``/dashboard/station-audit/record/files``: the attachments of a record (a case, a visit, an
  activity, an enterprise …) and of its parts (a case's agreements and sessions, a visit's
  findings …): file name, kind in Chinese, size, SHA-256 (校验码), uploaded or still missing.
* ``/dashboard/station-audit/record/files/{attachment_id}``: one file, decrypted on the fly,
  never cached (``Cache-Control: no-store``), with its Chinese file name.

District **admins** only: the files are scanned agreements and photos, the most personal part of
a record. A reviewer or viewer is refused (403); a street-limited admin gets "not found" for
another street's record, as for one that does not exist. Every look at the list and every
download is written to the district's own audit log (the entry names the record and the file's
kind, never the file name, which may hold a person's name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import trail
from app.district import roles
from app.district.blobs import BlobError
from app.district.dashboard import Admin, base_context_for, client_address, render
from app.district.models import StationRecord, StoredBlob
from app.store.attachments import KIND_LABELS as FILE_KINDS
from app.store.attachments import kind_label
from app.sync import protocol

#: who may list and download a record's attachments
FILE_READERS = frozenset({"admin"})

roles.ACTION_LABELS.setdefault("record.files", "查看站点记录的附件列表")
roles.ACTION_LABELS.setdefault("record.file", "下载站点记录的附件")

_SHA = re.compile(r"^[0-9a-f]{64}$")
_NOT_FOUND = "没有找到这条记录"


@dataclass(frozen=True)
class RecordFile:
    id: str
    filename: str
    mime_type: str
    kind: str
    size: int
    sha256: str
    #: the content is held (encrypted) at the district
    stored: bool
    #: which part of the record it is attached to ("调解案件", "调解协议书（1a2b3c4d）" …)
    owner: str
    note: str


def may_read_files(user: roles.DistrictUser) -> bool:
    return user.role in FILE_READERS


def require_file_reader(user: roles.DistrictUser) -> None:
    if not may_read_files(user):
        raise roles.RoleError(
            f"您的角色（{user.role_label}）不能查看站点记录的附件，仅限区级管理员"
        )


def size_label(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _file(row: StationRecord, entity: str, record_id: str, stored: set[str]) -> RecordFile | None:
    data = row.data or {}
    sha = str(data.get("sha256") or "")
    if not _SHA.match(sha):
        return None
    owner_entity = str(data.get("owner_entity") or "")
    owner_id = str(data.get("owner_id") or "")
    owner = trail.KIND_LABELS.get(owner_entity, owner_entity)
    if owner_entity != entity or owner_id != record_id:
        owner = f"{owner}（{owner_id[:8]}）"
    mime = str(data.get("mime_type") or "")
    size = data.get("size")
    return RecordFile(
        id=row.id,
        filename=str(data.get("filename") or f"附件-{row.id[:8]}"),
        mime_type=mime,
        kind=kind_label(mime),
        size=size if isinstance(size, int) and not isinstance(size, bool) else 0,
        sha256=sha,
        stored=sha in stored,
        owner=owner,
        note=str(data.get("note") or ""),
    )


def record_files(s: Session, station_code: str, entity: str, record_id: str) -> list[RecordFile]:
    """The live attachments of the record and of its parts, in file-name order."""
    from app.district.station_audit import _record_family

    ids = sorted(_record_family(s, station_code, entity, record_id).get("attachment", ()))
    if not ids:
        return []
    rows = s.scalars(
        select(StationRecord).where(
            StationRecord.entity == "attachment",
            StationRecord.station_code == station_code,
            StationRecord.id.in_(ids),
            StationRecord.deleted.is_(False),
        )
    ).all()
    shas = sorted({str((r.data or {}).get("sha256") or "") for r in rows})
    stored = set(
        s.scalars(
            select(StoredBlob.sha256).where(
                StoredBlob.station_code == station_code, StoredBlob.sha256.in_(shas)
            )
        )
    )
    files = [f for f in (_file(r, entity, record_id, stored) for r in rows) if f is not None]
    files.sort(key=lambda f: (f.owner != trail.KIND_LABELS.get(entity, entity), f.owner,
                              f.filename, f.id))  # fmt: skip
    return files


def content_disposition(filename: str) -> str:
    """``attachment`` with the name twice: an ASCII fallback (old clients) and the UTF-8 name
    (RFC 6266 / RFC 5987 ``filename*``), which every current browser uses for a Chinese name.
    Neither can break out of the header (quotes, semicolons, CR/LF are encoded or dropped)."""
    name = "".join(ch for ch in filename if ch >= " " and ch not in "\x7f/\\") or "附件"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ascii_ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:10]
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "attachment"
    fallback = ascii_stem[:60] + (f".{ascii_ext}" if ascii_ext else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _owning_record(s: Session, user: roles.DistrictUser, station: str, entity: str,
                   record_id: str) -> str:  # fmt: skip
    """The record's readable name; 404 when it is not the user's street or not held here."""
    from app.district.station_audit import record_title

    if not user.sees(station):  # as for a record that does not exist
        raise HTTPException(404, _NOT_FOUND)
    title = record_title(s, station, entity, record_id)
    if title is None:
        raise HTTPException(404, _NOT_FOUND)
    return title


def install_record_files(app: FastAPI) -> None:
    @app.get("/dashboard/station-audit/record/files", include_in_schema=False)
    def files_page(
        request: Request,
        sess: Admin,
        station: Annotated[str, Query(max_length=16, pattern=protocol.STATION_PATTERN)],
        entity: Annotated[str, Query(max_length=40, pattern=protocol.ENTITY_PATTERN)],
        id: Annotated[str, Query(max_length=36, min_length=1)],
    ) -> HTMLResponse:
        require_file_reader(sess)
        with request.app.state.sessions() as s, s.begin():
            title = _owning_record(s, sess, station, entity, id)
            files = record_files(s, station, entity, id)
            kind = trail.KIND_LABELS.get(entity, entity)
            roles.audit(
                s,
                sess.admin_name,
                "record.files",
                f"查看{kind}“{title}”的附件列表（{len(files)} 个）",
                target_kind=entity,
                target_id=id,
                station_code=station,
                client=client_address(request),
            )
        return render(
            "station_record_files.html",
            title=f"附件 · {title}",
            files=files,
            size_label=size_label,
            record_title=title,
            kind=kind,
            station=station,
            entity=entity,
            record_id=id,
            station_label=roles.station_name(station),
            missing=sum(1 for f in files if not f.stored),
            **base_context_for(sess, "station-audit"),
        )

    @app.get("/dashboard/station-audit/record/files/{attachment_id}", include_in_schema=False)
    def download(
        request: Request,
        sess: Admin,
        attachment_id: Annotated[str, Path(max_length=36, min_length=1)],
        station: Annotated[str, Query(max_length=16, pattern=protocol.STATION_PATTERN)],
        entity: Annotated[str, Query(max_length=40, pattern=protocol.ENTITY_PATTERN)],
        id: Annotated[str, Query(max_length=36, min_length=1)],
    ) -> Response:
        require_file_reader(sess)
        with request.app.state.sessions() as s, s.begin():
            title = _owning_record(s, sess, station, entity, id)
            found = next((f for f in record_files(s, station, entity, id)
                          if f.id == attachment_id), None)  # fmt: skip
            if found is None:
                raise HTTPException(404, "该记录没有这个附件")
            if not found.stored:
                raise HTTPException(
                    404, "站点尚未把这个附件的内容上传到区级服务器（站点下次同步后再试）"
                )
            try:
                data = request.app.state.blobs.get(station, found.sha256)
            except (BlobError, InvalidTag):  # a damaged file, or a blob key that is not its own
                raise HTTPException(
                    500, "区级保存的这个附件无法解密（文件损坏或附件密钥不符），请联系系统管理员"
                ) from None
            if data is None:
                raise HTTPException(404, "区级服务器上没有这个附件的内容")
            roles.audit(
                s,
                sess.admin_name,
                "record.file",
                f"下载{trail.KIND_LABELS.get(entity, entity)}“{title}”的附件"
                f"（{found.kind}，{size_label(len(data))}，校验码 {found.sha256[:12]}）",
                target_kind="attachment",
                target_id=found.id,
                station_code=station,
                client=client_address(request),
            )
        ctype = found.mime_type if found.mime_type in FILE_KINDS else "application/octet-stream"
        return Response(
            data,
            media_type=ctype,
            headers={
                "Content-Disposition": content_disposition(found.filename),
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
            },
        )
