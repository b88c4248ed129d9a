"""The store tells its listeners which tables a commit changed (what the windows refresh by),
not after a rollback, and from whichever thread committed."""

from __future__ import annotations

import threading

import pytest

from app.store.models import Enterprise, Setting


def test_listeners_hear_the_tables_a_commit_changed(store):
    heard: list[tuple[frozenset, str]] = []
    listener = lambda entities: heard.append((entities, threading.current_thread().name))  # noqa: E731
    store.add_change_listener(listener)
    with store.unit_of_work() as s:
        s.add(Enterprise(name="福州闽江软件有限公司", street_code="GUDONG"))
    assert heard[-1][0] == frozenset({"enterprise"})

    with pytest.raises(RuntimeError), store.unit_of_work() as s:
        s.add(Enterprise(name="回滚的企业", street_code="GUDONG"))
        s.flush()
        raise RuntimeError("rolled back")
    assert len(heard) == 1  # nothing was committed, nothing is said

    def write() -> None:
        with store.unit_of_work() as s:
            e = s.query(Enterprise).one()
            e.phone = "0591-87654321"

    worker = threading.Thread(target=write, name="writer")
    worker.start()
    worker.join()
    assert heard[-1] == (frozenset({"enterprise"}), "writer")

    with store.system_transaction() as s:  # bookkeeping that is not a synced record: silent
        s.merge(Setting(key="ui.test", value="1"))
    assert len(heard) == 2
    store.remove_change_listener(listener)
    write()
    assert len(heard) == 2


def test_a_failing_listener_does_not_undo_the_write(store):
    def broken(_entities):
        raise ValueError("bug in a window")

    store.add_change_listener(broken)
    with store.unit_of_work() as s:
        s.add(Enterprise(name="福州鼓楼测试有限公司", street_code="GUDONG"))
    with store.read() as s:
        assert s.query(Enterprise).count() == 1
