"""Cases on the command line: ``print`` a document of a case, list ``cases`` (``--overdue``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.cli.common import CliError, add_data_dir, add_user_option, run_with_store
from app.domain.dates import iso_date


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"日期格式应为 YYYY-MM-DD：{value}") from None


def register(sub) -> None:
    from app.documents.kinds import KINDS

    kinds = ", ".join(f"{k.code}（{k.name}）" for k in KINDS)
    p = sub.add_parser(
        "print",
        help="把案件的一份文书生成为PDF",
        description=f"文书类型 KIND：{kinds}；也可以写中文名称。",
    )
    add_data_dir(p)
    add_user_option(p)
    p.add_argument("kind", metavar="KIND", help="文书类型")
    p.add_argument("case_no", metavar="CASE_NO", help="案号，如 (2026)鼓楼鼓东劳调字第0012号")
    p.add_argument("-o", "--output", required=True, type=Path, help="PDF 文件保存位置")
    p.add_argument("--session", type=int, help="调解笔录：只打印第几次调解（默认全部）")
    p.add_argument("--version", type=int, help="调解协议书：打印第几版（默认为生效版本或草稿）")
    p.add_argument("--force", action="store_true", help="覆盖已有的文件")
    p.set_defaults(func=cmd_print)

    p = sub.add_parser("cases", help="列出调解案件；--overdue 只列出超过期限的案件")
    add_data_dir(p)
    add_user_option(p)
    p.add_argument(
        "--overdue", action="store_true", help="只列出调解期限已过仍未结束、或协议逾期未履行的案件"
    )
    p.add_argument("--alerts", action="store_true", help="列出工作台提醒（即将到期和已逾期）")
    p.add_argument("--status", help="按状态筛选（如 in_mediation）")
    p.add_argument("--search", default="", help="按当事人姓名、身份证号、案号、企业名称查找")
    p.add_argument("--limit", type=int, default=50, help="最多列出多少件（默认50）")
    p.add_argument("--today", type=_day, help="按哪一天计算期限（默认今天，格式 YYYY-MM-DD）")
    p.add_argument("--reindex", action="store_true", help="重建案件检索索引（维护用）")
    p.set_defaults(func=cmd_cases)


def cmd_print(args) -> int:
    from app.cases.detail import find_case_id
    from app.documents.case_documents import load_context, render
    from app.documents.kinds import kind_by_name

    kind = kind_by_name(args.kind)
    if kind is None:
        raise CliError(
            f"未知的文书类型：{args.kind}（可用：application、register、acceptance、session_record、agreement、termination）"
        )
    out: Path = args.output
    if out.exists() and not args.force:
        raise CliError(f"文件已存在：{out}（如需覆盖请加 --force）")
    if not out.parent.exists():
        raise CliError(f"保存位置的文件夹不存在：{out.parent}")

    def go(store):
        with store.read() as s:
            case_id = find_case_id(s, args.case_no)
        if case_id is None:
            raise CliError(f"没有找到案号为 {args.case_no} 的案件")
        ctx = load_context(store, case_id)
        return render(kind.code, ctx, session_no=args.session, version_no=args.version)

    pdf = run_with_store(args, go)
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        raise CliError(f"无法写入 {out}：{exc.strerror or exc}") from exc
    print(f"已生成{kind.name}：{out}（{len(pdf) // 1024} KB）")
    return 0


def cmd_cases(args) -> int:
    from app.cases import search_index
    from app.cases.queries import CaseFilter, deadline_alerts, list_cases, overdue_terms
    from app.domain.enums import CaseStatus

    today = args.today or date.today()
    statuses: tuple[CaseStatus, ...] = ()
    if args.status:
        try:
            statuses = (CaseStatus(args.status),)
        except ValueError:
            try:
                statuses = (CaseStatus.from_label(args.status),)
            except ValueError:
                names = "、".join(f"{s.value}（{s.label}）" for s in CaseStatus)
                raise CliError(f"未知的状态：{args.status}；可用：{names}") from None

    def go(store):
        if args.reindex:
            from sqlalchemy.orm import Session

            from app.store.engine import writer

            with Session(writer(store.engine)) as s, s.begin():
                count = search_index.rebuild_all(s)
            print(f"已重建检索索引：{count} 件案件")
            return
        search_index.refresh_stale(store)
        with store.read() as s:
            if args.alerts:
                alerts = deadline_alerts(s, today)
                for a in alerts:
                    print(f"{a.case_no}  {a.message}")
                print(f"共 {len(alerts)} 条提醒（按 {iso_date(today)} 计算）")
                return
            f = CaseFilter(statuses=statuses, overdue=args.overdue, text=args.search)
            rows = []
            after = None
            while len(rows) < args.limit:
                page = list_cases(
                    s, f, today=today, after=after, limit=min(50, args.limit - len(rows))
                )
                rows += page.rows
                if page.cursor is None:
                    break
                after = page.cursor
            terms_by_case: dict[str, list] = {}
            if args.overdue:
                for t in overdue_terms(s, today):
                    terms_by_case.setdefault(t.case_id, []).append(t)
        for r in rows:
            when = ""
            if r.days_left is not None:
                when = f"调解期限{iso_date(r.deadline)}" + (
                    f"（已超过{-r.days_left}天）" if r.days_left < 0 else f"（剩{r.days_left}天）"
                )
            flag = "  [逾期]" if r.overdue else ""
            print(
                f"{r.case_no}  {r.status.label:6}  收到{iso_date(r.received_on)}  "
                f"{r.applicants} 诉 {r.respondent}  {r.dispute_types}  {when}{flag}"
            )
            for t in terms_by_case.get(r.id, []):
                owed = f"{t.outstanding:.2f}元" if t.outstanding is not None else "未履行"
                print(
                    f"    第{t.seq}项 {t.description} 应于{iso_date(t.due_on)}前履行，尚欠{owed}，已逾期{t.days_overdue}天；{t.route}"
                )
        label = "超过期限的案件" if args.overdue else "案件"
        print(f"共列出 {len(rows)} 件{label}（按 {iso_date(today)} 计算）")

    run_with_store(args, go)
    return 0
