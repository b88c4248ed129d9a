"""Files attached to records (visit photos, activity photos, scans), kept inside the encrypted store.

The metadata is an :class:`Attachment` (synced like any record); the bytes live once per content in
:class:`BlobChunk` (addressed by SHA-256), so nothing is ever written unencrypted to disk and the
same photo attached twice is stored once.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store import changes
from app.store.errors import NotFound, ValidationError
from app.store.models import Attachment, BlobChunk

#: Largest file accepted (a phone photo is 2–8 MB; a multi-page scan at 300 dpi can reach 30 MB).
MAX_ATTACHMENT_BYTES = 40 * 1024 * 1024
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".heic")
ACCEPTED_SUFFIXES = (*IMAGE_SUFFIXES, ".pdf")


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content: bytes
    note: str | None = None


#: (offset, magic bytes, MIME type) of the files we accept, to tell them by content
_MAGIC = (
    (0, b"%PDF-", "application/pdf"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF8", "image/gif"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"BM", "image/bmp"),
    (8, b"WEBP", "image/webp"),
    (4, b"ftypheic", "image/heic"),
    (4, b"ftypmif1", "image/heic"),
)


def sniff_mime(content: bytes) -> str | None:
    """The MIME type of a PDF or image by its first bytes (None: not one we accept)."""
    for offset, magic, mime in _MAGIC:
        if content[offset : offset + len(magic)] == magic:
            return mime
    return None


#: what a file list says of a stored file's type (never the raw MIME type)
KIND_LABELS = {
    "application/pdf": "PDF文档",
    "image/jpeg": "JPEG图片",
    "image/png": "PNG图片",
    "image/gif": "GIF图片",
    "image/tiff": "TIFF图片",
    "image/bmp": "BMP图片",
    "image/webp": "WebP图片",
    "image/heic": "HEIC图片（手机照片）",
}


def kind_label(mime_type: str | None) -> str:
    """The Chinese name of a file's type: "PDF文档", "JPEG图片" … ("其他文件" otherwise)."""
    if mime_type in KIND_LABELS:
        return KIND_LABELS[mime_type]
    if (mime_type or "").startswith("image/"):
        return "图片"
    return "其他文件"


def _mime_type(filename: str, content: bytes = b"") -> str:
    return sniff_mime(content) or mimetypes.guess_type(filename)[0] or "application/octet-stream"


def check_attachment(filename: str, content: bytes) -> str | None:
    """Why a file cannot be attached (None: it can)."""
    name = Path(filename).name
    if Path(name).suffix.lower() not in ACCEPTED_SUFFIXES:
        return f"附件“{name}”的类型不支持，请选择照片（JPG、PNG 等）或 PDF 文件"
    if not content:
        return f"附件“{name}”是空文件"
    if len(content) > MAX_ATTACHMENT_BYTES:
        size_mb = len(content) / 1024 / 1024
        return (
            f"附件“{name}”有 {size_mb:.1f} MB，超过上限 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB；"
            "扫描件请降低分辨率后再附加"
        )
    if sniff_mime(content) is None:
        return f"附件“{name}”的内容不是照片或 PDF（文件可能已损坏，或只是改了扩展名）"
    return None


def load_file(path: str | Path) -> NewAttachment:
    """Read a file the user picked; a clear Chinese message when it cannot be used."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        raise ValidationError(f"找不到文件：{p.name}", field="附件") from None
    if size > MAX_ATTACHMENT_BYTES:  # refuse before reading a huge file into memory
        limit = MAX_ATTACHMENT_BYTES // 1024 // 1024
        raise ValidationError(
            f"附件“{p.name}”有 {size / 1024 / 1024:.1f} MB，超过上限 {limit} MB", field="附件"
        )
    try:
        content = p.read_bytes()
    except OSError as exc:
        raise ValidationError(
            f"无法读取文件“{p.name}”：{exc.strerror or exc}", field="附件"
        ) from None
    problem = check_attachment(p.name, content)
    if problem:
        raise ValidationError(problem, field="附件")
    return NewAttachment(p.name, content)


def add_attachment(
    session: Session, owner_entity: str, owner_id: str, item: NewAttachment
) -> Attachment:
    """Store ``item`` for the record ``owner_entity``/``owner_id`` in the caller's transaction."""
    problem = check_attachment(item.filename, item.content)
    if problem:
        raise ValidationError(problem, field="附件")
    digest = hashlib.sha256(item.content).hexdigest()
    if session.get(BlobChunk, digest) is None:
        session.add(BlobChunk(sha256=digest, size=len(item.content), content=item.content))
    attachment = Attachment(
        owner_entity=owner_entity,
        owner_id=owner_id,
        filename=Path(item.filename).name[:255],
        mime_type=_mime_type(item.filename, item.content),
        size=len(item.content),
        sha256=digest,
        note=(item.note or None),
    )
    session.add(attachment)
    return attachment


def list_attachments(session: Session, owner_entity: str, owner_id: str) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment)
            .where(
                Attachment.owner_entity == owner_entity,
                Attachment.owner_id == owner_id,
                Attachment.deleted.is_(False),
            )
            .order_by(Attachment.created_at)
        )
    )


def attachment_content(session: Session, attachment_id: str) -> tuple[Attachment, bytes]:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.deleted:
        raise NotFound("附件不存在或已被删除")
    blob = session.get(BlobChunk, attachment.sha256)
    if blob is None:
        raise NotFound("附件内容缺失（尚未从区级服务器同步下来）")
    return attachment, blob.content


def remove_attachment(session: Session, attachment_id: str) -> None:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.deleted:
        raise NotFound("附件不存在或已被删除")
    changes.soft_delete(session, attachment)
