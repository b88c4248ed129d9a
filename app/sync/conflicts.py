"""Protocol 2, station side: fields two PCs changed differently, and their resolution.

The district finds them when it merges an edit made from an older version (``app.district.
ingest._merge``): fields changed on one side merge; a field changed on both sides keeps the
value the district received first and is listed with both values, who changed them and when.
The 同步 page shows them (kept at each sync in ``sync.conflicts``); the station administrator
keeps one value or types another. The district takes the resolution once for the whole station
(a second PC resolving the same conflict is told it is done), then the chosen value is written
here as a normal change, which the next sync sends to the district and the other PCs.
"""

from __future__ import annotations

from app.store import changes
from app.store.models import MODEL_BY_ENTITY
from app.sync import state
from app.sync.client import SyncProblem

CONFLICTS = "sync.conflicts"

ALREADY = "该冲突已由本站另一台电脑处理：列表已更新，请同步一次查看结果"


def refresh(client, store) -> list[dict]:
    items = client.conflicts()
    with state.transaction(store) as s:
        state.put(s, CONFLICTS, items)
    return items


def open_conflicts(store) -> list[dict]:
    with state.reading(store) as s:
        return list(state.get(s, CONFLICTS) or [])


def _typed(entity: str, field: str, value):
    from app.sync.pull import _writer

    fn = _writer(entity).converters.get(field)
    return fn(value) if fn is not None and value is not None else value


def resolve(store, client, conflict: dict, choice: str, value=None) -> None:
    """Resolve ``conflict`` with the held value, the incoming one, or ``value`` (``edited``)."""
    store.require_admin()
    if choice == "held":
        value = conflict.get("held_value")
    elif choice == "incoming":
        value = conflict.get("incoming_value")
    elif choice != "edited":
        raise ValueError(choice)
    try:
        client.resolve_conflict(conflict["id"], choice, value)
    except SyncProblem as problem:
        if problem.status == 409:
            refresh(client, store)
            raise SyncProblem(ALREADY, status=409) from None
        raise
    model = MODEL_BY_ENTITY[conflict["entity"]]
    field = conflict["field"]
    with store.unit_of_work() as s:
        obj = s.get(model, conflict["record_id"])
        if obj is not None:
            if field == "deleted":
                if value is True and not obj.deleted:
                    changes.soft_delete(s, obj)
                elif value is not True and obj.deleted:
                    obj.deleted, obj.deleted_at = False, None
            elif field in model.__table__.c:
                setattr(obj, field, _typed(conflict["entity"], field, value))
    with state.transaction(store) as s:
        left = [c for c in state.get(s, CONFLICTS) or [] if c.get("id") != conflict["id"]]
        state.put(s, CONFLICTS, left)
