"""``labor-station report``: the station's statistical report for a month, quarter, year or range."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.cli.common import CliError, add_data_dir, add_user_option, run_with_store
from app.domain.dates import iso_date


def register(sub) -> None:
    p = sub.add_parser(
        "report",
        help="导出统计报表（.xlsx 统计表，可加 --pdf 生成一页摘要）",
        description="按月（2026-10）、季度（2026-Q3）、年度（2026）或任意期间（--from/--to）统计本站数据。",
    )
    add_data_dir(p)
    add_user_option(p)
    p.add_argument("--period", help="统计期间：2026-10、2026-Q3 或 2026")
    p.add_argument("--from", dest="date_from", help="开始日期，如 2026-10-01（与 --to 一起使用）")
    p.add_argument("--to", dest="date_to", help="结束日期，如 2026-10-15")
    p.add_argument("-o", "--output", required=True, help="输出文件：.xlsx 统计表，或 .pdf 一页摘要")
    p.add_argument(
        "--pdf",
        nargs="?",
        const="",
        default=None,
        metavar="FILE.pdf",
        help="同时生成一页 PDF 摘要（不写文件名时与 -o 同名，扩展名为 .pdf）",
    )
    p.set_defaults(func=cmd_report)


def _period(args):
    from app.reports import periods

    if args.period and (args.date_from or args.date_to):
        raise CliError("--period 与 --from/--to 只能选一种")
    if args.period:
        return periods.parse_period(args.period)
    if args.date_from and args.date_to:
        return periods.date_range(
            periods.parse_date(args.date_from, "开始日期"),
            periods.parse_date(args.date_to, "结束日期"),
        )
    raise CliError(
        "请用 --period 指定统计期间（如 2026-10、2026-Q3、2026），或同时给出 --from 和 --to"
    )


def cmd_report(args) -> int:
    from app.reports.figures import compute_figures
    from app.reports.pdf import write_pdf
    from app.reports.xlsx import write_xlsx
    from app.store.errors import StoreError

    try:
        period = _period(args)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    output = Path(args.output).expanduser()
    suffix = output.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise CliError(f"输出文件应以 .xlsx 或 .pdf 结尾：{output.name}")
    pdf_path = None
    if args.pdf is not None:
        pdf_path = Path(args.pdf).expanduser() if args.pdf else output.with_suffix(".pdf")
    if suffix == ".pdf":
        pdf_path, output = output, None
    for target in (output, pdf_path):
        if target is not None and not target.parent.exists():
            raise CliError(f"文件夹不存在：{target.parent}")

    def go(store):
        figures = compute_figures(store, period, date.today())
        written = []
        try:
            if output is not None:
                written.append(write_xlsx(figures, output))
            if pdf_path is not None:
                written.append(write_pdf(figures, pdf_path))
        except OSError as exc:
            raise CliError(f"无法写入文件：{exc.strerror or exc}（{exc.filename or ''}）") from exc
        t = figures.total
        rate = "—" if t.success_rate is None else f"{t.success_rate:.1%}"
        print(
            f"{figures.station_name} {period.label}（{iso_date(period.start)}至{iso_date(period.end)}）"
        )
        print(
            f"  受理案件 {t.cases} 件，涉及劳动者 {t.workers} 人，请求金额 {t.claimed:,.2f} 元，"
            f"调解成功率 {rate}，已追回 {t.recovered:,.2f} 元"
        )
        print(
            f"  走访 {figures.visits.visits} 次，发现问题 {figures.visits.findings_raised} 项，"
            f"逾期未整改 {figures.visits.findings_overdue} 项；"
            f"{figures.five_one_year}年“五个一”完成 {figures.five_one_done}/5"
        )
        for path in written:
            print(f"已生成：{path}")

    run_with_store(args, go)
    return 0
