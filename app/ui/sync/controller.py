"""Runs ``sync_once`` off the GUI thread on a timer, and reports to the status bar.

One controller per main window (``SyncController.for_context(ctx)``); the 同步 section and the
status bar share it. After a failed pass the next try comes sooner (1, 2, 4 … minutes, never later
than the interval), so a station back online syncs without waiting the full interval.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from app.sync import codelists, state
from app.sync.run import SyncResult, sync_once
from app.ui.context import AppContext

log = logging.getLogger(__name__)

FIRST_PASS_DELAY_MS = 5_000


class SyncController(QObject):
    #: a :class:`SyncStatus` after each refresh
    status_changed = Signal(object)
    #: a :class:`SyncResult` after each pass
    finished = Signal(object)
    started = Signal()
    #: (done, total, text) while sending
    progress = Signal(int, int, str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None):
        super().__init__(parent or ctx)
        self.ctx = ctx
        self.running = False
        self.failures = 0
        self.task = None
        self.last_status: state.SyncStatus | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.sync_now)

    @classmethod
    def for_context(cls, ctx: AppContext) -> SyncController:
        controller = getattr(ctx, "_sync_controller", None)
        if controller is None:
            controller = cls(ctx)
            ctx._sync_controller = controller  # type: ignore[attr-defined]
        return controller

    # ---------------------------------------------------------------- schedule

    def start(self, first_delay_ms: int = FIRST_PASS_DELAY_MS) -> None:
        """Sync automatically while the main window is open (it opens when a user logs in)."""
        # the district's code lists received by earlier passes, for this user's forms and lists
        codelists.use_district_code_lists(self.ctx.store)
        self.refresh_status()
        self.timer.start(first_delay_ms)

    def stop(self) -> None:
        self.timer.stop()
        if self.task is not None:
            self.task.cancel()

    def _schedule_next(self, ok: bool) -> None:
        interval = (
            self.last_status.interval_minutes
            if self.last_status
            else state.DEFAULT_INTERVAL_MINUTES
        )
        minutes = interval if ok else min(interval, 2 ** min(self.failures - 1, 8))
        self.timer.start(int(minutes * 60_000))

    def set_interval(self, minutes: int) -> None:
        state.set_interval(self.ctx.store, minutes)
        self.refresh_status()
        if not self.running:
            self.timer.start(minutes * 60_000)

    # ---------------------------------------------------------------- passes

    def sync_now(self) -> None:
        if self.running:
            return
        if self.last_status is not None and not self.last_status.enrolled:
            self.refresh_status(then_schedule=True)  # nothing to do until the station is enrolled
            return
        self.running = True
        self.timer.stop()
        self.started.emit()
        self.ctx.sync_status.emit("同步：正在与区级服务器同步…")
        self.task = self.ctx.run(
            sync_once,
            self.ctx.store,
            on_done=self._done,
            on_failed=self._failed,
            on_progress=self.progress.emit,
        )
        self.task.signals.cancelled.connect(self._cancelled)

    def _done(self, result: SyncResult) -> None:
        self.running = False
        self.task = None
        self.failures = 0 if result.ok else self.failures + 1
        self.finished.emit(result)
        self.refresh_status(then_schedule=result.ok)

    def _failed(self, exc: BaseException) -> None:  # sync_once reports problems; this is a bug
        self.running = False
        self.task = None
        self.failures += 1
        self.ctx.sync_status.emit("同步：发生意外错误，稍后自动重试")
        self.refresh_status(then_schedule=False)

    def _cancelled(self) -> None:
        self.running = False
        self.task = None

    def refresh_status(self, then_schedule: bool | None = None) -> None:
        def shown(status: state.SyncStatus) -> None:
            self.last_status = status
            self.ctx.sync_status.emit(status.summary)
            self.status_changed.emit(status)
            if then_schedule is not None:
                self._schedule_next(then_schedule)

        self.ctx.run(
            state.status,
            self.ctx.store,
            on_done=shown,
            on_failed=lambda exc: self.ctx.sync_status.emit("同步：状态读取失败"),
        )
