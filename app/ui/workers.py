"""Background work off the GUI thread: a QRunnable that reports through signals and can be cancelled.

    task = Task(fn, *args)            # fn(*args, progress=..., cancel=...) or fn(*args)
    task.signals.done.connect(...)    # result
    task.signals.failed.connect(...)  # exception (a StoreError's str() is a Chinese message)
    task.signals.progress.connect(...)  # (done, total, text)
    run_task(task)                    # in the global thread pool

``fn`` receives ``progress(done, total, text)`` and ``cancel`` (a :class:`CancelToken`) only if its
signature asks for them, so core functions stay free of Qt.
"""

from __future__ import annotations

import inspect
import logging
import threading

from PySide6.QtCore import QObject, QThreadPool, Signal

from app.logsetup import describe_exception

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside a task that noticed its cancel flag."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def __bool__(self) -> bool:  # "if cancel:" reads naturally in core loops
        return self._event.is_set()


class TaskSignals(QObject):
    progress = Signal(int, int, str)
    done = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()


class Task:
    """One piece of background work. A plain object, not a QRunnable: the pool runs its bound
    ``run`` (Qt wraps the callable and deletes that wrapper itself), so no C++ object whose
    lifetime Python controls is still in use on the worker thread after the GUI thread has let
    go of the task. (A QRunnable subclass freed by the GUI thread in its ``finished`` slot while
    the worker thread was still returning from ``run`` is a use-after-free.)"""

    def __init__(self, fn, *args, **kwargs):
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.signals = TaskSignals()
        self.cancel_token = CancelToken()

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def run(self) -> None:
        kwargs = dict(self.kwargs)
        try:
            params = inspect.signature(self.fn).parameters
        except (TypeError, ValueError):
            params = {}
        if "progress" in params:
            kwargs["progress"] = lambda d, t, text="": self.signals.progress.emit(
                int(d), int(t), text
            )
        if "cancel" in params:
            kwargs["cancel"] = self.cancel_token
        try:
            result = self.fn(*self.args, **kwargs)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as exc:
            if self.cancel_token.cancelled:
                self.signals.cancelled.emit()
            else:
                log.error("background task failed: %s", describe_exception(exc))
                self.signals.failed.emit(exc)
        else:
            if self.cancel_token.cancelled:
                self.signals.cancelled.emit()
            else:
                self.signals.done.emit(result)
        finally:
            self.signals.finished.emit()


_running: set[Task] = set()


def run_task(task: Task, pool: QThreadPool | None = None) -> Task:
    """Start ``task`` and keep it alive until it has finished."""
    _running.add(task)
    task.signals.finished.connect(lambda: _running.discard(task))
    (pool or QThreadPool.globalInstance()).start(task.run)
    return task
