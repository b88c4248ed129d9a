"""``labor-district``: the district server and its administration.

    labor-district init-db                      create or upgrade the database
    labor-district serve --cert server.pem --key server.key --host 0.0.0.0 --port 8443
    labor-district enroll GUDONG                prints a one-time, expiring enrollment code
    labor-district revoke GUDONG                the station's credential stops working at once
    labor-district create-admin NAME [--role reviewer] [--street GUDONG]
                                                password from LABOR_DISTRICT_PASSWORD or a prompt
    labor-district set-role NAME viewer --street GUDONG --street GUXI
    labor-district disable-admin NAME           its open sessions end at once
    labor-district import-applications FILE     applications exported by an external platform
    labor-district make-certs --out DIR --host district.example --host 10.0.0.5

The database is an SQLite file (``labor-district.sqlite`` in the working folder) unless
``--database-url`` (or ``LABOR_DISTRICT_DATABASE_URL``) names another, e.g.
``postgresql://user@host/dbname``.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import ipaddress
import json
import logging
import os
import sys
from pathlib import Path

from app import __version__
from app.domain.dates import short_datetime

PASSWORD_ENV = "LABOR_DISTRICT_PASSWORD"


class CliError(Exception):
    pass


def _engine(args):
    from app.district import db

    return db.make_engine(args.database_url)


def _session(engine):
    from app.district import db

    return db.sessions(engine)()


def cmd_init_db(args) -> int:
    from app.district import db

    engine = _engine(args)
    try:
        db.init_db(engine)
        print(
            f"区级数据库已就绪（数据版本 {db.head_revision()}）：{engine.url.render_as_string(hide_password=True)}"
        )
    finally:
        engine.dispose()
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _trusted_proxies(values: list[str]) -> list[str]:
    out = []
    for value in values:
        try:
            out.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise CliError(
                f"--trusted-proxy 应为 IP 地址或网段（如 10.0.0.5、10.0.0.0/24）：{value}"
            ) from None
    return out


def cmd_serve(args) -> int:
    import gc

    import uvicorn

    from app.district import db
    from app.district.server import CONFIG_ENV, ServerConfig, create_app

    if bool(args.cert) != bool(args.key):
        raise CliError("--cert 和 --key 需要同时给出")
    if not args.cert and not _is_loopback(args.host):
        raise CliError(
            "对外提供服务必须使用 HTTPS：请用 --cert 和 --key 指定区级 CA 签发的服务器证书"
        )
    trusted = _trusted_proxies(args.trusted_proxy or [])
    engine = db.make_engine(args.database_url)
    try:
        db.ensure_current(engine)
    finally:
        engine.dispose()
    config = ServerConfig(
        database_url=args.database_url,
        stale_days=args.stale_days,
        secure_cookies=bool(args.cert),
        api_docs=args.api_docs,
    )
    scheme = "https" if args.cert else "http"
    print(
        f"区级同步服务已启动：{scheme}://{args.host}:{args.port}/  （按 Ctrl+C 停止）", flush=True
    )
    options = dict(
        host=args.host,
        port=args.port,
        ssl_certfile=args.cert,
        ssl_keyfile=args.key,
        log_level="warning",
        access_log=args.access_log,
        timeout_keep_alive=30,
        # X-Forwarded-For is believed only from the proxies named here (never by default:
        # uvicorn would otherwise trust it from loopback, and any local client could pose as
        # any address and slip past the per-address throttles)
        proxy_headers=bool(trusted),
        forwarded_allow_ips=",".join(trusted) if trusted else "",
    )
    if args.workers > 1:
        os.environ[CONFIG_ENV] = json.dumps(dataclasses.asdict(config))
        uvicorn.run(
            "app.district.server:app_from_environment",
            factory=True,
            workers=args.workers,
            **options,
        )
        return 0
    app = create_app(config)
    # Everything made so far (modules, the app, the schema) lives as long as the process: kept
    # out of the collector's full passes, which otherwise walk it every few batches (a batch of
    # 5,000 records makes tens of thousands of short-lived objects): ~15% of the batch path.
    gc.freeze()
    uvicorn.run(app, **options)
    return 0


def cmd_enroll(args) -> int:
    from app.district import auth

    engine = _engine(args)
    try:
        with _session(engine) as s, s.begin():
            try:
                code, expires = auth.create_enrollment_code(
                    s, args.station.upper(), hours=args.hours
                )
            except auth.AuthError as exc:
                raise CliError(str(exc)) from None
            _audit(
                s, "station.enroll", f"生成登记码（{args.hours:g}小时有效）", args.station.upper()
            )
    finally:
        engine.dispose()
    local = short_datetime(expires)
    print(f"站点 {args.station.upper()} 的登记码（只能使用一次，{local} 前有效）：")
    print(code)
    return 0


def cmd_revoke(args) -> int:
    from app.district import auth

    engine = _engine(args)
    try:
        with _session(engine) as s, s.begin():
            try:
                n = auth.revoke_station(s, args.station.upper())
            except auth.AuthError as exc:
                raise CliError(str(exc)) from None
            _audit(s, "station.revoke", f"撤销同步凭据 {n} 个", args.station.upper())
    finally:
        engine.dispose()
    print(f"已撤销站点 {args.station.upper()} 的同步凭据 {n} 个；该站需用新的登记码重新登记")
    return 0


def _admin_password() -> str:
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"需要密码：请设置环境变量 {PASSWORD_ENV}，或在终端中运行以便输入")
    first = getpass.getpass("管理员密码：")
    if getpass.getpass("再次输入：") != first:
        raise CliError("两次输入的密码不一致")
    return first


def _audit(s, action: str, summary: str, station: str | None = None, target: str | None = None):
    from app.district import roles

    kind = "station" if station and not target else ("admin" if target else None)
    roles.audit(
        s,
        roles.CLI_ACTOR,
        action,
        summary,
        target_kind=kind,
        target_id=target or station,
        station_code=station,
    )


def _set_role(s, name: str, role: str | None, streets: list[str] | None, new: bool) -> str:
    from app.district import roles
    from app.district.models import AdminUser

    row = s.get(AdminUser, name.strip())
    if role is None and streets is None and not new:
        role_now, streets_now = row.role, row.streets
    else:
        try:
            row = roles.set_role(
                s, name, role or (row.role if not new else "admin"), streets or None
            )
        except roles.RoleError as exc:
            raise CliError(str(exc)) from None
        role_now, streets_now = row.role, row.streets
    where = "、".join(roles.station_name(c) for c in streets_now) if streets_now else "全部街镇"
    return f"{roles.ROLES.get(role_now, role_now)}，{where}"


def cmd_create_admin(args) -> int:
    from app.district import auth
    from app.district.models import AdminUser

    password = _admin_password()
    engine = _engine(args)
    try:
        with _session(engine) as s, s.begin():
            new = s.get(AdminUser, args.name.strip()) is None
            try:
                auth.create_admin(s, args.name, password)
            except auth.AuthError as exc:
                raise CliError(str(exc)) from None
            s.flush()
            label = _set_role(s, args.name, args.role, args.street, new)
            _audit(
                s,
                "admin.set",
                f"{'新增' if new else '重设密码：'}区级用户 {args.name.strip()}（{label}）",
                target=args.name.strip(),
            )
    finally:
        engine.dispose()
    print(f"已设置区级用户 {args.name}（{label}）")
    return 0


def cmd_set_role(args) -> int:
    from app.district.models import AdminUser

    engine = _engine(args)
    try:
        with _session(engine) as s, s.begin():
            if s.get(AdminUser, args.name.strip()) is None:
                raise CliError(f"没有区级用户 {args.name}：请先用 create-admin 新增")
            label = _set_role(s, args.name, args.role, args.street or [], False)
            _audit(s, "admin.set", f"设置区级用户 {args.name.strip()}（{label}）", target=args.name)
    finally:
        engine.dispose()
    print(f"已设置区级用户 {args.name}（{label}）")
    return 0


def cmd_disable_admin(args) -> int:
    from sqlalchemy import delete

    from app.district.models import AdminSession, AdminUser

    engine = _engine(args)
    try:
        with _session(engine) as s, s.begin():
            row = s.get(AdminUser, args.name.strip())
            if row is None:
                raise CliError(f"没有区级用户 {args.name}")
            row.active = False
            # open sessions end at once (they are also refused at the next request)
            s.execute(delete(AdminSession).where(AdminSession.admin_name == row.name))
            _audit(s, "admin.disable", f"停用区级用户 {row.name}", target=row.name)
    finally:
        engine.dispose()
    print(f"已停用区级用户 {args.name}（用 create-admin 重设密码可重新启用）")
    return 0


def cmd_import_applications(args) -> int:
    from app.district.app_import import import_applications_file

    engine = _engine(args)
    try:
        report = import_applications_file(engine, Path(args.file), actor=_cli_actor())
    finally:
        engine.dispose()
    for line in report.lines():
        print(line)
    if report.problem:
        return 1
    return 3 if report.bad else 0


def _cli_actor() -> str:
    from app.district import roles

    return roles.CLI_ACTOR


def cmd_make_certs(args) -> int:
    from app.district.tls import make_certs

    files = make_certs(Path(args.out), args.host or ["localhost", "127.0.0.1"])
    print(f"CA 证书（发给各站点，登记时选择此文件）：{files.ca_cert}")
    print(f"CA 私钥（离线妥善保管）：{files.ca_key}")
    print(f"服务器证书：{files.server_cert}")
    print(f"服务器私钥：{files.server_key}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labor-district", description="鼓楼区劳动关系服务站：区级同步服务器"
    )
    parser.add_argument("--version", action="version", version=f"labor-district {__version__}")
    parser.add_argument(
        "--database-url",
        default=None,
        help="数据库地址（默认：当前文件夹中的 SQLite 文件 labor-district.sqlite；可用 postgresql://…）",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = sub.add_parser("init-db", help="创建或升级区级数据库")
    p.set_defaults(func=cmd_init_db)
    p = sub.add_parser("serve", help="启动同步服务和区级看板")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--cert", help="服务器证书（PEM，由区级 CA 签发）")
    p.add_argument("--key", help="服务器私钥（PEM）")
    p.add_argument(
        "--stale-days", type=float, default=3.0, help="超过几天未同步的站点在看板上突出显示"
    )
    p.add_argument("--access-log", action="store_true", help="记录每个请求（只含地址和状态码）")
    p.add_argument(
        "--workers", type=int, default=1, help="服务进程数（PostgreSQL 时可多于1；默认1）"
    )
    p.add_argument(
        "--trusted-proxy",
        action="append",
        metavar="ADDR",
        help="前置反向代理的地址或网段：只信任它转发的 X-Forwarded-For（可重复；默认不信任任何代理）",
    )
    p.add_argument(
        "--api-docs",
        action="store_true",
        help="向所有人公开 /openapi.json 和 /docs（开发用；默认只对已登录的区级管理员提供 /openapi.json）",
    )
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("enroll", help="为站点生成一次性登记码")
    p.add_argument("station", metavar="STATION_CODE")
    p.add_argument("--hours", type=float, default=72, help="有效小时数（默认72）")
    p.set_defaults(func=cmd_enroll)
    p = sub.add_parser("revoke", help="撤销站点的同步凭据")
    p.add_argument("station", metavar="STATION_CODE")
    p.set_defaults(func=cmd_revoke)
    p = sub.add_parser(
        "create-admin", help=f"新增或重设区级管理员（密码取自 {PASSWORD_ENV} 或提示输入）"
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--role",
        choices=["admin", "reviewer", "viewer"],
        help="角色：admin 管理员（全部操作）、reviewer 审核员（查看、发布通知、改派申请）、"
        "viewer 查看员（只读）；新用户默认 admin",
    )
    p.add_argument(
        "--street", action="append", metavar="STATION", help="只负责这些街镇（可重复；默认全部）"
    )
    p.set_defaults(func=cmd_create_admin)
    p = sub.add_parser("set-role", help="设置区级用户的角色和负责的街镇")
    p.add_argument("name", metavar="NAME")
    p.add_argument("role", choices=["admin", "reviewer", "viewer"])
    p.add_argument(
        "--street", action="append", metavar="STATION", help="只负责这些街镇（可重复；不写则全部）"
    )
    p.set_defaults(func=cmd_set_role)
    p = sub.add_parser("disable-admin", help="停用区级用户（其已登录的会话立即失效）")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_disable_admin)
    p = sub.add_parser(
        "import-applications",
        help="导入外部网上调解平台导出的申请表（.xlsx/.xls/.ods），按街镇分派到站点",
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_import_applications)
    p = sub.add_parser("make-certs", help="生成区级 CA 和服务器证书")
    p.add_argument("--out", required=True, help="输出文件夹")
    p.add_argument("--host", action="append", help="服务器的域名或 IP，可重复")
    p.set_defaults(func=cmd_make_certs)
    return parser


def main(argv: list[str] | None = None) -> int:
    from app.cli.console import make_streams_safe

    make_streams_safe()
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
