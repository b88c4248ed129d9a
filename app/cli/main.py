"""``labor-station``: no arguments opens the GUI; subcommands administer and automate.

Each area registers its subcommands from its own module (``COMMAND_MODULES``): a module has
``register(subparsers)`` and sets ``func`` on its parsers; ``func(args)`` returns the exit code.
Passwords come from ``LABOR_STATION_PASSWORD`` or a prompt, never from arguments.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from app import __version__
from app.cli.common import CliError, add_data_dir
from app.cli.console import make_streams_safe

COMMAND_MODULES = [
    "app.cli.admin",
    "app.cli.cases",
    "app.cli.reports",
    "app.cli.roster",
    "app.cli.sync",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labor-station",
        description="鼓楼区劳动关系服务站：不带参数运行时打开图形界面。",
    )
    parser.add_argument("--version", action="version", version=f"labor-station {__version__}")
    add_data_dir(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = sub.add_parser("gui", help="打开图形界面（默认）")
    add_data_dir(gui)
    gui.set_defaults(func=_run_gui)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _run_gui(args) -> int:
    import os

    from app.ui.qpa import choose_platform

    choice = choose_platform()  # before Qt, which would abort on a platform plugin it cannot load
    if choice.message:
        print(choice.message, file=sys.stderr)
        return 3
    if choice.platform:
        os.environ["QT_QPA_PLATFORM"] = choice.platform
    from app.ui.application import run_gui

    return run_gui(args.data_dir)


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    from app.logsetup import configure_logging

    # a frozen build started as the roster reader child (app/spreadsheet) runs that and exits
    multiprocessing.freeze_support()
    make_streams_safe()  # before anything prints Chinese (argparse's help included)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        args.func = _run_gui
    configure_logging(args.data_dir, console=args.func is not _run_gui)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
