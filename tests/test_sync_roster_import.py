"""A roster import reaches the district whole, each enterprise exactly once: a real
``labor-district`` process on loopback, a real encrypted station store, a real .xlsx file.

The import writes one audit event for all its records (``app.store.bulk.BulkAudit``) and one
outbox entry per record written; sync sends each record once, in batches of at most
``protocol.MAX_BATCH_RECORDS``, and a re-import sends only the records it changed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.roster.importer import import_file
from app.store.models import AuditEvent, Enterprise, OutboxEntry
from app.sync import sync_once
from tests.roster_files import code, write_roster
from tests.sync_fixtures import *  # noqa: F403
from tests.test_sync_e2e import batch_totals, server_rows

pytestmark = pytest.mark.slow

ROWS = 12_000  # three batches of 5,000 (the last one short)


def _rows(changed: set[int] = frozenset()) -> list[list]:
    streets = ("鼓东", "鼓西", "温泉", "东街")
    return [[code(i), f"福州测试{i}号科技有限公司", "张三",
             f"139{i:08d}", streets[i % 4], 10 + (1 if i in changed else 0)]
            for i in range(ROWS)]  # fmt: skip


def _count(store, model) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_imported_roster_reaches_the_district_each_record_once(district, station_a, tmp_path):
    _plan, result = import_file(station_a, write_roster(tmp_path / "v1.xlsx", _rows()))
    assert result.new == ROWS
    assert _count(station_a, OutboxEntry) == ROWS
    with station_a.read() as s:
        ids = set(s.scalars(select(Enterprise.id)))
        imports = s.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.action == "import"))  # fmt: skip
    assert imports == 1  # one audit event for the 12,000 records

    outcome = sync_once(station_a)
    assert outcome.ok, outcome.problem
    assert _count(station_a, OutboxEntry) == 0
    rows = server_rows(district, "GUDONG")
    assert set(rows) == {("enterprise", i) for i in ids}
    assert set(rows.values()) == {1}
    batches, inserted, updated, unchanged = batch_totals(district, "GUDONG")
    assert (inserted, updated, unchanged) == (ROWS, 0, 0)  # every record applied exactly once
    assert batches == 3

    # the same file again changes nothing and sends nothing
    _plan, again = import_file(station_a, write_roster(tmp_path / "v1b.xlsx", _rows()))
    assert (again.new, again.updated, again.unchanged) == (0, 0, ROWS)
    assert _count(station_a, OutboxEntry) == 0

    # a roster that changes 7 enterprises sends those 7, once each
    changed = {5, 999, 5000, 5001, 8000, 11_998, 11_999}
    _plan, result = import_file(station_a, write_roster(tmp_path / "v2.xlsx", _rows(changed)))
    assert (result.new, result.updated) == (0, len(changed))
    outcome = sync_once(station_a)
    assert outcome.ok, outcome.problem
    rows = server_rows(district, "GUDONG")
    with station_a.read() as s:
        changed_ids = set(s.scalars(select(Enterprise.id).where(Enterprise.employee_count == 11)))
    assert len(changed_ids) == len(changed)
    assert {i for (_e, i), v in rows.items() if v == 2} == changed_ids
    assert batch_totals(district, "GUDONG")[1:] == (ROWS, len(changed), 0)
