"""`labor-station selftest` as a support person runs it: a real subprocess, offscreen."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def run(args, **env_extra):
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", **env_extra)
    env.pop("LABOR_STATION_PASSWORD", None)
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "app", "selftest", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_selftest_passes_without_a_station(tmp_path):
    result = run(["--data-dir", str(tmp_path / "none")])
    assert result.returncode == 0, result.stdout + result.stderr
    for step in ("加密存储", "生成文书", "离屏渲染", "界面", "自检通过"):
        assert step in result.stdout
    assert "尚无站点数据" in result.stdout


def test_selftest_checks_the_station_schema_with_a_password(created, data_dir):
    created[0].close()
    result = run(["--data-dir", str(data_dir)], LABOR_STATION_PASSWORD=ADMIN_PASSWORD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "与程序一致" in result.stdout


def test_selftest_fails_clearly_on_a_wrong_password(created, data_dir):
    created[0].close()
    result = run(["--data-dir", str(data_dir)], LABOR_STATION_PASSWORD="wrong-password")
    assert result.returncode == 1
    assert "失败  站点数据" in result.stdout and "自检未通过" in result.stdout
