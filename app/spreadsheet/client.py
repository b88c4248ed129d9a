"""The caller's side of a reader child: start it, ask, get answers or a FileProblem.

    with ReaderProcess() as reader:
        info = reader.call("open", path)
        sheet = reader.call("load", name, 40)
        for count, columns in reader.stream("columns", name, skip, positions): ...

The child is started with the ``spawn`` method everywhere (fork is unsafe in a process with
Qt's threads, and spawn is what Windows does), so Linux runs the same path as the stations'
PCs. In the PyInstaller bundle the entry point calls ``multiprocessing.freeze_support()`` first.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator

from app.spreadsheet import codec
from app.spreadsheet.limits import DEFAULT_LIMIT_BYTES
from app.spreadsheet.probe import FileProblem

log = logging.getLogger(__name__)

#: a request that takes longer than this is given up (the child is ended)
TIMEOUT_S = 600.0


class ReaderDied(Exception):
    """The child ended without answering (out of memory, or the parser crashed)."""

    def __init__(self, exitcode: int | None):
        super().__init__(exitcode)
        self.exitcode = exitcode


class ReaderCancelled(Exception):
    """The caller cancelled while the child was working; the child was ended."""


def _cancelled(cancel) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return cancel.is_set()
    return bool(cancel()) if callable(cancel) else bool(cancel)


class ReaderProcess:
    """One reader child (one workbook at a time). Not thread-safe: one caller at a time."""

    def __init__(self, limit_bytes: int = DEFAULT_LIMIT_BYTES):
        from app.spreadsheet.worker import serve

        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=serve, args=(child, limit_bytes), daemon=True,
                                   name="spreadsheet-reader")  # fmt: skip
        self.process.start()
        child.close()
        self.limit_bytes = limit_bytes
        self.limit_how: str | None = None
        self._closed = False

    # ------------------------------------------------------------ plumbing

    def _recv(self, cancel=None, timeout: float = TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self._conn.poll(0.05):
                    return self._conn.recv()
            except (EOFError, OSError, ConnectionError):
                self._died()
            if not self.process.is_alive() and not self._conn.poll(0):
                self._died()
            if _cancelled(cancel):
                self.kill()
                raise ReaderCancelled()
            if time.monotonic() > deadline:
                self.kill()
                raise FileProblem(
                    "读取文件超时，已停止读取，未导入任何数据。文件可能过大或已损坏。"
                )

    def _died(self):
        self.process.join(5)
        code = self.process.exitcode
        self._closed = True
        log.warning("spreadsheet reader child ended without answering (exit code %s)", code)
        raise ReaderDied(code)

    def _ready(self, cancel) -> None:
        if self.limit_how is None:
            _tag, self.limit_how = self._recv(cancel, timeout=120)
            log.info("spreadsheet reader child %s: %s", self.process.pid, self.limit_how)

    @staticmethod
    def _raise_problem(reply) -> None:
        if reply[0] == "problem":
            raise FileProblem(reply[1], reply[2])

    def call(self, op: str, *args, cancel=None):
        """One request, one answer (``FileProblem`` for a problem with the file)."""
        self._ready(cancel)
        self._conn.send((op, *args))
        reply = self._recv(cancel)
        self._raise_problem(reply)
        return reply[1]

    def stream(self, op: str, *args, cancel=None) -> Iterator[tuple[int, list]]:
        """``(row count, chunk)`` answers until the end; columns come decoded."""
        self._ready(cancel)
        self._conn.send((op, *args))
        while True:
            reply = self._recv(cancel)
            self._raise_problem(reply)
            if reply[0] == "end":
                return
            _tag, count, chunk = reply
            if op == "columns":
                chunk = [codec.decode(c) for c in chunk]
            yield count, chunk

    # ------------------------------------------------------------ ending

    def close(self) -> None:
        """Ask the child to end (it frees the workbook's memory with it)."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError, ValueError):
            self._conn.send(("close",))
        threading.Thread(target=self._reap, daemon=True).start()

    def _reap(self) -> None:
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self._conn.close()

    def kill(self) -> None:
        self._closed = True
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self._conn.close()

    def __enter__(self) -> ReaderProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------- a child started ahead of need

_spare: ReaderProcess | None = None
_spare_lock = threading.Lock()


def prestart() -> None:
    """Start a reader child now (e.g. when the import dialog opens), so that reading the file
    the user picks does not wait for a new Python to start."""
    global _spare
    with _spare_lock:
        if _spare is None or not _spare.process.is_alive():
            _spare = ReaderProcess()


def take(factory: Callable[[], ReaderProcess] = ReaderProcess) -> ReaderProcess:
    """The spare child when there is one, else a new one."""
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None and spare.process.is_alive():
        return spare
    return factory()
