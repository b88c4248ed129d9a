"""``labor-station sync`` (one pass) and ``labor-station enroll`` (redeem an enrollment code)."""

from __future__ import annotations

from pathlib import Path

from app.cli.common import CliError, add_data_dir, add_user_option, run_with_store


def register(sub) -> None:
    p = sub.add_parser("sync", help="与区级服务器同步一次：发送待发送的数据，接收区级代码表和通知")
    add_data_dir(p)
    add_user_option(p)
    p.add_argument("--server", help="区级服务器地址（默认：登记时保存的地址）")
    p.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="每批记录数（默认5000，上限5000；见 app/sync/protocol.py）",
    )
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser(
        "enroll", help="用区人社局提供的一次性登记码把本站登记到区级服务器（需站点管理员）"
    )
    add_data_dir(p)
    add_user_option(p)
    p.add_argument("--server", required=True, help="区级服务器地址，例如 https://10.1.2.3:8443")
    p.add_argument("--code", required=True, help="一次性登记码")
    p.add_argument("--ca", help="区级 CA 证书文件（PEM）；使用 https 时必须提供")
    p.set_defaults(func=cmd_enroll)


def cmd_sync(args) -> int:
    from app.sync import protocol, sync_once

    def go(store):
        kwargs = {}
        if args.batch_size:
            kwargs["batch_records"] = max(1, min(args.batch_size, protocol.MAX_BATCH_RECORDS))
        return sync_once(store, server_url=args.server, **kwargs)

    result = run_with_store(args, go)
    print(result.summary())
    for reason in result.reasons[:20]:
        print(f"  退回：{reason}")
    if not result.ok:
        raise CliError(f"同步未完成：{result.problem}")
    if result.quarantined:
        # exit 3: the pass ran, but records were set aside; a script must not take it for success
        raise CliError(
            f"同步已进行，但有 {result.quarantined} 条记录被区级服务器退回（原因见上），"
            "已暂存在本机：请在“同步”页面查看并修改后重新发送",
            exit_code=3,
        )
    if result.waiting and not result.acknowledged:
        raise CliError(
            f"同步未能发送任何数据：仍有 {result.waiting} 条待发送，请在“同步”页面查看原因",
            exit_code=4,
        )
    return 0


def cmd_enroll(args) -> int:
    from app.sync import SyncProblem, enroll

    ca_pem = None
    if args.ca:
        try:
            ca_pem = Path(args.ca).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"无法读取 CA 证书文件 {args.ca}：{exc}") from None

    def go(store):
        try:
            return enroll(store, args.server, args.code, ca_pem)
        except SyncProblem as exc:
            raise CliError(f"登记未成功：{exc}") from None

    name = run_with_store(args, go)
    print(f"已登记：{name}。同步凭据已加密保存在本站数据中")
    return 0
