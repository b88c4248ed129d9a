"""Crash safety: kill -9 while saving, crash reports without personal data, drafts of open forms."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import func, select, text

from app import crash
from app.store import drafts
from app.store.models import Enterprise
from app.store.store import Store
from app.ui.context import AppContext
from app.ui.drafts import DraftKeeper, apply, collect
from tests.conftest import ADMIN, ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def run_py(code: str, *args, env_extra=None, **kw) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env_extra or {}))
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


WRITER = """
    import sys
    from pathlib import Path
    from app.store.store import Store
    from app.store.models import Enterprise, Person
    store = Store.open(Path(sys.argv[1]), "admin", "Admin-pass-2026")
    i = 0
    while True:
        with store.unit_of_work() as s:
            e = Enterprise(name=f"企业{i}")
            s.add(e)
            for j in range(20):
                s.add(Person(name=f"职工{i}-{j}", employer_id=e.id))
        print(i, flush=True)
        i += 1
"""


@pytest.mark.slow
def test_kill_9_while_saving_keeps_everything_committed(created, data_dir):
    created[0].close()
    proc = run_py(WRITER, data_dir)
    committed = -1
    deadline = time.monotonic() + 30
    while committed < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip().isdigit():
            committed = int(line)
    time.sleep(0.05)  # land the kill in the middle of a later transaction
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # whatever the child printed after our last read is committed too
    rest = [int(x) for x in proc.stdout.read().split() if x.isdigit()]
    committed = max([committed, *rest])
    assert committed >= 40
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as store, store.read() as s:
        assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        n = s.scalar(select(func.count()).select_from(Enterprise))
        names = set(s.scalars(select(Enterprise.name)))
        # every committed transaction is there, and no half transaction: 20 workers per enterprise
        assert {f"企业{i}" for i in range(committed + 1)} <= names
        assert n in (committed + 1, committed + 2)
        people = s.execute(text("SELECT count(*) FROM person")).scalar()
        assert people == 20 * n


CRASHER = """
    import sys, threading
    from pathlib import Path
    from app import crash
    data = Path(sys.argv[1])
    crash.install(data)
    def fail():
        raise ValueError("欧阳秀英 35010219880712004X")  # a message with personal data
    t = threading.Thread(target=fail); t.start(); t.join()
    fail()
"""


def test_crash_report_has_no_personal_data_and_is_shown_next_time(tmp_path):
    proc = run_py(CRASHER, tmp_path)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    reports = crash.pending_reports(tmp_path)
    kinds = sorted(r.kind for r in reports)
    assert kinds.count("exception") == 2
    for report in reports:
        body = report.path.read_text(encoding="utf-8")
        assert "欧阳秀英" not in body and "35010219880712004X" not in body
        if report.kind == "exception":
            assert "ValueError" in body and "fail" in body
    # the next start sees them and the unclean exit (the marker was left behind)
    earlier = crash.install(tmp_path)
    try:
        assert any(r.kind == "unclean-exit" for r in earlier)
        assert "意外错误" in crash.describe_for_user(earlier)
        crash.acknowledge(tmp_path, earlier)
        assert not [r for r in crash.pending_reports(tmp_path) if r.kind != "fatal"]
    finally:
        crash.clean_exit(tmp_path)
    assert not (crash.crash_dir(tmp_path) / crash.MARKER).exists()


def test_fatal_error_is_caught_by_faulthandler(tmp_path):
    code = """
        import sys, ctypes
        from pathlib import Path
        from app import crash
        crash.install(Path(sys.argv[1]))
        ctypes.string_at(0)  # segmentation fault
    """
    proc = run_py(code, tmp_path)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    fatal = [r for r in crash.pending_reports(tmp_path) if r.kind == "fatal"]
    assert fatal and "Segmentation fault" in fatal[0].path.read_text()


class SampleForm(QWidget):
    def __init__(self):
        super().__init__()
        layout = QVBoxLayout(self)
        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.facts = QPlainTextEdit()
        self.kind = QComboBox()
        self.kind.addItems(["劳动报酬", "加班费", "社会保险"])
        self.collective = QCheckBox("集体争议")
        self.day = QDateEdit()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        for w in (self.name, self.facts, self.kind, self.collective, self.day, self.secret):
            layout.addWidget(w)


def test_collect_and_apply_roundtrip(qtbot):
    form = SampleForm()
    qtbot.addWidget(form)
    form.name.setText("张三")
    form.facts.setPlainText("拖欠三个月工资")
    form.kind.setCurrentIndex(2)
    form.collective.setChecked(True)
    form.secret.setText("never-stored")
    values = collect(form)
    assert "never-stored" not in str(values)
    other = SampleForm()
    qtbot.addWidget(other)
    apply(other, values)
    assert other.name.text() == "张三" and other.facts.toPlainText() == "拖欠三个月工资"
    assert other.kind.currentIndex() == 2 and other.collective.isChecked()
    assert other.secret.text() == ""


def test_draft_keeper_saves_restores_and_discards(qtbot, store):
    ctx = AppContext(store)
    form = SampleForm()
    qtbot.addWidget(form)
    keeper = DraftKeeper(ctx, form, "sample:new", "示例表单", interval_ms=50)
    form.name.setText("李四")
    form.facts.setPlainText("加班未付")
    qtbot.waitUntil(lambda: drafts.load_draft(store, "sample:new") is not None, timeout=5000)
    qtbot.waitUntil(
        lambda: drafts.load_draft(store, "sample:new").content.get("name") == "李四", timeout=5000
    )
    keeper.timer.stop()
    again = SampleForm()
    qtbot.addWidget(again)
    restorer = DraftKeeper(ctx, again, "sample:new", "示例表单")
    assert restorer.offer_restore(ask=False)
    assert again.name.text() == "李四" and again.facts.toPlainText() == "加班未付"
    restorer.discard()
    assert drafts.load_draft(store, "sample:new") is None


DRAFTING = """
    import sys, os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from app.store.store import Store
    from app.ui.context import AppContext
    from app.ui.drafts import DraftKeeper
    sys.path.insert(0, sys.argv[2])
    from test_crash_safety import SampleForm
    app = QApplication([])
    store = Store.open(Path(sys.argv[1]), "admin", "Admin-pass-2026")
    form = SampleForm()
    keeper = DraftKeeper(AppContext(store), form, "sample:new", "示例表单", interval_ms=100)
    form.name.setText("王五")
    form.facts.setPlainText("未签劳动合同")
    from PySide6.QtCore import QTimer
    QTimer.singleShot(1500, lambda: print("typed", flush=True))
    app.exec()
"""


@pytest.mark.slow
def test_power_cut_while_typing_loses_at_most_seconds(created, data_dir):
    store = created[0]
    store.close()
    proc = run_py(DRAFTING, data_dir, Path(__file__).parent)
    assert proc.stdout.readline().strip() == "typed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Store.open(data_dir, ADMIN, ADMIN_PASSWORD) as again:
        draft = drafts.load_draft(again, "sample:new")
        assert draft is not None
        assert draft.content["name"] == "王五"
        assert "未签劳动合同" in draft.content.values()
