"""What every section of the main window gets: the open store, the user, background work, messages."""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.logsetup import describe_exception
from app.store.errors import StoreError
from app.ui.workers import Task, run_task

if TYPE_CHECKING:
    from app.store.store import Store

log = logging.getLogger(__name__)


def user_message(exc: BaseException) -> str:
    """The Chinese message to show for an exception: a StoreError's own text, else a generic one."""
    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"文件读写失败：{exc.strerror or exc}"
    return "操作未能完成，发生了意外错误。已记录错误位置（不含个人信息），请联系信息管理员。"


class AppContext(QObject):
    #: the entities (table names: ``"enterprise"``, ``"dispute_case"`` …) whose records a commit
    #: changed, from the store's change notification, whichever thread committed
    store_changed = Signal(object)
    #: the same, one entity name at a time
    data_changed = Signal(str)
    #: ask the main window to show a section: (section key, keyword arguments for it)
    navigate_requested = Signal(str, dict)
    #: sync status text for the status bar
    sync_status = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.pool = QThreadPool.globalInstance()
        # The store calls listeners on the committing thread; a signal emitted there reaches the
        # slots on the GUI thread (queued). The listener holds the signal only through a weak
        # reference, and is removed when this context goes.
        me = weakref.ref(self)

        def changed(entities: frozenset[str]) -> None:
            ctx = me()
            if ctx is not None:
                with contextlib.suppress(RuntimeError):  # deleted meanwhile
                    ctx.store_changed.emit(entities)

        store.add_change_listener(changed)
        self.destroyed.connect(lambda *_: store.remove_change_listener(changed))
        self.store_changed.connect(self._each_entity)

    def _each_entity(self, entities: frozenset[str]) -> None:
        for entity in sorted(entities):
            self.data_changed.emit(entity)

    @property
    def user(self):
        return self.store.user

    def navigate(self, section: str, **kwargs) -> None:
        self.navigate_requested.emit(section, kwargs)

    def run(
        self,
        fn: Callable,
        *args,
        on_done: Callable | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        **kwargs,
    ) -> Task:
        """Run ``fn`` in the thread pool; callbacks run on the GUI thread."""
        task = Task(fn, *args, **kwargs)
        if on_done:
            task.signals.done.connect(on_done)
        if on_progress:
            task.signals.progress.connect(on_progress)
        task.signals.failed.connect(on_failed or (lambda exc: self.show_error(None, exc)))
        return run_task(task, self.pool)

    def show_error(
        self, parent: QWidget | None, exc: BaseException, title: str = "操作失败"
    ) -> None:
        if not isinstance(exc, StoreError):
            log.error("unexpected error: %s", describe_exception(exc))
        QMessageBox.warning(parent, title, user_message(exc))
