"""District-owned data that flows down: code lists and notices, each change numbered by a revision."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.district.models import Notice, ReferenceEntry, RevisionCounter, utcnow
from app.domain import reference

#: Code lists the district keeps (kind -> Chinese name).
KINDS = {
    "dispute_type": "争议类型",
    "intake_channel": "受理渠道",
}


class ReferenceError(ValueError):
    """Bad input from the district admin; ``str()`` is Chinese."""


def next_rev(s: Session) -> int:
    counter = s.scalars(
        select(RevisionCounter).where(RevisionCounter.id == 1).with_for_update()
    ).one()
    counter.value += 1
    s.flush()
    return counter.value


def seed_reference(s: Session) -> None:
    rev = next_rev(s)
    for item in reference.shipped_code_list("dispute_type"):
        s.add(
            ReferenceEntry(
                id=str(uuid.uuid4()),
                kind="dispute_type",
                code=item.code,
                name=item.name,
                data={"art16": item.art16},
                rev=rev,
            )
        )
    for item in reference.shipped_code_list("intake_channel"):
        s.add(
            ReferenceEntry(
                id=str(uuid.uuid4()),
                kind="intake_channel",
                code=item.code,
                name=item.name,
                data=None,
                rev=rev,
            )
        )


def upsert_item(s: Session, kind: str, code: str, name: str, active: bool = True) -> ReferenceEntry:
    kind, code, name = kind.strip(), code.strip(), name.strip()
    if kind not in KINDS:
        raise ReferenceError(f"未知的代码表：{kind}")
    if not code or len(code) > 60 or not code.replace("_", "").isalnum():
        raise ReferenceError("代码：只能由字母、数字和下划线组成，且不超过60个字符")
    if not name or len(name) > 200:
        raise ReferenceError("名称：不能为空，且不超过200个字符")
    rev = next_rev(s)
    item = s.scalar(
        select(ReferenceEntry).where(ReferenceEntry.kind == kind, ReferenceEntry.code == code)
    )
    if item is None:
        item = ReferenceEntry(
            id=str(uuid.uuid4()), kind=kind, code=code, name=name, active=active, rev=rev
        )
        s.add(item)
    else:
        item.name, item.active = name, active
        item.version += 1
        item.updated_at = utcnow()
        item.rev = rev
    return item


def publish_notice(s: Session, title: str, body: str, by: str | None) -> Notice:
    title, body = title.strip(), body.strip()
    if not title or len(title) > 200:
        raise ReferenceError("标题：不能为空，且不超过200个字符")
    if not body or len(body) > 20000:
        raise ReferenceError("正文：不能为空，且不超过20000个字符")
    notice = Notice(
        id=str(uuid.uuid4()),
        title=title,
        body=body,
        published_at=utcnow(),
        published_by=by,
        rev=next_rev(s),
    )
    s.add(notice)
    return notice


def reference_since(
    s: Session, since: int, limit: int = 1000
) -> tuple[list[ReferenceEntry], list[Notice], int]:
    items = list(
        s.scalars(
            select(ReferenceEntry)
            .where(ReferenceEntry.rev > since)
            .order_by(ReferenceEntry.rev)
            .limit(limit)
        )
    )
    notices = list(
        s.scalars(select(Notice).where(Notice.rev > since).order_by(Notice.rev).limit(limit))
    )
    current = s.scalar(select(RevisionCounter.value).where(RevisionCounter.id == 1)) or 0
    if len(items) == limit or len(notices) == limit:
        # more to come: report only as far as both lists are complete
        current = min(
            items[-1].rev if len(items) == limit else current,
            notices[-1].rev if len(notices) == limit else current,
        )
        items = [i for i in items if i.rev <= current]
        notices = [n for n in notices if n.rev <= current]
    return items, notices, current
