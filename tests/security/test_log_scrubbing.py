"""Logs carry no personal data, not even in tracebacks: a failing migration is logged with
``log.exception`` while its database error quotes a row with a worker's name, ID number and
phone; the log folder is then searched for each of them (UTF-8, UTF-16 and GBK)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError

from app.logsetup import configure_logging, log_dir, scrub, traceback_without_values
from app.store import migrate
from app.store.errors import MigrationFailed

WORKER = "欧阳晓燕"
ID_NUMBER = "350102199003071234"
PHONE = "13905912345"


def encodings(text: str) -> list[bytes]:
    return [text.encode(e) for e in ("utf-8", "utf-16-le", "gbk")]


def test_a_failing_migration_logs_no_personal_data(store, data_dir, monkeypatch):
    configure_logging(data_dir)
    engine = store.engine

    def failing_upgrade(_engine, target="head"):
        try:
            raise ValueError(f"bad row for {WORKER} {ID_NUMBER}")
        except ValueError as inner:
            raise IntegrityError(
                "INSERT INTO person (name, id_number, phone) VALUES (?, ?, ?)",
                (WORKER, ID_NUMBER, PHONE),
                Exception(f"UNIQUE constraint failed: person.id_number {ID_NUMBER} {WORKER}"),
            ) from inner

    monkeypatch.setattr(migrate, "current_revision", lambda _e: "0001")
    monkeypatch.setattr(migrate, "upgrade", failing_upgrade)
    with pytest.raises(MigrationFailed):
        migrate.ensure_current(
            engine, backup=lambda reason: data_dir / "x.lsbak", restore=lambda path: None
        )
    log = logging.getLogger("app.test")
    log.warning("a message with %s and %s and %s by mistake", WORKER, ID_NUMBER, PHONE)
    try:
        raise RuntimeError(f"{WORKER} 的电话 {PHONE}")
    except RuntimeError:
        log.error("failed", exc_info=True, stack_info=True)
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = [p for p in log_dir(data_dir).rglob("*") if p.is_file()]
    text = "".join(p.read_text(encoding="utf-8") for p in files)
    assert "migration 0001 -> " in text and "Traceback" in text
    assert "sqlalchemy.exc.IntegrityError: [message withheld]" in text
    assert "direct cause" in text and "failing_upgrade" in text  # where it happened stays
    for path in files:
        raw = path.read_bytes()
        for secret in (WORKER, ID_NUMBER, PHONE, "欧阳"):
            for needle in encodings(secret):
                assert needle not in raw, f"{secret!r} in {path.name}"


def test_names_are_masked_in_messages():
    assert WORKER not in scrub(f"person {WORKER} saved")
    assert scrub("case 2026-0012 uuid 1b2c") == "case 2026-0012 uuid 1b2c"


def test_traceback_keeps_frames_and_types_only():
    try:
        raise KeyError(ID_NUMBER)
    except KeyError as exc:
        text = traceback_without_values(exc)
    assert "KeyError: [message withheld]" in text and ID_NUMBER not in text
    assert "test_traceback_keeps_frames_and_types_only" in text
