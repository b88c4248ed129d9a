"""Screenshots of the 调解案件 section on the demo station (used with ../shared/tools/screenshot).

    ../shared/tools/screenshot docs/cases-list.png 8 -- .venv/bin/python docs/screenshot_cases.py list
    ... docs/screenshot_cases.py case 0020        # a case page (case number suffix)
    ... docs/screenshot_cases.py intake | agreement 0017 | preview 0020 | edit 0020 | party 0020

Creates the demo station in $DEMO_DIR (default /tmp/labor-demo-shot) on first use.
"""

import os
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.demo import build_demo_station
from app.store.store import Store
from app.ui.application import setup_application
from app.ui.main_window import MainWindow

DATA = Path(os.environ.get("DEMO_DIR", "/tmp/labor-demo-shot"))
PASSWORD = "Demo-pass-2026"

if not Store.exists(DATA):
    build_demo_station(DATA, "GUDONG", PASSWORD)
app = QApplication(sys.argv)
setup_application(app)
store = Store.open(DATA, "admin", PASSWORD)
window = MainWindow(store)
window.show_placed()  # maximised, as on a station PC
window.show_section("cases")
section = window.section("cases")
what = sys.argv[1] if len(sys.argv) > 1 else "list"
suffix = sys.argv[2] if len(sys.argv) > 2 else None


def case_id(tail: str) -> str:
    from sqlalchemy import select

    from app.store.models import DisputeCase

    with store.read() as s:
        return s.scalar(select(DisputeCase.id).where(DisputeCase.case_no.like(f"%第{tail}号")))


def later() -> None:
    if what == "intake":
        section.new_case()
    elif what in ("case", "agreement", "preview", "edit", "party"):
        section.open_case(case_id(suffix))
        page = section.case_page

        def opened() -> None:
            if what == "agreement":
                page.tabs.setCurrentIndex(3)
                page.edit_agreement() if page.detail.draft_agreement else page.print_agreement()
            elif what == "preview":
                page.print_agreement()
            elif what == "edit":
                page.edit_details()
            elif what == "party":
                page.edit_party()
            else:
                page.tabs.setCurrentIndex(int(os.environ.get("TAB", "1")))

        page.loaded.connect(opened)


QTimer.singleShot(500, later)
app.exec()
