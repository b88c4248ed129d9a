"""Where things are: bundled resources, migrations and the station's data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "LaborStation"
APP_AUTHOR = "GulouHRSS"


def install_root() -> Path:
    """The folder holding ``resources/`` and ``migrations/``: the checkout or the PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    return install_root() / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def migrations_dir() -> Path:
    return install_root() / "migrations"


def default_data_dir() -> Path:
    """The per-user data folder; ``LABOR_STATION_DATA_DIR`` overrides it (used by tests and kiosks)."""
    override = os.environ.get("LABOR_STATION_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR, roaming=False))
