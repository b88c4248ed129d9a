"""Drafts of forms being filled, kept in the encrypted store so a crash loses only seconds of typing.

A draft belongs to the user who typed it and to a form key (e.g. ``"case-intake:new"`` or
``"visit:<id>"``). It is removed when the form is saved or deliberately abandoned.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from app.store.models import Draft, utcnow
from app.store.store import Store


def save_draft(store: Store, key: str, form: str, content: dict) -> None:
    with store.system_transaction() as s:
        row = s.get(Draft, key)
        if row is None:
            s.add(
                Draft(
                    key=key, user_id=store.user.id, form=form, content=content, updated_at=utcnow()
                )
            )
        else:
            row.user_id, row.form, row.content, row.updated_at = (
                store.user.id,
                form,
                content,
                utcnow(),
            )


def load_draft(store: Store, key: str) -> Draft | None:
    with store.read() as s:
        row = s.get(Draft, key)
        if row is None or row.user_id != store.user.id:
            return None
        return row


def discard_draft(store: Store, key: str) -> None:
    with store.system_transaction() as s:
        s.execute(delete(Draft).where(Draft.key == key))


def list_drafts(store: Store) -> list[Draft]:
    with store.read() as s:
        return list(
            s.scalars(
                select(Draft)
                .where(Draft.user_id == store.user.id)
                .order_by(Draft.updated_at.desc())
            )
        )
