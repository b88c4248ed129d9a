"""Report periods: a month (2026-10), a quarter (2026-Q3), a year (2026) or any date range."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from app.domain.dates import cn_date, compact_date, iso_date
from app.store.errors import ValidationError

QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    #: e.g. 2026年10月, 2026年第三季度, 2026年, 2026年10月1日至2026年10月15日
    label: str
    #: short key for file names: 2026-10, 2026-Q3, 2026, 20261001-20261015
    key: str

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month(year: int, month_no: int) -> Period:
    last = calendar.monthrange(year, month_no)[1]
    return Period(
        date(year, month_no, 1),
        date(year, month_no, last),
        f"{year}年{month_no}月",
        f"{year}-{month_no:02d}",
    )


def quarter(year: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    last_month = first + 2
    end = date(year, last_month, calendar.monthrange(year, last_month)[1])
    return Period(date(year, first, 1), end, f"{year}年{QUARTER_NAMES[q]}", f"{year}-Q{q}")


def year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y, 12, 31), f"{y}年", str(y))


def date_range(start: date, end: date) -> Period:
    if end < start:
        raise ValidationError(
            f"结束日期 {iso_date(end)} 早于开始日期 {iso_date(start)}", field="统计期间"
        )
    label = f"{cn_date(start)}至{cn_date(end)}"
    return Period(start, end, label, f"{compact_date(start)}-{compact_date(end)}")


def year_to_date(today: date) -> Period:
    p = date_range(date(today.year, 1, 1), today)
    return Period(p.start, p.end, f"{today.year}年1月1日至{today.month}月{today.day}日", p.key)


def month_of(day: date) -> Period:
    return month(day.year, day.month)


def parse_date(text: str, field: str = "日期") -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"“{text}”不是有效的日期，请写成 2026-10-01 的形式", field=field
        ) from None


def parse_period(text: str) -> Period:
    """``2026-10`` (month), ``2026-Q3`` (quarter), ``2026`` (year) or ``2026-10-01..2026-10-15``."""
    raw = (text or "").strip().upper()
    if m := re.fullmatch(r"(\d{4})", raw):
        return year(int(m.group(1)))
    if m := re.fullmatch(r"(\d{4})-?Q([1-4])", raw):
        return quarter(int(m.group(1)), int(m.group(2)))
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", raw):
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            raise ValidationError(f"“{text}”的月份应在1到12之间", field="统计期间")
        return month(y, mo)
    if m := re.fullmatch(r"(\S+)\.\.(\S+)", raw):
        return date_range(parse_date(m.group(1), "开始日期"), parse_date(m.group(2), "结束日期"))
    raise ValidationError(
        f"无法识别“{text}”：月份写 2026-10，季度写 2026-Q3，年度写 2026，"
        "任意期间写 2026-10-01..2026-10-15",
        field="统计期间",
    )
