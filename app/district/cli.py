"""``labor-district``: the district server and its administration.

    labor-district init-db                      create or upgrade the database
    labor-district serve --cert server.pem --key server.key --host 0.0.0.0 --port 8443
    labor-district enroll GUDONG                prints a one-time, expiring enrollment code
    labor-district revoke GUDONG                the station's credential stops working at once
    labor-district enroll-device GUDONG --name 窗口2   a code for one more PC of the station
    labor-district devices GUDONG               the station's PCs
    labor-district revoke-device ID             one PC's credential stops working at once
    labor-district numbers GUDONG 2026          case-number blocks and every gap with its reason
    labor-district create-admin NAME [--role reviewer] [--street GUDONG]
                                                password from LABOR_DISTRICT_PASSWORD or a prompt
    labor-district set-role NAME viewer --street GUDONG --street GUXI
    labor-district disable-admin NAME           its open sessions end at once
    labor-district import-applications FILE     applications exported by an external platform
    labor-district transfer-case CASE_NO --to GUXI --reason TEXT
                                                the sending station carries it out at its sync
    labor-district transfers [--station GUDONG]  transfers and where each stands
    labor-district request-correction --station GUDONG --kind case --record CASE_NO
                      --field facts --message TEXT --due 2026-12-20   (退回补正)
    labor-district corrections [--station GUDONG] [--open]
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
        blob_dir=args.blob_dir,
        blob_key_file=args.blob_key_file,
        blob_quota_bytes=int(args.blob_quota_gb * 1024**3),
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


def cmd_enroll_device(args) -> int:
    from app.district import auth

    engine = _engine(args)
    try:
        with _session(engine) as s, s.begin():
            try:
                code, expires = auth.create_enrollment_code(
                    s, args.station.upper(), hours=args.hours, purpose="device",
                    device_name=args.name,
                )  # fmt: skip
            except auth.AuthError as exc:
                raise CliError(str(exc)) from None
    finally:
        engine.dispose()
    label = f"（{args.name}）" if args.name else ""
    print(
        f"站点 {args.station.upper()} 新增电脑{label}的登记码"
        f"（只能使用一次，{short_datetime(expires)} 前有效；本站其他电脑不受影响）："
    )
    print(code)
    return 0


def cmd_devices(args) -> int:
    from app.district import auth

    engine = _engine(args)
    try:
        with _session(engine) as s:
            rows = auth.devices(s, args.station.upper())
            if not rows:
                print(f"站点 {args.station.upper()} 没有登记过电脑")
            for c in rows:
                state = f"已停用 {short_datetime(c.revoked_at)}" if c.revoked_at else "使用中"
                seen = short_datetime(c.last_seen_at) if c.last_seen_at else "从未同步"
                numbering = "号段编号" if c.numbering == "blocks" else "本机自行编号"
                print(
                    f"{c.id}  {c.device_name or '（未命名）'}  登记于 {short_datetime(c.created_at)}"
                    f"  上次同步 {seen}  {numbering}  {state}"
                )
    finally:
        engine.dispose()
    return 0


def cmd_revoke_device(args) -> int:
    from app.district import auth

    engine = _engine(args)
    try:
        with _session(engine) as s, s.begin():
            try:
                station = auth.revoke_device(s, args.device)
            except auth.AuthError as exc:
                raise CliError(str(exc)) from None
    finally:
        engine.dispose()
    print(f"已停用站点 {station} 的电脑 {args.device}：其同步凭据立即失效，本站其他电脑不受影响")
    return 0


def cmd_numbers(args) -> int:
    from datetime import date

    from sqlalchemy import select

    from app.district import devices
    from app.district.models import NumberBlock

    engine = _engine(args)
    station = args.station.upper()
    try:
        with _session(engine) as s:
            blocks = s.scalars(
                select(NumberBlock)
                .where(NumberBlock.station_code == station, NumberBlock.year == args.year)
                .order_by(NumberBlock.first)
            ).all()
            print(f"站点 {station} {args.year}年的案件号段：{len(blocks)} 段")
            for b in blocks:
                print(f"  第{b.first:04d}至{b.last:04d}号  电脑 {b.device_id}")
            gaps = devices.number_gaps(s, station, args.year, date.today().year)
            print(f"未使用的号码：{sum(g.last - g.first + 1 for g in gaps)} 个")
            for g in gaps:
                span = (
                    f"第{g.first:04d}号"
                    if g.first == g.last
                    else f"第{g.first:04d}至{g.last:04d}号"
                )
                print(f"  {span}：{g.reason}")
    finally:
        engine.dispose()
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


def cmd_transfer_case(args) -> int:
    from app.district import roles, work

    engine = _engine(args)
    try:
        with _session(engine) as s, s.begin():
            try:
                row = work.order_transfer(s, None, args.case_no, args.to, args.reason)
            except work.WorkError as exc:
                raise CliError(str(exc)) from None
            msg = (
                f"已决定将案件 {row.from_case_no} 由{roles.station_name(row.from_station)}"
                f"移交{roles.station_name(row.to_station)}（移交编号 {row.id}）："
                f"{roles.station_name(row.from_station)}下次同步时执行"
            )
    finally:
        engine.dispose()
    print(msg)
    return 0


def cmd_transfers(args) -> int:
    from sqlalchemy import or_, select

    from app.district import roles, work
    from app.district.models_work import CaseTransfer

    engine = _engine(args)
    try:
        with _session(engine) as s:
            q = select(CaseTransfer).order_by(CaseTransfer.created_at)
            if args.station:
                code = args.station.upper()
                q = q.where(or_(CaseTransfer.from_station == code, CaseTransfer.to_station == code))
            for t in s.scalars(q):
                to_no = f" {t.to_case_no}" if t.to_case_no else ""
                print(
                    f"{t.from_case_no}\t{roles.station_name(t.from_station)} → "
                    f"{roles.station_name(t.to_station)}{to_no}\t"
                    f"{work.TRANSFER_STATUS.get(t.status, t.status)}\t{t.initiated_by}\t{t.reason}"
                )
    finally:
        engine.dispose()
    return 0


def cmd_request_correction(args) -> int:
    from app.district import roles, work

    engine = _engine(args)
    try:
        with _session(engine) as s, s.begin():
            try:
                req = work.create_request(
                    s, None, station=args.station, entity=args.kind, record=args.record,
                    field=args.field, message=args.message, due_on=args.due,
                )  # fmt: skip
            except work.WorkError as exc:
                raise CliError(str(exc)) from None
            msg = (
                f"已退回补正：{roles.station_name(req.station_code)} {req.record_label} 的"
                f"“{req.field_label}”，期限 {req.due_on.isoformat()}（编号 {req.id}）"
            )
    finally:
        engine.dispose()
    print(msg)
    return 0


def cmd_corrections(args) -> int:
    from sqlalchemy import select

    from app.district import roles, work
    from app.district.models_work import CorrectionRequest

    engine = _engine(args)
    try:
        with _session(engine) as s:
            q = select(CorrectionRequest).order_by(CorrectionRequest.requested_at)
            if args.station:
                q = q.where(CorrectionRequest.station_code == args.station.upper())
            if args.open:
                q = q.where(CorrectionRequest.status == "open")
            for r in s.scalars(q):
                print(
                    f"{roles.station_name(r.station_code)}\t{r.record_label}\t{r.field_label}\t"
                    f"{r.due_on.isoformat()}\t{work.CORRECTION_STATUS.get(r.status, r.status)}"
                )
    finally:
        engine.dispose()
    return 0


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
    p.add_argument(
        "--blob-dir",
        help="附件内容（加密保存）的文件夹（默认：SQLite 数据库旁的 .blobs 文件夹，或当前文件夹）",
    )
    p.add_argument(
        "--blob-key-file",
        help="附件加密密钥文件（不在数据库中；默认在附件文件夹旁，首次启动时生成）",
    )
    p.add_argument("--blob-quota-gb", type=float, default=20.0, help="每个站点的附件存储上限（GB）")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("enroll", help="为站点生成一次性登记码")
    p.add_argument("station", metavar="STATION_CODE")
    p.add_argument("--hours", type=float, default=72, help="有效小时数（默认72）")
    p.set_defaults(func=cmd_enroll)
    p = sub.add_parser("revoke", help="撤销站点的同步凭据")
    p.add_argument("station", metavar="STATION_CODE")
    p.set_defaults(func=cmd_revoke)
    p = sub.add_parser("enroll-device", help="为站点新增一台电脑生成一次性登记码（不影响其他电脑）")
    p.add_argument("station", metavar="STATION_CODE")
    p.add_argument("--name", help="这台电脑的名称，如“窗口2”")
    p.add_argument("--hours", type=float, default=72, help="有效小时数（默认72）")
    p.set_defaults(func=cmd_enroll_device)
    p = sub.add_parser("devices", help="列出站点已登记的电脑")
    p.add_argument("station", metavar="STATION_CODE")
    p.set_defaults(func=cmd_devices)
    p = sub.add_parser("revoke-device", help="停用站点的一台电脑（其凭据立即失效）")
    p.add_argument("device", metavar="DEVICE_ID")
    p.set_defaults(func=cmd_revoke_device)
    p = sub.add_parser("numbers", help="站点某年的案件号段和未使用的号码（含原因）")
    p.add_argument("station", metavar="STATION_CODE")
    p.add_argument("year", type=int)
    p.set_defaults(func=cmd_numbers)
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
    p = sub.add_parser("transfer-case", help="决定将一个案件移交另一站点（移交站点同步时执行）")
    p.add_argument("case_no", help="案号")
    p.add_argument("--to", required=True, help="接收站点代码或街镇名称")
    p.add_argument("--reason", required=True, help="移交理由")
    p.set_defaults(func=cmd_transfer_case)
    p = sub.add_parser("transfers", help="列出案件移交及其状态")
    p.add_argument("--station", help="只列出与该站点有关的")
    p.set_defaults(func=cmd_transfers)
    p = sub.add_parser("request-correction", help="退回补正：要求站点修改其记录的一个字段")
    p.add_argument("--station", required=True, help="站点代码或街镇名称")
    p.add_argument("--kind", required=True, choices=["case", "visit", "enterprise", "activity"])
    p.add_argument("--record", required=True, help="案号、统一社会信用代码、活动名称或记录编号")
    p.add_argument("--field", required=True, help="字段（如 facts、employment_status、notes）")
    p.add_argument("--message", required=True, help="补正说明")
    p.add_argument("--due", required=True, help="补正期限，如 2026-12-20")
    p.set_defaults(func=cmd_request_correction)
    p = sub.add_parser("corrections", help="列出补正要求")
    p.add_argument("--station", help="只列出该站点的")
    p.add_argument("--open", action="store_true", help="只列出待补正的")
    p.set_defaults(func=cmd_corrections)
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
