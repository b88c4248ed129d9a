"""Helpers shared by the subcommands: data folder, passwords, opening the store, errors."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from app.paths import default_data_dir
from app.store.errors import StoreError

PASSWORD_ENV = "LABOR_STATION_PASSWORD"
USER_ENV = "LABOR_STATION_USER"


class CliError(Exception):
    """A failure to report in one Chinese line; ``exit_code`` is the process exit status."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class _DataDirAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, Path(values).expanduser())


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    """``--data-dir`` on the main parser and every subparser (either position works)."""
    is_sub = parser.prog.count(" ") > 0
    parser.add_argument(
        "--data-dir",
        action=_DataDirAction,
        default=argparse.SUPPRESS if is_sub else default_data_dir(),
        help="站点数据文件夹（默认：用户数据目录）",
    )


def add_user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        default=os.environ.get(USER_ENV, "admin"),
        help=f"以哪个用户身份操作（默认取环境变量 {USER_ENV}，否则 admin）",
    )


def read_password(prompt: str = "密码：", *, confirm: bool = False) -> str:
    """From ``LABOR_STATION_PASSWORD`` or an interactive prompt (never an argument)."""
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"需要密码：请设置环境变量 {PASSWORD_ENV}，或在终端中运行以便输入")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("再次输入：") != first:
        raise CliError("两次输入的密码不一致")
    return first


def open_store(args, *, user: str | None = None):
    """Open the station store in ``args.data_dir`` as ``args.user``; errors become CliError."""
    from app.store.store import Store
    from app.sync.join import unfinished_folder

    if unfinished_folder(args.data_dir):
        raise CliError(
            "该数据文件夹中的站点数据尚未恢复完整，不能使用：请再次运行 restore-from-district"
            "（或 join）继续，或删除该文件夹后重新恢复"
        )
    username = user or getattr(args, "user", None) or os.environ.get(USER_ENV, "admin")
    try:
        return Store.open(args.data_dir, username, read_password(f"{username} 的密码："))
    except StoreError as exc:
        raise CliError(str(exc)) from exc


def run_with_store(args, fn):
    """Open the store, call ``fn(store)``, close it; StoreError becomes CliError."""
    store = open_store(args)
    try:
        return fn(store)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.close()
