"""The command line as Windows meets it: redirected output on code pages without Chinese, and a
data folder whose path holds Chinese characters and spaces (a user named 张 三).

Real subprocesses (``python -m app``); ``PYTHONIOENCODING`` gives the child the stream encoding a
Windows PC gives a redirected stdout (cp1252 on an English Windows, cp936/GBK on a Chinese one).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import console

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "Demo-pass-2026"


def run(args, encoding=None, password=None, *, timeout=240):
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    for name in (
        "LABOR_STATION_PASSWORD",
        "LABOR_STATION_NEW_PASSWORD",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
    ):
        env.pop(name, None)
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    if password:
        env["LABOR_STATION_PASSWORD"] = password
    # bytes, not text: what the child wrote, to be decoded by the test
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_selftest_to_a_redirected_stdout_without_chinese_writes_utf8(tmp_path, encoding):
    result = run(["selftest", "--data-dir", str(tmp_path / "none")], encoding=encoding)
    out = result.stdout.decode("utf-8")  # raises if it is not UTF-8
    assert result.returncode == 0, out + result.stderr.decode("utf-8", "replace")
    assert "自检通过" in out and "加密存储" in out


def test_a_chinese_code_page_is_kept(tmp_path):
    result = run(["stations"], encoding="gbk")
    assert result.returncode == 0
    assert "鼓东街道" in result.stdout.decode("gbk")


def test_errors_and_help_on_cp1252(tmp_path):
    helped = run(["--help"], encoding="cp1252")
    assert helped.returncode == 0 and "图形界面" in helped.stdout.decode("utf-8")
    failed = run(
        ["init", "--station", "GUDONG", "--admin", "admin", "--data-dir", str(tmp_path / "d")],
        encoding="cp1252",
    )
    assert failed.returncode == 1
    assert "需要密码" in failed.stderr.decode("utf-8")
    assert b"Traceback" not in failed.stderr


def test_characters_outside_the_code_page_are_replaced_not_fatal():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="gbk")
    saved = sys.stdout
    try:
        sys.stdout = stream
        console.make_streams_safe()
        print("张𠀀三")  # U+20000 is not in GBK
        sys.stdout.flush()
    finally:
        sys.stdout = saved
    assert raw.getvalue().decode("gbk") == "张?三\n"


def test_no_streams_at_all_is_fine(monkeypatch):
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    console.make_streams_safe()


@pytest.mark.slow
def test_a_station_in_a_folder_with_chinese_and_spaces(tmp_path):
    """demo, cases, print agreement and selftest in "…/张 三/数据 目录", on cp1252 output."""
    data = tmp_path / "张 三" / "数据 目录"
    made = run(["demo", "--data-dir", str(data)], encoding="cp1252")
    assert made.returncode == 0, made.stderr.decode("utf-8", "replace")
    assert str(data) in made.stdout.decode("utf-8")

    listed = run(
        ["cases", "--data-dir", str(data), "--status", "performing"], "cp1252", DEMO_PASSWORD
    )
    assert listed.returncode == 0, listed.stderr.decode("utf-8", "replace")
    case_no = listed.stdout.decode("utf-8").split()[0]
    assert "劳调字" in case_no

    pdf = tmp_path / "张 三" / "调解 协议书.pdf"
    printed = run(
        ["print", "agreement", case_no, "-o", str(pdf), "--data-dir", str(data)],
        "cp1252",
        DEMO_PASSWORD,
    )
    assert printed.returncode == 0, printed.stderr.decode("utf-8", "replace")
    assert pdf.read_bytes().startswith(b"%PDF")

    checked = run(["selftest", "--data-dir", str(data)], "cp1252", DEMO_PASSWORD)
    out = checked.stdout.decode("utf-8")
    assert checked.returncode == 0, out
    assert "与程序一致" in out and "自检通过" in out
    assert list((data / "logs").iterdir()), "the log folder is made inside the data folder"
