"""Write packaging/windows/requirements-windows.lock: every Windows wheel of the bundle build, pinned
by version and SHA-256 (run on Linux, by a maintainer, when a dependency is to change):

    python3 packaging/windows/lock_wheels.py            # resolve anew from pyproject.toml
    python3 packaging/windows/lock_wheels.py --keep     # same versions, hashes checked again

build_installer.sh downloads exactly these files (``pip download --require-hashes --no-deps``) and
installs them offline under Wine. After a change, run build_installer.sh: a new PySide6 or a
Rust-built wheel may import a Windows function Wine 8 lacks ("DLL load failed").

pip evaluates environment markers for the Linux host even with ``--platform``, so the dependencies
that only Windows pulls in are named here (WINDOWS_ONLY).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LOCK = HERE / "requirements-windows.lock"
PLATFORM = [
    "--platform", "win_amd64", "--python-version", "3.11", "--implementation", "cp",
    "--abi", "cp311", "--abi", "abi3", "--abi", "none", "--only-binary=:all:",
]
# Markers pip cannot see from Linux: PyInstaller's (pefile, pywin32-ctypes) and click's colour
# support (colorama).
WINDOWS_ONLY = ["pefile", "pywin32-ctypes", "colorama"]


def wanted() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["build"], *WINDOWS_ONLY]


def pinned() -> list[str]:
    return [
        line.split()[0]
        for line in LOCK.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]


def wheel_name_version(path: Path) -> tuple[str, str]:
    name, version = path.name.split("-")[:2]
    return re.sub(r"[-_.]+", "-", name).lower(), version


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", action="store_true", help="keep the locked versions")
    args = ap.parse_args()
    reqs = pinned() if args.keep else wanted()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-cache-dir", "-q", *PLATFORM, "-d", tmp]
        if args.keep:
            cmd.append("--no-deps")
        subprocess.run([*cmd, *reqs], check=True)
        lines = []
        for wheel in sorted(Path(tmp).glob("*.whl"), key=lambda p: wheel_name_version(p)[0]):
            name, version = wheel_name_version(wheel)
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            lines.append(f"{name}=={version} --hash=sha256:{digest}")
        others = [p.name for p in Path(tmp).iterdir() if p.suffix != ".whl"]
        if others:
            raise SystemExit(f"not a wheel: {others}")
    header = (
        "# Windows wheels of the bundle build (win_amd64, CPython 3.11), by version and SHA-256.\n"
        "# Written by packaging/windows/lock_wheels.py; used by build_installer.sh.\n"
    )
    LOCK.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{LOCK.relative_to(ROOT)}: {len(lines)} wheels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
