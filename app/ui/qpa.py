"""Before the first window on Linux: can Qt's platform plugin load? Plain Python, no Qt.

When the xcb plugin cannot load (a fresh Debian or Ubuntu lacks ``libxcb-cursor0`` and friends),
Qt prints an English "Could not load the Qt platform plugin xcb" and aborts the process. Instead,
``choose_platform()`` tries to load the plugin itself (``dlopen``, which names the missing library),
falls back to the Wayland plugin when the session is Wayland, and otherwise returns a message in
Chinese and English with the exact install line for the user's distribution.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

# The libraries Qt 6's xcb plugin needs beyond a basic X11 desktop, with their package names.
# (soname, Debian/Ubuntu/UOS/Kylin, Fedora/RHEL/openEuler, openSUSE, Arch)
XCB_LIBRARIES = [
    (
        "libxcb-cursor.so.0",
        "libxcb-cursor0",
        "xcb-util-cursor",
        "libxcb-cursor0",
        "xcb-util-cursor",
    ),
    ("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm", "libxcb-icccm4", "xcb-util-wm"),
    (
        "libxcb-keysyms.so.1",
        "libxcb-keysyms1",
        "xcb-util-keysyms",
        "libxcb-keysyms1",
        "xcb-util-keysyms",
    ),
    ("libxcb-image.so.0", "libxcb-image0", "xcb-util-image", "libxcb-image0", "xcb-util-image"),
    (
        "libxcb-render-util.so.0",
        "libxcb-render-util0",
        "xcb-util-renderutil",
        "libxcb-render-util0",
        "xcb-util-renderutil",
    ),
    (
        "libxkbcommon-x11.so.0",
        "libxkbcommon-x11-0",
        "libxkbcommon-x11",
        "libxkbcommon-x11-0",
        "libxkbcommon-x11",
    ),
    ("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon", "libxkbcommon0", "libxkbcommon"),
    ("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb", "libxcb-xkb1", "libxcb"),
    ("libxcb-shape.so.0", "libxcb-shape0", "libxcb", "libxcb-shape0", "libxcb"),
    ("libxcb-randr.so.0", "libxcb-randr0", "libxcb", "libxcb-randr0", "libxcb"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0", "libxcb", "libxcb-xfixes0", "libxcb"),
    ("libxcb-sync.so.1", "libxcb-sync1", "libxcb", "libxcb-sync1", "libxcb"),
    ("libxcb-shm.so.0", "libxcb-shm0", "libxcb", "libxcb-shm0", "libxcb"),
    ("libxcb-render.so.0", "libxcb-render0", "libxcb", "libxcb-render0", "libxcb"),
    ("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb", "libX11-xcb1", "libx11"),
    ("libEGL.so.1", "libegl1", "libglvnd-egl", "libEGL1", "libglvnd"),
    ("libfontconfig.so.1", "libfontconfig1", "fontconfig", "libfontconfig1", "fontconfig"),
    ("libdbus-1.so.3", "libdbus-1-3", "dbus-libs", "libdbus-1-3", "dbus"),
]
# What README's quick start asks for (a fresh Debian 12 / Ubuntu 22.04+ desktop lacks these).
APT_GUI_PACKAGES = [row[1] for row in XCB_LIBRARIES[:6]]
DISTROS = [
    ("Debian/Ubuntu/统信UOS/银河麒麟", "sudo apt-get install -y"),
    ("Fedora/RHEL/openEuler", "sudo dnf install -y"),
    ("openSUSE", "sudo zypper install -y"),
    ("Arch", "sudo pacman -S --needed"),
]

Loader = Callable[[str], None]


def _dlopen(path: str) -> None:
    ctypes.CDLL(path)


@dataclass(frozen=True)
class Choice:
    platform: str | None = None  # a platform to set in QT_QPA_PLATFORM, or None for Qt's choice
    message: str | None = None  # when set, the GUI cannot start: say this and exit


def plugin_dirs(env: Mapping[str, str]) -> list[Path]:
    dirs = [Path(p) for p in env.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    try:
        import PySide6  # the package only: Qt's libraries are not loaded by this

        base = Path(PySide6.__file__).resolve().parent
        dirs += [base / "Qt" / "plugins", base / "plugins"]
    except ImportError:
        pass
    return dirs


def find_plugin(name: str, env: Mapping[str, str]) -> Path | None:
    for d in plugin_dirs(env):
        candidate = d / "platforms" / f"libq{name}.so"
        if candidate.is_file():
            return candidate
    return None


def try_load(path: Path | None, load: Loader) -> str | None:
    """None when it loads, else the loader's reason."""
    if path is None:
        return "plugin not found"
    try:  # Qt's own libraries first, as Qt has them loaded when it opens a plugin
        import PySide6.QtGui  # noqa: F401
    except ImportError as exc:
        return str(exc)
    try:
        load(str(path))
    except OSError as exc:
        return str(exc)
    return None


def missing_libraries(reason: str, load: Loader) -> list[tuple[str, ...]]:
    missing = []
    for row in XCB_LIBRARIES:
        if row[0] in reason:
            missing.append(row)
            continue
        try:
            load(row[0])
        except OSError:
            missing.append(row)
    return missing


def install_message(reason: str, missing: list[tuple[str, ...]]) -> str:
    names = "、".join(row[0] for row in missing) or reason
    lines = [
        f"无法打开图形界面：系统缺少 Qt 图形界面（xcb 平台插件）所需的库 {names}。",
        "请按所用的系统安装后再启动本程序：",
    ]
    rows = missing or XCB_LIBRARIES[:6]
    for i, (distro, command) in enumerate(DISTROS):
        packages = list(dict.fromkeys(row[i + 1] for row in rows))
        lines.append(f"  {distro}：  {command} {' '.join(packages)}")
    lines += [
        "",
        f"The graphical interface cannot start: Qt's xcb platform plugin needs {', '.join(r[0] for r in missing) or reason},",
        "which this system lacks. Install it with the line above for your distribution, then start again.",
        f"(Qt: {reason})",
    ]
    return "\n".join(lines)


def unknown_library_message(soname: str, reason: str) -> str:
    return "\n".join(
        [
            f"无法打开图形界面：系统缺少 Qt 图形界面（xcb 平台插件）所需的库 {soname}。",
            "请安装提供该库的软件包后再启动本程序。查找软件包：",
            f"  Debian/Ubuntu/统信UOS/银河麒麟：  apt-file search {soname}",
            f"  Fedora/RHEL/openEuler：  dnf provides '*/{soname}'",
            f"  openSUSE：  zypper search --provides {soname}",
            "",
            f"The graphical interface cannot start: Qt's xcb platform plugin needs {soname}, which this",
            "system lacks. Install the package that provides it (see the commands above), then start again.",
            f"(Qt: {reason})",
        ]
    )


NO_DISPLAY = (
    "无法打开图形界面：没有可用的图形显示（未设置 DISPLAY 或 WAYLAND_DISPLAY）。"
    "请在桌面会话中启动；命令行功能（如 labor-station selftest）不需要图形显示。\n"
    "The graphical interface cannot start: there is no display (DISPLAY or WAYLAND_DISPLAY is not "
    "set). Start it from a desktop session; the subcommands (e.g. labor-station selftest) need none."
)


def choose_platform(env: Mapping[str, str] | None = None, load: Loader = _dlopen) -> Choice:
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return Choice()  # Windows and macOS have one platform plugin; a chosen one is respected
    x11 = bool(env.get("DISPLAY"))
    wayland = bool(env.get("WAYLAND_DISPLAY")) or env.get("XDG_SESSION_TYPE") == "wayland"
    reason = try_load(find_plugin("xcb", env), load) if x11 else "DISPLAY is not set"
    if x11 and reason is None:
        return Choice()
    if wayland and try_load(find_plugin("wayland", env), load) is None:
        return Choice(platform="wayland")
    if not x11 and not wayland:
        return Choice(message=NO_DISPLAY)
    missing = missing_libraries(reason, load)
    if missing:
        return Choice(message=install_message(reason, missing))
    unknown = re.match(r"([^\s:/]+\.so[.\d]*): cannot open shared object file", reason)
    if unknown:  # a library not in the table: say which, and how to find its package
        return Choice(message=unknown_library_message(unknown.group(1), reason))
    return Choice()  # not a missing library: let Qt try and say what it says
