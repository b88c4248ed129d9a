"""Administration: init, users, selftest, demo."""

from __future__ import annotations

import os
import sys

from app.cli.common import (
    CliError,
    add_data_dir,
    add_user_option,
    read_password,
    run_with_store,
)
from app.domain import reference
from app.domain.enums import Role
from app.store.errors import StoreError

NEW_PASSWORD_ENV = "LABOR_STATION_NEW_PASSWORD"
DEMO_PASSWORD = "Demo-pass-2026"


def register(sub) -> None:
    p = sub.add_parser("init", help="初始化站点：选择街镇/园区并创建管理员，打印恢复码")
    add_data_dir(p)
    p.add_argument("--station", required=True, help="站点代码，见 `labor-station stations`")
    p.add_argument("--admin", required=True, help="管理员用户名")
    p.add_argument("--display-name", default="", help="管理员姓名（显示用）")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("stations", help="列出十个街镇和两个园区的站点代码")
    p.set_defaults(func=cmd_stations)

    users = sub.add_parser("users", help="用户管理（需站点管理员身份）")
    usub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    p = usub.add_parser(
        "add", help="新增用户；新用户密码取自环境变量 " + NEW_PASSWORD_ENV + " 或提示输入"
    )
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--display-name", default="")
    p.set_defaults(func=cmd_users_add)
    p = usub.add_parser("list", help="列出用户")
    p.set_defaults(func=cmd_users_list)
    p = usub.add_parser("disable", help="停用用户（其密钥槽被删除）")
    p.add_argument("name")
    p.set_defaults(func=cmd_users_disable)
    p = usub.add_parser("enable", help="重新启用用户并设置新密码")
    p.add_argument("name")
    p.set_defaults(func=cmd_users_enable)
    p = usub.add_parser("reset-password", help="为用户设置新密码")
    p.add_argument("name")
    p.set_defaults(func=cmd_users_reset)
    for parser in (users, *usub.choices.values()):
        add_data_dir(parser)
        add_user_option(parser)

    p = sub.add_parser("selftest", help="自检：加密存储、数据版本、离屏生成文书")
    add_data_dir(p)
    add_user_option(p)
    p.set_defaults(func=cmd_selftest)

    p = sub.add_parser("demo", help="创建演示站点并填充示例数据（企业、各状态案件、走访、活动）")
    add_data_dir(p)
    p.add_argument("--station", default="GUDONG")
    p.add_argument("--seed", type=int, default=2026)
    p.set_defaults(func=cmd_demo)


def cmd_stations(args) -> int:
    for s in reference.stations():
        print(f"{s.code:10} {s.name}")
    return 0


def cmd_init(args) -> int:
    from app.store.store import Store

    try:
        station = reference.station(args.station.upper())
    except KeyError:
        codes = "、".join(s.code for s in reference.stations())
        raise CliError(f"未知的站点代码 {args.station}；可用代码：{codes}") from None
    password = read_password(f"管理员 {args.admin} 的密码：", confirm=True)
    try:
        store, code = Store.create(
            args.data_dir, station.code, args.admin, args.display_name or args.admin, password
        )
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    store.close()
    print(f"已初始化站点：{station.name}（{station.code}），数据文件夹：{args.data_dir}")
    print("恢复码（请打印或抄写后锁入文件柜，只显示这一次）：")
    print(code)
    return 0


def _new_password(name: str) -> str:
    value = os.environ.get(NEW_PASSWORD_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"需要新用户的密码：请设置环境变量 {NEW_PASSWORD_ENV}")
    import getpass

    first = getpass.getpass(f"用户 {name} 的新密码：")
    if getpass.getpass("再次输入：") != first:
        raise CliError("两次输入的密码不一致")
    return first


def cmd_users_add(args) -> int:
    password = _new_password(args.name)

    def go(store):
        store.add_user(args.name, args.display_name or args.name, Role(args.role), password)
        print(f"已新增用户 {args.name}（{Role(args.role).label}）")

    run_with_store(args, go)
    return 0


def cmd_users_list(args) -> int:
    def go(store):
        for u in store.list_users():
            state = "启用" if u.active else "停用"
            if u.active and not store.has_password_here(u.username):
                state += "（本机未设置密码：users reset-password 设置）"
            print(f"{u.username:20} {u.display_name:12} {u.role.label:8} {state}")

    run_with_store(args, go)
    return 0


def cmd_users_disable(args) -> int:
    run_with_store(args, lambda store: store.set_user_active(args.name, False))
    print(f"已停用用户 {args.name}")
    return 0


def cmd_users_enable(args) -> int:
    password = _new_password(args.name)
    run_with_store(args, lambda store: store.set_user_active(args.name, True, password))
    print(f"已启用用户 {args.name}")
    return 0


def cmd_users_reset(args) -> int:
    password = _new_password(args.name)
    run_with_store(args, lambda store: store.reset_password(args.name, password))
    print(f"已为用户 {args.name} 设置新密码")
    return 0


def cmd_selftest(args) -> int:
    from app.selftest import run_selftest

    ok = True
    for line_ok, line in run_selftest(args.data_dir, args.user):
        ok &= line_ok
        print(("通过  " if line_ok else "失败  ") + line)
    print("自检通过" if ok else "自检未通过")
    return 0 if ok else 1


def cmd_demo(args) -> int:
    from app.demo import build_demo_station

    password = os.environ.get("LABOR_STATION_PASSWORD") or DEMO_PASSWORD
    try:
        summary = build_demo_station(args.data_dir, args.station.upper(), password, seed=args.seed)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    print(f"已创建演示站点：{args.data_dir}")
    for line in summary:
        print("  " + line)
    if not os.environ.get("LABOR_STATION_PASSWORD"):
        print(f"管理员用户名 admin，密码 {DEMO_PASSWORD}（演示数据，仅供试用）")
    return 0
