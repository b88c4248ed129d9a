"""Shared fixtures: a real encrypted store in tmp_path, Qt offscreen, a cheap KDF."""

from __future__ import annotations

import os

# Before anything imports Qt or derives keys.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests create many key slots; 2^10 keeps each under a few ms. The real cost (~0.3 s) is
# calibrated at run time and measured by bench/store.py.
os.environ.setdefault("LABOR_STATION_KDF_LOG2N", "10")
# ... which the program honours below its floor (2^17) only in tests: this marks the processes
# the tests start as tests too (see app.store.keyslots.kdf_override_allowed).
os.environ.setdefault("LABOR_STATION_TESTING", "1")
# The parsed CJK font is cached per user (app.documents.fonts): the tests keep theirs apart.
if "LABOR_STATION_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["LABOR_STATION_CACHE_DIR"] = tempfile.mkdtemp(prefix="labor-station-test-cache-")

from pathlib import Path

import pytest

from app.store.store import Store

ADMIN = "admin"
ADMIN_PASSWORD = "Admin-pass-2026"
STATION = "GUDONG"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """No background task outlives its test. Before the fixtures go (widgets deleted, the store
    closed), wait for the thread pool and deliver the tasks' queued callbacks while their widgets
    still exist. A task left running would otherwise finish during a later test: its callback
    reaching a deleted widget, or its query racing the closing of its store, can crash the whole
    run (CI saw a segmentation fault in an unrelated test)."""
    import sys

    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is not None:
        pool = qtcore.QThreadPool.globalInstance()
        app = qtcore.QCoreApplication.instance()
        for _ in range(3):  # a callback may start another task (the risk refresh does)
            pool.waitForDone(30_000)
            if app is None:
                break
            app.processEvents()
            if pool.activeThreadCount() == 0:
                break
    yield


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "station-data"


@pytest.fixture
def created(data_dir: Path):
    """(store, recovery_code) for a new station with its administrator logged in."""
    store, code = Store.create(data_dir, STATION, ADMIN, "林站长", ADMIN_PASSWORD)
    yield store, code
    store.close()


@pytest.fixture
def store(created) -> Store:
    return created[0]


@pytest.fixture(autouse=True, scope="session")
def _qsettings_in_tmp(tmp_path_factory):
    """Window places (QSettings) go to a folder of the test run, not the user's own settings."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat,
        QSettings.Scope.UserScope,
        str(tmp_path_factory.mktemp("qsettings")),
    )
