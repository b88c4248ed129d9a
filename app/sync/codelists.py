"""The district's code lists (dispute types, intake channels) put to use on the station.

The lists arrive with every sync pass (``reference_item``, see ``run._pull_reference``); this reads
them from the store and installs them in :mod:`app.domain.reference`, which the forms, lists and
documents ask for codes and names. Called after every pull and when a user logs in (the GUI's
sync controller starts with the main window); a process that opens a store some other way calls
:func:`use_district_code_lists` itself.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from app.domain import reference
from app.store.models import ReferenceItem
from app.sync import state


def district_code_lists(store) -> dict[str, list[reference.CodeItem]]:
    """``kind -> items`` received from the district, retired ones included (with ``active``
    False): a record that holds a retired code still shows the district's name for it."""
    t = ReferenceItem.__table__
    lists: dict[str, list[reference.CodeItem]] = defaultdict(list)
    with state.reading(store) as s:
        rows = s.execute(
            select(t.c.kind, t.c.code, t.c.name, t.c.active, t.c.data).where(
                t.c.kind.in_(list(reference.CODE_LISTS))
            )
        ).all()
    for kind, code, name, active, data in rows:
        shipped = {i.code: i for i in reference.shipped_code_list(kind)}.get(code)
        art16 = (data or {}).get("art16") if isinstance(data, dict) else None
        if not isinstance(art16, bool):
            art16 = shipped.art16 if shipped else False
        lists[kind].append(reference.CodeItem(code, name, art16=art16, active=bool(active)))
    return dict(lists)


def use_district_code_lists(store) -> None:
    """Install the district's code lists of ``store`` (the shipped ones where it sent none)."""
    reference.install_district_code_lists(district_code_lists(store))
