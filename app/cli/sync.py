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

    for name, helptext in (
        ("join", "把本机加入已有站点：用区人社局提供的新增电脑登记码，下载本站的全部数据"),
        ("restore-from-district", "从区级服务器恢复本站数据到本机（新电脑或硬盘损坏后）"),
    ):
        p = sub.add_parser(
            name,
            help=helptext
            + "；本机管理员的新密码取自环境变量 LABOR_STATION_NEW_PASSWORD 或提示输入",
        )
        add_data_dir(p)
        p.add_argument("--server", required=True, help="区级服务器地址，例如 https://10.1.2.3:8443")
        p.add_argument("--code", required=True, help="区人社局提供的一次性登记码")
        p.add_argument("--ca", help="区级 CA 证书文件（PEM）；使用 https 时必须提供")
        p.add_argument("--admin", default="admin", help="本机站点管理员的用户名（默认 admin）")
        p.add_argument("--display-name", help="管理员姓名")
        p.set_defaults(func=cmd_join, restore=name != "join")


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


def cmd_join(args) -> int:
    from app.cli.admin import _new_password
    from app.store.errors import StoreError
    from app.sync import SyncProblem
    from app.sync.join import join

    ca_pem = None
    if args.ca:
        try:
            ca_pem = Path(args.ca).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"无法读取 CA 证书文件 {args.ca}：{exc}") from None
    password = _new_password(args.admin)
    last = [-1]

    def progress(done: int, total: int, what: str) -> None:
        pct = int(100 * done / total) if total else 100
        if pct >= last[0] + 10 or done >= total:
            last[0] = pct
            print(f"{what}：{pct}%", flush=True)

    what = "恢复" if args.restore else "加入本站"
    try:
        result = join(
            args.data_dir, args.server, args.code, ca_pem, args.admin, password,
            display_name=args.display_name, progress=progress,
        )  # fmt: skip
    except (SyncProblem, StoreError) as exc:
        raise CliError(f"{what}未完成：{exc}。再次运行同一命令（同一数据文件夹）可继续") from None
    try:
        print(
            f"{what}完成：{result.station_name}，收到记录 {result.received} 条、"
            f"附件 {result.attachments} 个，数据文件夹：{args.data_dir}"
        )
        if result.attachments_missing:
            print(
                f"注意：{result.attachments_missing} 个附件的内容区级服务器尚未收到，以后同步时再取"
            )
        print("核对（本机 / 区级服务器）：")
        for entity in sorted(set(result.district_counts) | set(result.local_counts)):
            mine, theirs = result.local_counts.get(entity, 0), result.district_counts.get(entity, 0)
            mark = "" if mine >= theirs else "  ← 少于区级"
            print(f"  {entity:24} {mine:8} / {theirs:<8}{mark}")
        numbering = {"own": "本机连续编号", "blocks": "区级分配的号段"}.get(result.numbering or "")
        if numbering:
            print(f"案件编号方式：{numbering}")
        for note in result.notes:
            print(f"注意：{note}")
        if result.recovery_code:
            print("恢复码（请打印或抄写后锁入文件柜，只显示这一次）：")
            print(result.recovery_code)
        print("其他用户的密码不会从区级服务器传来：请用 users add 重新添加本机的其他用户")
    finally:
        result.store.close()
    if not result.complete:
        raise CliError("本机的记录数少于区级服务器（见上表）：请在“同步”页面查看被退回的记录", 3)
    return 0
