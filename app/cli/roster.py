"""Roster commands: import-roster, export-roster, roster-template."""

from __future__ import annotations

import sys
from pathlib import Path

from app.cli.common import CliError, add_data_dir, add_user_option, open_store
from app.domain import reference
from app.domain.enums import EnterpriseSize, RiskLevel
from app.store.errors import StoreError


def _yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in ("yes", "y", "1", "true", "是"):
        return True
    if value in ("no", "n", "0", "false", "否"):
        return False
    raise ValueError(text)


def register(sub) -> None:
    p = sub.add_parser(
        "import-roster",
        help="导入企业名录（.xlsx/.xls/.ods），打印新增、更新、未变、无效、冲突的数量",
    )
    p.add_argument("file", type=Path, help="名录文件")
    p.add_argument(
        "--sheet",
        action="append",
        help="工作表名称，可重复指定多个（默认：第一个有名录表头的工作表，以及格式相同的其他工作表）",
    )
    p.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入")
    p.add_argument(
        "--errors", type=Path, metavar="OUT.xlsx", help="把无效行（含原行号和原因）另存为表格"
    )
    p.add_argument(
        "--accept-conflicts",
        action="store_true",
        help="本地修改过的字段也采用导入值（默认保留本地值）",
    )
    p.add_argument(
        "--accept-check-digit",
        action="store_true",
        help="接受仅校验位不符的统一社会信用代码（仅站点管理员）",
    )
    add_data_dir(p)
    add_user_option(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export-roster", help="把企业名录（可按条件筛选）导出为 .xlsx")
    p.add_argument("out", type=Path, metavar="OUT.xlsx")
    p.add_argument("--search", default="", help="按企业名称、信用代码、法定代表人或拼音首字母查找")
    p.add_argument("--street", help="所属街道/园区（代码或名称）")
    p.add_argument("--size", choices=[m.value for m in EnterpriseSize], help="企业规模")
    p.add_argument("--risk", choices=[m.value for m in RiskLevel], help="欠薪风险等级")
    for flag, text in (
        ("above-scale", "规模以上"),
        ("union", "已建工会"),
        ("mediation-committee", "已建调解委员会"),
        ("collective-contract", "已签集体合同"),
    ):
        p.add_argument(f"--{flag}", type=_yes_no, metavar="yes|no", help=f"{text}：yes 或 no")
    add_data_dir(p)
    add_user_option(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("roster-template", help="生成企业名录导入模板（.xlsx）")
    p.add_argument("out", type=Path, metavar="OUT.xlsx")
    p.set_defaults(func=cmd_template)


def _progress_printer():
    if not sys.stderr.isatty():
        return None
    state = {"text": ""}

    def progress(done: int, total: int, text: str = "") -> None:
        line = f"{text} {done:,}/{total:,}" if total else text
        if line != state["text"]:
            print("\r" + line.ljust(40), end="", file=sys.stderr, flush=True)
            state["text"] = line

    return progress


def cmd_import(args) -> int:
    from app.roster.export import export_errors
    from app.roster.importer import ImportOptions, analyse, apply, dry_run_result
    from app.roster.source import RosterSource

    try:
        source = RosterSource.open(args.file, args.sheet)
    except StoreError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    store = open_store(args)
    try:
        with source:
            progress = _progress_printer()
            options = ImportOptions(accept_check_digit=args.accept_check_digit)
            plan = analyse(store, source, None, options, preview=True, progress=progress)
            if args.errors and plan.all_invalid:
                saved = export_errors(plan, source, args.errors)
                print(f"无效行已另存为：{saved}")
            if args.dry_run:
                result = dry_run_result(plan)
            else:
                result = apply(store, plan, accept=bool(args.accept_conflicts), progress=progress)
        if progress:
            print(file=sys.stderr)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.close()
    header = plan.header
    mapped = "、".join(
        f"{header.texts.get(c, '')}→{_label(k)}" for c, k in sorted(header.mapping.items())
    )
    sheets = "、".join(plan.sheets) if plan.sheets else plan.sheet
    print(f"文件：{args.file}  工作表：{sheets}  表头在第{'、'.join(map(str, header.rows))}行")
    if plan.reading is not None:
        print(f"读取方式：{plan.reading.sentence}")
    print(f"列对应：{mapped}")
    print(("检查结果（未写入）：" if args.dry_run else "导入完成：") + result.summary())
    print(
        f"new={result.new} updated={result.updated} unchanged={result.unchanged} "
        f"invalid={result.invalid} conflicts={result.conflicts} duplicates={result.duplicates}"
    )
    for row in plan.all_invalid[:20]:
        print(f"  {row.where}：{row.reason}")
    if len(plan.all_invalid) > 20:
        print(
            f"  ……另有{len(plan.all_invalid) - 20}行无效"
            + ("" if args.errors else "，可用 --errors 另存")
        )
    if plan.preview and plan.preview.conflicts and not args.accept_conflicts:
        print("冲突（已保留本地值；如需采用导入值请加 --accept-conflicts）：")
        for c in plan.preview.conflicts[:20]:
            print(f"  第{c.row}行 {c.name} {c.label}")
    return 0


def _label(key: str) -> str:
    from app.roster.fields import FIELD_BY_KEY

    return FIELD_BY_KEY[key].label


def cmd_export(args) -> int:
    from app.roster.export import export_enterprises
    from app.roster.service import EnterpriseFilter

    street = None
    if args.street:
        found = reference.station_by_name(args.street)
        if found is None:
            raise CliError(f"未知的街道/园区：{args.street}")
        street = found.code
    f = EnterpriseFilter(
        text=args.search,
        street_code=street,
        size_class=args.size,
        risk_level=args.risk,
        above_scale=args.above_scale,
        has_union=args.union,
        has_mediation_committee=args.mediation_committee,
        has_collective_contract=args.collective_contract,
    )
    store = open_store(args)
    try:
        path, count = export_enterprises(store, f, args.out)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(f"无法写入 {args.out}：{exc.strerror or exc}") from exc
    finally:
        store.close()
    print(f"已导出 {count} 家企业：{path}")
    return 0


def cmd_template(args) -> int:
    from app.roster.export import write_template

    try:
        path = write_template(args.out)
    except OSError as exc:
        raise CliError(f"无法写入 {args.out}：{exc.strerror or exc}") from exc
    print(f"已生成导入模板：{path}")
    return 0
