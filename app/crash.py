"""Crash handling: reports without personal data, and a polite word on the next start.

* Unhandled Python exceptions (any thread) write ``crash/crash-<time>.txt`` with the version, the
  platform and where it happened (``describe_exception``: types and code locations, no messages,
  no values).
* Fatal errors (a segfault in a library) are caught by ``faulthandler`` into ``crash/fatal.log``:
  it writes only file names, line numbers and function names.
* A marker file says the app is running; if it is still there at the next start (a crash, a kill or a
  power cut), that start is told so too.
* ``pending_reports()`` lists what the user has not seen yet; ``acknowledge()`` files them away.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import platform
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app import __version__
from app.logsetup import describe_exception
from app.store.folder import private_dir, private_file

CRASH_DIR = "crash"
SEEN_DIR = "seen"
MARKER = "running.pid"
FATAL_LOG = "fatal.log"

_state: dict = {}


@dataclass(frozen=True)
class CrashReport:
    path: Path
    kind: str  # "exception" | "fatal" | "unclean-exit"
    when: datetime


def crash_dir(data_dir: Path) -> Path:
    return Path(data_dir) / CRASH_DIR


def _header() -> str:
    return (
        f"labor-station {__version__}\n"
        f"time: {datetime.now().isoformat(timespec='seconds')}\n"
        f"python: {platform.python_version()} on {platform.platform()}\n"
    )


def write_report(data_dir: Path, exc: BaseException, thread: str | None = None) -> Path:
    folder = crash_dir(data_dir)
    private_dir(folder)
    path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}.txt"
    body = _header() + f"thread: {thread or threading.current_thread().name}\n"
    body += f"error: {describe_exception(exc)}\n"
    path.write_text(body, encoding="utf-8")
    private_file(path)
    return path


def install(data_dir: Path, *, on_exception=None) -> list[CrashReport]:
    """Install the hooks; returns the reports left by earlier runs (before this one's marker)."""
    data_dir = Path(data_dir)
    folder = crash_dir(data_dir)
    private_dir(folder)
    earlier = pending_reports(data_dir)
    marker = folder / MARKER
    if marker.exists():
        note = folder / f"unclean-{datetime.now():%Y%m%d-%H%M%S}.txt"
        note.write_text(_header() + "the previous run did not exit normally\n", encoding="utf-8")
        earlier.append(CrashReport(note, "unclean-exit", datetime.now()))
    marker.write_text(str(os.getpid()), encoding="utf-8")

    fatal = open(folder / FATAL_LOG, "a", encoding="utf-8")  # noqa: SIM115 - kept open for faulthandler
    faulthandler.enable(file=fatal, all_threads=True)
    _state.update(data_dir=data_dir, fatal=fatal, on_exception=on_exception)

    def excepthook(exc_type, exc, tb):
        if exc is None:
            return
        exc.__traceback__ = tb
        _report(exc, threading.current_thread().name)
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)

    def thread_hook(args):
        if args.exc_value is not None:
            _report(args.exc_value, args.thread.name if args.thread else None)

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    return earlier


def _report(exc: BaseException, thread: str | None) -> None:
    data_dir = _state.get("data_dir")
    if data_dir is None:
        return
    with contextlib.suppress(OSError):
        path = write_report(data_dir, exc, thread)
        callback = _state.get("on_exception")
        if callback is not None:
            callback(path)


def clean_exit(data_dir: Path | None = None) -> None:
    """Remove the running marker (a normal exit)."""
    data_dir = data_dir or _state.get("data_dir")
    if data_dir is None:
        return
    with contextlib.suppress(FileNotFoundError):
        (crash_dir(data_dir) / MARKER).unlink()
    fatal = _state.pop("fatal", None)
    if fatal is not None:
        faulthandler.disable()
        fatal.close()


def pending_reports(data_dir: Path) -> list[CrashReport]:
    folder = crash_dir(data_dir)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("crash-*.txt")):
        found.append(CrashReport(path, "exception", datetime.fromtimestamp(path.stat().st_mtime)))
    for path in sorted(folder.glob("unclean-*.txt")):
        found.append(
            CrashReport(path, "unclean-exit", datetime.fromtimestamp(path.stat().st_mtime))
        )
    fatal = folder / FATAL_LOG
    if fatal.exists() and fatal.stat().st_size > 0:
        found.append(CrashReport(fatal, "fatal", datetime.fromtimestamp(fatal.stat().st_mtime)))
    return found


def acknowledge(data_dir: Path, reports: list[CrashReport]) -> None:
    seen = crash_dir(data_dir) / SEEN_DIR
    private_dir(seen)
    for report in reports:
        if not report.path.exists():
            continue
        target = seen / f"{datetime.now():%Y%m%d-%H%M%S}-{report.path.name}"
        if report.kind == "fatal":
            # faulthandler may hold the file open: copy its content and empty it
            target.write_bytes(report.path.read_bytes())
            with open(report.path, "r+b") as fh:
                fh.truncate(0)
        else:
            report.path.replace(target)


def describe_for_user(reports: list[CrashReport]) -> str:
    kinds = {r.kind for r in reports}
    if kinds == {"unclean-exit"}:
        head = "上次程序没有正常退出（可能是断电、强制关机或程序无响应后被关闭）。"
    else:
        head = "很抱歉，上次程序运行时发生了意外错误并退出。"
    return (
        head
        + "\n\n已保存的数据不受影响：每次保存都在加密数据库中完整提交。正在填写但尚未保存的表单"
        "已自动存为草稿，再次打开该表单时可以恢复。\n\n"
        "错误报告只记录程序版本和出错的代码位置，不含任何当事人信息，保存在数据文件夹的 crash 目录中，"
        "可提供给区人社局信息管理员。"
    )
