"""Screenshots of 企业名录 on the demo station (used with ../shared/tools/screenshot).

    ../shared/tools/screenshot docs/roster-list.png 8 -- .venv/bin/python docs/screenshot_roster.py list
    ../shared/tools/screenshot docs/roster-import.png 10 -- .venv/bin/python docs/screenshot_roster.py import

``import`` opens the import dialog on a generated 300-row roster as offices send them (a title row,
header aliases, full-width codes, a few invalid rows and duplicates: the bench's generator).
Creates the demo station in $DEMO_DIR (default /tmp/labor-demo-shot) on first use.
"""

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.demo import build_demo_station
from app.store.store import Store
from app.ui.application import setup_application
from app.ui.main_window import MainWindow
from bench.roster_import import roster_rows, write_excel_like

DATA = Path(os.environ.get("DEMO_DIR", "/tmp/labor-demo-shot"))
PASSWORD = "Demo-pass-2026"

if not Store.exists(DATA):
    build_demo_station(DATA, "GUDONG", PASSWORD)
app = QApplication(sys.argv)
setup_application(app)
window = MainWindow(Store.open(DATA, "admin", PASSWORD))
window.resize(1400, 860)
window.move(20, 20)
window.show()
window.show_section("roster")
what = sys.argv[1] if len(sys.argv) > 1 else "list"


def later() -> None:
    if what == "import":
        path = Path(tempfile.mkdtemp(prefix="roster-shot-")) / "鼓楼区企业名录.xlsx"
        write_excel_like(path, roster_rows(300, seed=11))
        dialog = window.section("roster").open_import()
        dialog.resize(1200, 780)
        dialog.move(110, 50)
        dialog.open_file(path)


QTimer.singleShot(500, later)
app.exec()
