"""Labor-relations station app for Gulou District, Fuzhou.

The core (domain, store, roster, documents, sync) is plain Python; ``app.ui`` is the only package
that imports Qt.
"""

from importlib import metadata

try:
    __version__ = metadata.version("labor-station")
except metadata.PackageNotFoundError:  # running from a PyInstaller bundle or a bare checkout
    from app._version import VERSION as __version__  # noqa: F401
