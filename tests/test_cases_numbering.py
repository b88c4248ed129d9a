"""Case numbers: format, per station per year, gap-free, under two concurrent writers
(two threads on one store, and two processes each with its own connection)."""

from __future__ import annotations

import multiprocessing
import os
import threading
from datetime import date

import pytest
from sqlalchemy import select

from app.cases.errors import FormInvalid
from app.cases.numbering import format_case_no, parse_case_no
from app.store.models import CaseCounter, DisputeCase
from app.store.store import Store
from tests.cases_support import EnterpriseChoice, register, worker
from tests.conftest import ADMIN, ADMIN_PASSWORD


def numbers(store) -> list[tuple[int, int]]:
    with store.read() as s:
        return sorted(s.execute(select(DisputeCase.case_year, DisputeCase.case_seq)).all())


def employer_of(store, case_id):
    with store.read() as s:
        return s.get(DisputeCase, case_id).respondent_id


def test_format_and_parse():
    assert format_case_no("鼓楼鼓东", 2026, 12) == "（2026）鼓楼鼓东劳调字第0012号"
    parsed = parse_case_no("（２０２６）鼓楼鼓东劳调字第００１２号")
    assert (parsed.prefix, parsed.year, parsed.seq) == ("鼓楼鼓东", 2026, 12)
    assert str(parsed) == "（2026）鼓楼鼓东劳调字第0012号"
    assert parse_case_no("〔2026〕鼓楼软件园劳调字第12345号").seq == 12345
    assert parse_case_no("鼓楼劳调字12号") is None


def test_numbers_run_per_year_and_a_failed_registration_leaves_no_gap(store):
    first = register(store)
    employer = EnterpriseChoice(enterprise_id=employer_of(store, first.case_id))
    with pytest.raises(FormInvalid):
        register(store, respondent=employer, facts="")
    second = register(store, respondent=employer)
    assert second.case_no.endswith("第0002号")
    next_year = register(
        store, respondent=employer, received_on=date(2027, 1, 2), today=date(2027, 1, 2)
    )
    assert next_year.case_no == "（2027）鼓楼鼓东劳调字第0001号"
    assert numbers(store) == [(2026, 1), (2026, 2), (2027, 1)]


def test_each_station_has_its_own_prefix(tmp_path):
    other, _ = Store.create(tmp_path / "park", "SOFTPARK", ADMIN, "园区", ADMIN_PASSWORD)
    try:
        assert register(other).case_no == "（2026）鼓楼软件园劳调字第0001号"
    finally:
        other.close()


def test_the_counter_never_goes_below_a_number_in_use(store):
    case = register(store)
    with store.unit_of_work() as s:
        s.delete(s.get(CaseCounter, ("GUDONG", 2026)))
    employer = EnterpriseChoice(enterprise_id=employer_of(store, case.case_id))
    assert register(store, respondent=employer).case_no.endswith("第0002号")


PER_WRITER = 8


def _register_many(store, employer_id: str, start: int, count: int, errors: list) -> None:
    try:
        for i in range(count):
            register(
                store,
                workers=[worker(seq=start + i)],
                respondent=EnterpriseChoice(enterprise_id=employer_id),
            )
    except Exception as exc:  # reported by the test
        errors.append(exc)


def test_two_threads_get_gap_free_unique_numbers(store):
    first = register(store)
    employer = employer_of(store, first.case_id)
    errors: list = []
    threads = [
        threading.Thread(
            target=_register_many, args=(store, employer, 100 * (t + 1), PER_WRITER, errors)
        )
        for t in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert numbers(store) == [(2026, n) for n in range(1, 2 * PER_WRITER + 2)]


def _process_writer(data_dir: str, employer_id: str, start: int, barrier, queue) -> None:
    os.environ["LABOR_STATION_KDF_LOG2N"] = "10"
    try:
        import app.cases  # noqa: F401  (search-index hook, as in the app)

        with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as store:
            barrier.wait(timeout=60)
            errors: list = []
            _register_many(store, employer_id, start, PER_WRITER, errors)
            queue.put(repr(errors[0]) if errors else "ok")
    except Exception as exc:
        queue.put(repr(exc))


def test_two_processes_get_gap_free_unique_numbers(store, data_dir):
    first = register(store)
    employer = employer_of(store, first.case_id)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    queue = ctx.Queue()
    procs = [
        ctx.Process(
            target=_process_writer, args=(str(data_dir), employer, 100 * (i + 1), barrier, queue)
        )
        for i in range(2)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == ["ok", "ok"], results
    assert numbers(store) == [(2026, n) for n in range(1, 2 * PER_WRITER + 2)]
    with store.read() as s:
        assert s.get(CaseCounter, ("GUDONG", 2026)).last_seq == 2 * PER_WRITER + 1
