"""Files attached to a case or an agreement (the scanned signed agreement above all).

Storage is the store's (:mod:`app.store.attachments`: bytes in the encrypted ``blob`` table, once
per content); this module adds what is particular to cases: only a case or an agreement can own a
scan, and an archived case takes no more files. Nothing touches the disk unencrypted: the caller
passes bytes in and gets bytes back (preview from memory, saving only where the user chose).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.cases.actions import ATTACH, ATTACH_SCAN, require
from app.store.attachments import NewAttachment, add_attachment, attachment_content
from app.store.errors import NotFound, ValidationError
from app.store.models import DisputeCase, MediationAgreement


@dataclass(frozen=True)
class StoredFile:
    filename: str
    mime_type: str
    content: bytes


def attach(
    store, owner_entity: str, owner_id: str, filename: str, content: bytes, note: str = ""
) -> str:
    """Store a scan (PDF or image) against a case or an agreement. Returns the attachment id."""
    if owner_entity not in ("dispute_case", "mediation_agreement"):
        raise ValidationError("附件只能附在案件或调解协议书上")
    with store.unit_of_work() as s:
        model = DisputeCase if owner_entity == "dispute_case" else MediationAgreement
        owner = s.get(model, owner_id)
        if owner is None or owner.deleted:
            raise NotFound("要附加文件的记录不存在或已被删除")
        if owner_entity == "dispute_case":
            require(s, owner_id, ATTACH)
        else:
            require(s, owner.case_id, ATTACH_SCAN)
        record = add_attachment(
            s,
            owner_entity,
            owner_id,
            NewAttachment(filename, content, (note or "").strip()[:200] or None),
        )
        return record.id


def load(store, attachment_id: str) -> StoredFile:
    with store.read() as s:
        record, content = attachment_content(s, attachment_id)
        return StoredFile(record.filename, record.mime_type, bytes(content))
