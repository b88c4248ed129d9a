"""The sections of the main window. Each area adds its own entry to ``SECTIONS``.

A section is a ``Section`` subclass built with the :class:`AppContext`; it is created when first
shown. A section that is not built yet is simply absent: no placeholder pages.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from app.ui.context import AppContext


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    #: "module:ClassName" of the Section subclass
    factory: str
    order: int
    admin_only: bool = False

    def create(self, ctx: AppContext) -> Section:
        module, cls = self.factory.split(":")
        return getattr(importlib.import_module(module), cls)(ctx)


# Navigation order of the plan: 工作台 10, 企业名录 20, 调解案件 30, 企业走访 40, 五个一活动 50,
# 同步 60, 设置与用户 90.
SECTIONS: list[SectionSpec] = [
    SectionSpec("roster", "企业名录", "app.ui.roster.section:RosterSection", 20),
    SectionSpec("cases", "调解案件", "app.ui.cases.section:CasesSection", 30),
    SectionSpec("sync", "同步", "app.ui.sync.section:SyncSection", 60),
    SectionSpec("settings", "设置与用户", "app.ui.sections.settings:SettingsSection", 90),
]


class Section(QWidget):
    """Base class of a main-window section."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx

    def activated(self) -> None:
        """Called each time the section is shown: refresh what may have changed."""

    def navigate(self, **kwargs) -> None:
        """Show a particular record (e.g. ``id=...``) when another section asks for it."""


def visible_sections(is_admin: bool) -> list[SectionSpec]:
    return sorted((s for s in SECTIONS if is_admin or not s.admin_only), key=lambda s: s.order)
