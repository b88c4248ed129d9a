"""The one paged model: pages in the background as the view asks, the count, a late page of an
older search dropped."""

from __future__ import annotations

import threading

from app.ui.context import AppContext
from app.ui.widgets.paged_model import Column, PagedModel


def test_pages_count_and_stale_pages(qtbot, store):
    ctx = AppContext(store)
    data = {"rows": list(range(450))}
    gate = threading.Event()
    gate.set()
    asked: list[tuple[int, int]] = []

    def fetch(offset, limit):
        gate.wait(5)
        asked.append((offset, limit))
        return data["rows"][offset : offset + limit]

    model = PagedModel(ctx, [Column("数", lambda r: r, align_right=True)], fetch=fetch,
                       count=lambda: len(data["rows"]), highlight=lambda r: r % 2 == 0)  # fmt: skip
    counted = []
    model.counted.connect(counted.append)
    model.reload()
    assert model.loading and model.rowCount() == 0  # the window is not kept waiting
    qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    assert model.rowCount() == 200 and counted == [450] and model.canFetchMore()
    model.fetchMore()
    qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    model.fetchMore()
    qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    assert model.rowCount() == 450 and not model.canFetchMore()
    assert model.data(model.index(3, 0)) == "3" and model.row_at(449) == 449

    gate.clear()  # an old search still running when a new one starts
    model.reload()
    data["rows"] = [7, 8]
    model.reload()
    gate.set()
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() == 2, timeout=5000)
    qtbot.wait(200)
    assert model.rows == [7, 8] and counted[-1] == 2
    ctx.pool.waitForDone(5000)
