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


def test_pages_by_key_and_counts_after_the_first_page(qtbot, store):
    """The case list's way: each page ``after`` the last row's key; the count read later, so the
    first page is on screen before a count that may read every row."""
    ctx = AppContext(store)
    data = list(range(1, 451))
    count_gate = threading.Event()
    asked: list[object] = []

    def fetch_after(cursor, limit):
        asked.append(cursor)
        start = 0 if cursor is None else data.index(cursor) + 1
        rows = data[start : start + limit]
        return rows, (rows[-1] if start + limit < len(data) else None)

    def count():
        count_gate.wait(5)
        return len(data)

    model = PagedModel(ctx, [Column("数", lambda r: r)], fetch_after=fetch_after, count=count,
                       count_later=True)  # fmt: skip
    counted = []
    model.counted.connect(counted.append)
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == 200 and not model.loading, timeout=5000)
    assert counted == [] and model.canFetchMore()  # the page is shown; the count still running
    count_gate.set()
    qtbot.waitUntil(lambda: counted == [450], timeout=5000)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    assert model.rows == data and asked == [None, 200, 400]
    ctx.pool.waitForDone(5000)
