"""Start-up milestones for ``bench/startup.py``: when ``LABOR_STATION_STARTUP_MARKS`` names a
file, ``mark(name)`` appends ``name<TAB>unix time`` to it. Nothing else, and nothing personal."""

from __future__ import annotations

import os
import time

_FILE = os.environ.get("LABOR_STATION_STARTUP_MARKS")


def mark(name: str) -> None:
    if _FILE:
        with open(_FILE, "a", encoding="ascii") as out:
            out.write(f"{name}\t{time.time():.6f}\n")
