"""Starting the GUI on Linux where Qt's platform plugin cannot load: a message, not an abort."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.ui import qpa

ROOT = Path(__file__).resolve().parent.parent
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux platform plugins")


def fake_loader(missing: set[str]):
    def load(path: str) -> None:
        name = Path(path).name
        if name == "libqxcb.so" and missing:
            raise OSError(
                f"{sorted(missing)[0]}: cannot open shared object file: No such file or directory"
            )
        if name in missing:
            raise OSError(f"{name}: cannot open shared object file")

    return load


@linux
def test_xcb_loading_keeps_qts_choice():
    assert qpa.choose_platform({"DISPLAY": ":0"}, fake_loader(set())) == qpa.Choice()


@linux
def test_missing_xcb_libraries_give_the_install_line():
    choice = qpa.choose_platform(
        {"DISPLAY": ":0"}, fake_loader({"libxcb-cursor.so.0", "libxkbcommon-x11.so.0"})
    )
    assert choice.platform is None
    text = choice.message
    assert "无法打开图形界面" in text and "cannot start" in text
    assert "sudo apt-get install -y libxcb-cursor0 libxkbcommon-x11-0\n" in text
    assert "sudo dnf install -y xcb-util-cursor libxkbcommon-x11" in text
    assert "sudo pacman -S --needed xcb-util-cursor libxkbcommon-x11" in text


@linux
def test_a_wayland_session_falls_back_to_the_wayland_plugin(monkeypatch, tmp_path):
    plugins = tmp_path / "platforms"
    plugins.mkdir()
    (plugins / "libqwayland.so").write_bytes(b"")
    (plugins / "libqxcb.so").write_bytes(b"")
    env = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "QT_PLUGIN_PATH": str(tmp_path)}
    choice = qpa.choose_platform(env, fake_loader({"libxcb-cursor.so.0"}))
    assert choice == qpa.Choice(platform="wayland")


def test_a_chosen_platform_is_respected():
    assert qpa.choose_platform({"QT_QPA_PLATFORM": "offscreen"}, fake_loader({"x"})) == qpa.Choice()


@linux
def test_no_display_at_all():
    assert qpa.choose_platform({}, fake_loader(set())).message == qpa.NO_DISPLAY


@linux
@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc to build a plugin")
def test_the_program_says_what_to_install_instead_of_aborting(tmp_path):
    """A real xcb plugin file linked against a library that is not there: dlopen fails as it does
    on a fresh Debian without libxcb-cursor0, and `labor-station` exits with the message (no Qt
    abort). (This machine has the real libraries, so the missing one is made up.)"""
    build = tmp_path / "build"
    build.mkdir()
    (build / "x.c").write_text("int x(void) { return 0; }\n")
    subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-Wl,-soname,libxcb-labor-test.so.0",
            "-o",
            str(build / "libxcb-labor-test.so.0"),
            str(build / "x.c"),
        ],
        check=True,
    )
    platforms = tmp_path / "plugins" / "platforms"
    platforms.mkdir(parents=True)
    subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-o",
            str(platforms / "libqxcb.so"),
            str(build / "x.c"),
            "-Wl,--no-as-needed",
            str(build / "libxcb-labor-test.so.0"),
        ],
        check=True,
    )
    shutil.rmtree(build)  # now the plugin's dependency is missing
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), DISPLAY=":77", QT_PLUGIN_PATH=str(tmp_path / "plugins")
    )
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3, result.stderr
    assert "libxcb-labor-test.so.0" in result.stderr and "apt-file search" in result.stderr
    assert "cannot start" in result.stderr
