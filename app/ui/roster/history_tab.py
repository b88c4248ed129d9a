"""The 操作记录 tab of an enterprise's page (the shared widget, :mod:`app.ui.widgets.history`):
who changed what and when, roster imports, credit notes and attachments included."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.ui.widgets.history import HistoryView


def make_history_tab(ctx, enterprise_id: str) -> QWidget:
    return HistoryView(ctx, "enterprise", enterprise_id)
