"""Labor-relations station app for Gulou District, Fuzhou.

The core (domain, store, roster, documents, sync) is plain Python; ``app.ui`` is the only package
that imports Qt.
"""

import sys
from importlib import metadata
from pathlib import Path


def _bundle_version() -> str | None:
    """The stamp build.spec puts in a PyInstaller bundle (``_internal/VERSION``)."""
    bundle = getattr(sys, "_MEIPASS", None)
    stamp = Path(bundle, "VERSION") if bundle else None
    if stamp is not None and stamp.is_file():
        return stamp.read_text(encoding="utf-8").strip() or None
    return None


__version__ = _bundle_version()
if __version__ is None:
    try:
        __version__ = metadata.version("labor-station")
    except metadata.PackageNotFoundError:  # a bare checkout
        from app._version import VERSION as __version__
