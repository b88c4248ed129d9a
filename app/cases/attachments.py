"""Files attached to a case or an agreement (the scanned signed agreement above all).

The bytes go into the encrypted store (``blob``, addressed by SHA-256, stored once however often
attached); ``attachment`` holds what the list shows. Nothing touches the disk unencrypted: the
caller passes bytes in and gets bytes back (preview from memory, saving only where the user chose).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from app.cases.errors import WorkflowRefused
from app.store.errors import NotFound, ValidationError
from app.store.models import Attachment, BlobChunk, DisputeCase, MediationAgreement

MAX_BYTES = 40 * 1024 * 1024

#: (magic prefix, MIME type) of the files a scan can be
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)


@dataclass(frozen=True)
class StoredFile:
    filename: str
    mime_type: str
    content: bytes


def sniff_mime(content: bytes) -> str | None:
    for magic, mime in _MAGIC:
        if content.startswith(magic):
            return mime
    return None


def attach(
    store, owner_entity: str, owner_id: str, filename: str, content: bytes, note: str = ""
) -> str:
    """Store a scan (PDF or image) against a case or an agreement. Returns the attachment id."""
    if owner_entity not in ("dispute_case", "mediation_agreement"):
        raise ValidationError("附件只能附在案件或调解协议书上")
    if not content:
        raise ValidationError(f"文件“{filename}”是空的", field="附件")
    if len(content) > MAX_BYTES:
        raise ValidationError(
            f"文件“{filename}”有{len(content) // (1024 * 1024)} MB，超过了{MAX_BYTES // (1024 * 1024)} MB的上限；"
            "请降低扫描分辨率后再附加",
            field="附件",
        )
    mime = sniff_mime(content)
    if mime is None:
        raise ValidationError(
            f"文件“{filename}”不是PDF或图片（JPEG、PNG、TIFF、BMP），不能作为扫描件附加",
            field="附件",
        )
    digest = hashlib.sha256(content).hexdigest()
    with store.unit_of_work() as s:
        model = DisputeCase if owner_entity == "dispute_case" else MediationAgreement
        owner = s.get(model, owner_id)
        if owner is None or owner.deleted:
            raise NotFound("要附加文件的记录不存在或已被删除")
        if owner_entity == "dispute_case" and owner.status.value == "archived":
            raise WorkflowRefused("案件已归档，不能再附加文件")
        if s.get(BlobChunk, digest) is None:
            s.add(BlobChunk(sha256=digest, size=len(content), content=content))
        record = Attachment(
            owner_entity=owner_entity,
            owner_id=owner_id,
            filename=filename[-255:],
            mime_type=mime,
            size=len(content),
            sha256=digest,
            note=(note or "").strip()[:200] or None,
        )
        s.add(record)
        return record.id


def load(store, attachment_id: str) -> StoredFile:
    with store.read() as s:
        record = s.get(Attachment, attachment_id)
        if record is None or record.deleted:
            raise NotFound("附件不存在或已被删除")
        blob = s.get(BlobChunk, record.sha256)
        if blob is None:
            raise NotFound("附件的内容不在本机（可能尚未同步）")
        return StoredFile(record.filename, record.mime_type, bytes(blob.content))
