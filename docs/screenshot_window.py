"""Open the main window on a demo station for a screenshot (used with ../shared/tools/screenshot).

    ../shared/tools/screenshot docs/main-window.png 6 -- .venv/bin/python docs/screenshot_window.py [SECTION]

Creates the demo station in /tmp/labor-demo-shot on first use (password Demo-pass-2026).
"""

import os
import sys
from pathlib import Path

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
window = MainWindow(Store.open(DATA, "admin", PASSWORD))
window.show_placed()  # maximised, as on a station PC
if len(sys.argv) > 1:
    window.show_section(sys.argv[1])
app.exec()
