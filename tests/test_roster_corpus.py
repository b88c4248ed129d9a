"""The roster corpus (tests/data/rosters): 23 layouts that offices send, each written by openpyxl,
LibreOffice (.xlsx, .xls, .ods) and xlwt, imported with its expected counts and reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.roster.importer import import_file
from app.roster.normalize import SLOT
from app.store.store import Store
from tests.conftest import ADMIN, ADMIN_PASSWORD, STATION
from tests.data.rosters.corpus import LAYOUTS, WRITERS

DATA = Path(__file__).parent / "data" / "rosters"
CASES = [(layout, writer) for layout in LAYOUTS for writer in WRITERS]


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    store, _code = Store.create(tmp_path_factory.mktemp("corpus"), STATION, ADMIN, "林站长",
                                ADMIN_PASSWORD)  # fmt: skip
    yield store
    store.close()


def test_the_corpus_is_complete():
    assert len(LAYOUTS) >= 20
    for layout, writer in CASES:
        assert (DATA / f"{layout.name}.{writer}").is_file(), f"{layout.name}.{writer}"


@pytest.mark.parametrize(("layout", "writer"), CASES,
                         ids=[f"{lay.name}-{w}" for lay, w in CASES])  # fmt: skip
def test_corpus_file(corpus_store, layout, writer):
    expected = layout.expected(writer)
    path = DATA / f"{layout.name}.{writer}"
    plan, result = import_file(corpus_store, path, dry_run=True)
    got = {"new": result.new, "invalid": result.invalid, "duplicates": result.duplicates,
           "skipped": plan.skipped, "header_rows": plan.header.rows}  # fmt: skip
    want = {k: expected[k] for k in got}
    sentence = plan.reading.sentence
    assert got == want, (sentence, [(r.where, r.reason) for r in plan.all_invalid],
                         plan.skipped_rows)  # fmt: skip
    for fragment in expected["reading"]:
        assert fragment in sentence, sentence
    street = SLOT["street_code"]
    if layout.name == "no_street":  # the station's own street
        assert {values[street] for _n, values in plan.rows} == {STATION}
    elif layout.name == "merged_street" and writer != "lo.ods":  # merged cells fill down
        assert all(values[street] == "GUDONG" for _n, values in plan.rows)
    # the 序号 column is never imported as anything
    assert not set(plan.header.serial_cols) & set(plan.header.mapping)
