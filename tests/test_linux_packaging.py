"""The Linux bundle's left-out files, checked on the patterns of build.spec (the built bundle itself
is checked by packaging/build_bundle.sh: its size and the selftest run from a scratch folder)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pattern(name: str) -> re.Pattern:
    tree = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            flags = re.IGNORECASE if name == "_drop" else 0
            return re.compile(ast.literal_eval(node.value.args[0]), flags)
    raise AssertionError(f"build.spec has no {name} pattern")


def left_out_on_linux(dest: str) -> bool:
    return bool(
        _pattern("_system_only").match(dest)
        or _pattern("_linux_drop").search(dest)
        or _pattern("_drop").search("/" + dest)
    )


def test_linux_left_out():
    for dest in (
        "libstdc++.so.6", "libgcc_s.so.1", "PySide6/Qt/lib/libQt6Svg.so.6",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "zstandard/_cffi.cpython-311-x86_64-linux-gnu.so", "resources/icons/labor-station.ico",
        "libcups.so.2", "libgtk-3.so.0",
    ):  # fmt: skip
        assert left_out_on_linux(dest), dest


def test_linux_kept():
    for dest in (
        "_cffi_backend.cpython-311-x86_64-linux-gnu.so",  # cryptography's bindings load it
        "zstandard/backend_c.cpython-311-x86_64-linux-gnu.so",
        "cryptography/hazmat/bindings/_rust.abi3.so",
        "sqlcipher3/_sqlite3.cpython-311-x86_64-linux-gnu.so",
        "PySide6/Qt/lib/libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Pdf.so.6",
        "PySide6/Qt/lib/libQt6Charts.so.6", "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PIL/_imaging.cpython-311-x86_64-linux-gnu.so", "libxcb-cursor.so.0", "libX11.so.6",
        "resources/icons/labor-station.png", "resources/fonts/wqy-microhei.ttc",
        "libcrypto.so.3",
    ):  # fmt: skip
        assert not left_out_on_linux(dest), dest


def test_windows_keeps_what_linux_leaves_out():
    """The Linux-only patterns are not applied to the Windows bundle (tested under Wine apart)."""
    drop = _pattern("_drop")
    for dest in ("PySide6/Qt6Svg.dll", "PySide6/plugins/imageformats/qsvg.dll",
                 "zstandard/_cffi.cp311-win_amd64.pyd", "resources/icons/labor-station.ico"):  # fmt: skip
        assert not drop.search("/" + dest), dest
