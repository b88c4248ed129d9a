"""ORM events on ``Enterprise`` that every path setting its fields goes through.

* Setting ``name`` fills ``name_initials`` (pinyin initials, for search).
* Changing a roster field of a stored enterprise that came from (or was matched by) a roster
  import records the time in ``local_edits``: the next import then shows that field as a
  conflict instead of overwriting it. An enterprise never imported needs no record: the import
  treats every value of it as local.

The bulk import writes with Core and fills both itself. Code that applies changes which are not
local edits (e.g. records received from the district) wraps them in
:func:`local_edit_tracking_suppressed`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from sqlalchemy import event, inspect

from app.roster.initials import name_initials
from app.store.models import ROSTER_FIELDS, Enterprise, utcnow

_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "roster_local_edit_tracking_suppressed", default=False
)


@contextlib.contextmanager
def local_edit_tracking_suppressed() -> Iterator[None]:
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def _on_name(target: Enterprise, value, _old, _initiator) -> None:
    target.name_initials = name_initials(value)


def _tracker(key: str):
    def on_set(target: Enterprise, value, old, _initiator) -> None:
        if _suppressed.get() or not inspect(target).has_identity:
            return  # a new record, or changes that are not local edits
        if target.last_import_at is None:
            return  # never imported: the import treats all its values as local anyway
        if value == old:
            return
        edits = dict(target.local_edits or {})
        edits[key] = utcnow().isoformat()
        target.local_edits = edits

    return on_set


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Enterprise.name, "set", _on_name)
    for key in ROSTER_FIELDS:
        event.listen(getattr(Enterprise, key), "set", _tracker(key), active_history=True)
    _installed = True


install()
