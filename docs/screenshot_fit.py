"""Screenshots at 1366×768 of the main window (each section) and the long forms, as they open on a
station PC (used with ../shared/tools/screenshot; issue 14).

    SCREEN=1366x768 ../shared/tools/screenshot docs/fit-cases.png 8 -- \\
        .venv/bin/python docs/screenshot_fit.py section cases
    ... docs/screenshot_fit.py intake | agreement | preview | visit | case

Xvfb has no window manager, so "maximised" is done here by giving the window the screen; a
dialog is placed where Windows would put it, below a 32 px title bar. Creates the demo station
in $DEMO_DIR (default /tmp/labor-demo-shot) on first use.
"""

import os
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from app.demo import build_demo_station
from app.store.store import Store
from app.ui.application import setup_application
from app.ui.main_window import MainWindow
from app.ui.widgets.fit import TITLE_BAR

DATA = Path(os.environ.get("DEMO_DIR", "/tmp/labor-demo-shot"))
PASSWORD = "Demo-pass-2026"

if not Store.exists(DATA):
    build_demo_station(DATA, "GUDONG", PASSWORD)
app = QApplication(sys.argv)
setup_application(app)
store = Store.open(DATA, "admin", PASSWORD)
window = MainWindow(store)
window.show_placed()
screen = app.primaryScreen().availableGeometry()
window.setGeometry(screen)
what = sys.argv[1] if len(sys.argv) > 1 else "section"
arg = sys.argv[2] if len(sys.argv) > 2 else "workbench"


def place(dialog: QDialog) -> None:
    """Centre ``dialog`` as Windows would, its title bar above it still on the screen."""
    x = max(0, (screen.width() - dialog.width()) // 2)
    y = max(TITLE_BAR, (screen.height() - 40 - dialog.height()) // 2 + TITLE_BAR // 2)
    dialog.move(x, y)


def first_case(status: str | None = None) -> str:
    from sqlalchemy import select

    from app.store.models import DisputeCase

    query = select(DisputeCase.id).order_by(DisputeCase.case_no)
    if status:
        query = query.where(DisputeCase.status == status)
    with store.read() as s:
        return s.scalars(query).first()


def later() -> None:
    if what == "section":
        window.show_section(arg)
        return
    if what == "intake":
        window.show_section("cases")
        place(window.section("cases").new_case())
        return
    if what == "case":  # the page of a case in mediation: its actions, why one is refused
        window.show_section("cases")
        window.section("cases").open_case(first_case("in_mediation"))
        return
    if what in ("agreement", "preview"):
        window.show_section("cases")
        section = window.section("cases")
        section.open_case(first_case("in_mediation" if what == "agreement" else "performing"))
        page = section.case_page

        def opened() -> None:
            before = set(app.topLevelWidgets())
            if what == "agreement":
                page.edit_agreement()
            else:
                page.print_agreement()
            QTimer.singleShot(300, lambda: _place_new(before))

        page.loaded.connect(opened)
        return
    if what == "visit":
        from app.ui.visits.visit_form import VisitForm

        window.show_section("visits")
        form = VisitForm(window.ctx, window)
        form.show()
        place(form)


def _place_new(before: set) -> None:
    for widget in app.topLevelWidgets():
        if widget not in before and isinstance(widget, QDialog) and widget.isVisible():
            place(widget)


QTimer.singleShot(500, later)
app.exec()
