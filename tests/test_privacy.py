"""Personal data never reaches the disk unencrypted: store, WAL, backups, key slots, logs."""

import logging

import pytest
from sqlalchemy.exc import IntegrityError

from app.logsetup import configure_logging, log_dir, scrub
from app.store.models import Enterprise, Person
from app.ui.workers import Task

WORKER = "欧阳秀英"
ID_NUMBER = "35010219880712004X"
PHONE = "13859012345"


def encodings(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("gbk", errors="ignore")]


def all_files(folder):
    return [p for p in folder.rglob("*") if p.is_file()]


def test_seeded_person_is_in_no_file(store, data_dir):
    configure_logging(data_dir)
    log = logging.getLogger("app.test")
    with store.unit_of_work() as s:
        e = Enterprise(name="福州保密测试有限公司")
        s.add(e)
        s.add(Person(name=WORKER, id_number=ID_NUMBER, phone=PHONE, employer_id=e.id))

    # A failing write whose database error quotes the row: logged through the background-task path.
    def failing():
        with store.unit_of_work() as s:
            s.add(Person(name=None, id_number=ID_NUMBER, phone=PHONE))  # NOT NULL violated

    task = Task(failing)
    errors = []
    task.signals.failed.connect(errors.append)
    task.run()
    assert errors and isinstance(errors[0], IntegrityError) and ID_NUMBER in str(errors[0])
    log.info("saved person %s", "a1b2")  # what our code logs: ids
    log.warning("pasted by mistake: %s %s", ID_NUMBER, PHONE)  # scrubbed by the filter
    store.backup("manual")
    # WAL still holds recent pages while the store is open
    assert (data_dir / "station.db-wal").exists()
    files = all_files(data_dir)
    assert any(p.suffix == ".lsbak" for p in files)
    assert any(p.parent == log_dir(data_dir) for p in files)
    for path in files:
        raw = path.read_bytes()
        for secret in (WORKER, ID_NUMBER, PHONE):
            for needle in encodings(secret):
                assert needle not in raw, f"{secret!r} found in {path.name}"
    for handler in logging.getLogger().handlers:
        handler.flush()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"id {ID_NUMBER} end", "id [身份证号] end"),
        (f"call {PHONE}", "call [手机号]"),
        ("office 0591-87654321", "office [电话]"),
        ("case 2026-0012 uuid 1b2c", "case 2026-0012 uuid 1b2c"),
    ],
)
def test_scrub(text, expected):
    assert scrub(text) == expected
