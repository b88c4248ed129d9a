"""What every section of the main window gets: the open store, the user, background work, messages."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.logsetup import describe_exception
from app.store.errors import StoreError
from app.store.store import Store
from app.ui.workers import Task, run_task

log = logging.getLogger(__name__)


def user_message(exc: BaseException) -> str:
    """The Chinese message to show for an exception: a StoreError's own text, else a generic one."""
    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"文件读写失败：{exc.strerror or exc}"
    return "操作未能完成，发生了意外错误。已记录错误位置（不含个人信息），请联系信息管理员。"


class AppContext(QObject):
    #: an entity name (``"enterprise"``, ``"dispute_case"`` …) whose records changed
    data_changed = Signal(str)
    #: ask the main window to show a section: (section key, keyword arguments for it)
    navigate_requested = Signal(str, dict)
    #: sync status text for the status bar
    sync_status = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.pool = QThreadPool.globalInstance()

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
