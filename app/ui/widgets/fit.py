"""Windows that fit a 1366×768 station PC.

Government office PCs mostly have 1366×768 screens; the Windows taskbar leaves about 1366×728,
and a dialog's title bar takes ~32 px of that. Every dialog sizes itself with :func:`fit_window`
(its wished-for size, cut to the screen it opens on), puts a long form in :func:`scrolling`, and
keeps its button row outside the scroll area, so the buttons stay visible.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

#: the usable part of a 1366×768 screen with the Windows taskbar
STATION_SCREEN = QSize(1366, 728)
#: what the window frame adds around the client area on Windows 10/11 at 100 % scale
TITLE_BAR = 32
FRAME_SIDE = 8


def usable_area(widget: QWidget | None = None) -> QRect:
    """The client area a top-level window may take on the screen ``widget`` is on (or will open
    on): the available geometry less the title bar and frame."""
    screen = None
    if widget is not None:
        parent = widget.parentWidget()
        screen = (parent.screen() if parent is not None else None) or widget.screen()
    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:  # pragma: no cover - no display at all
        return QRect(0, 0, STATION_SCREEN.width(), STATION_SCREEN.height() - TITLE_BAR)
    area = screen.availableGeometry()
    return area.adjusted(FRAME_SIDE, TITLE_BAR, -FRAME_SIDE, -FRAME_SIDE)


def fit_window(window: QWidget, width: int, height: int) -> QSize:
    """Resize ``window`` to ``width``×``height`` or, on a smaller screen, to what fits on it."""
    area = usable_area(window)
    size = QSize(min(width, area.width()), min(height, area.height()))
    window.resize(size)
    return size


def fits_on_screen(window: QWidget) -> bool:
    area = usable_area(window)
    return window.width() <= area.width() and window.height() <= area.height()


def scrolling(content: QWidget, *, horizontal: bool = False) -> QScrollArea:
    """``content`` in a frameless scroll area that scrolls vertically (a long form)."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    if not horizontal:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(content)
    return area
