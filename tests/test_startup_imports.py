"""The login window needs little: the store's code (SQLAlchemy, the models, Alembic), ReportLab,
the district server and the sections load later, in the background while the password is typed
(issue 14, point 7; the figures are bench/startup.py's)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import sys
import app.cli.main as cli
cli.build_parser()
import app.ui.application, app.ui.login
heavy = sorted(m for m in ("sqlalchemy", "alembic", "reportlab", "openpyxl", "app.store.store",
                           "app.district", "app.ui.main_window", "fastapi", "httpx")
               if m in sys.modules)
print(",".join(heavy))
"""


def test_the_login_path_does_not_load_the_heavy_parts():
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True)  # fmt: skip
    assert run.stdout.strip() == "", run.stdout


def test_the_warm_up_loads_what_the_main_window_needs():
    from app.ui import login

    assert "app.store.store" in login.WARM_UP_MODULES
    assert "app.ui.main_window" in login.WARM_UP_MODULES
