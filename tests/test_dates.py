"""Dates are formatted part by part (app/domain/dates.py), never through strftime.

On Windows, ``strftime`` runs in the C runtime's ANSI code page: ``f"{d:%Y年%m月%d日}"`` raises
(cp1252: UnicodeEncodeError; cp936 under Wine: "Invalid format string"), and directives such as
``%-d`` do not exist there. The scan below forbids every form of it anywhere in app/.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.domain import dates

APP = Path(__file__).resolve().parent.parent / "app"
# a strftime directive (%Y, %-d, %#d …); a bare % at the end of a spec is the percentage format
DIRECTIVE = re.compile(r"%[-#_^0]?[A-Za-z]")


def _date_format_uses(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr == "strftime":
                found.append((node.lineno, ".strftime()"))
            if isinstance(f, ast.Name) and f.id == "format" and len(node.args) == 2:
                spec = node.args[1]
                if isinstance(spec, ast.Constant) and DIRECTIVE.search(str(spec.value)):
                    found.append((node.lineno, "format(value, '%…')"))
            if (
                isinstance(f, ast.Attribute)
                and f.attr == "format"
                and isinstance(f.value, ast.Constant)
                and isinstance(f.value.value, str)
                and re.search(r"\{[^{}]*:[^{}]*" + DIRECTIVE.pattern, f.value.value)
            ):
                found.append((node.lineno, "'{:%…}'.format()"))
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(
                str(v.value) for v in ast.walk(node.format_spec) if isinstance(v, ast.Constant)
            )
            if DIRECTIVE.search(spec):
                found.append((node.lineno, f"f-string format '{spec}'"))
    return found


def test_no_strftime_or_date_format_strings_in_app():
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, what in _date_format_uses(tree):
            offenders.append(f"{path.relative_to(APP.parent)}:{line}: {what}")
    assert not offenders, (
        "format dates with app.domain.dates (strftime breaks on Windows code pages):\n"
        + "\n".join(offenders)
    )


def test_the_scan_finds_each_form():
    src = (
        'a = f"{d:%Y年%m月%d日}"\n'
        'b = d.strftime("%Y-%m-%d")\n'
        'c = format(d, "%Y")\n'
        'e = "{:%Y年}".format(d)\n'
        'g = f"{n:,.2f} {d:%H}"\n'
        'ok = f"{n:,.2f} {x!r:>10} {share:.1%}"\n'
    )
    lines = sorted({line for line, _ in _date_format_uses(ast.parse(src))})
    assert lines == [1, 2, 3, 4, 5]


def test_chinese_dates():
    assert dates.cn_date(date(2026, 3, 5)) == "2026年3月5日"
    assert dates.cn_date(None) == ""
    assert dates.cn_date(None, "    年  月  日") == "    年  月  日"
    assert dates.cn_month(2026, 11) == "2026年11月"
    assert dates.cn_datetime(datetime(2026, 3, 5, 14, 5)) == "2026年3月5日14时05分"


def test_numeric_dates_and_stamps():
    assert dates.iso_date(date(2026, 3, 5)) == "2026-03-05"
    assert dates.iso_date(date(999, 1, 2)) == "0999-01-02"
    moment = datetime(2026, 3, 5, 4, 5, 9, 1234)
    assert dates.short_datetime(moment) == "2026-03-05 04:05"
    assert dates.short_datetime(moment, seconds=True) == "2026-03-05 04:05:09"
    assert dates.month_day_time(moment) == "03-05 04:05"
    assert dates.compact_date(date(2026, 3, 5)) == "20260305"
    assert dates.file_stamp(moment) == "20260305-040509"
    assert dates.file_stamp(moment, micro=True) == "20260305-040509-001234"
    assert dates.short_datetime(None, "从未") == "从未"


@pytest.mark.parametrize(
    "fn", [dates.short_datetime, dates.cn_datetime, dates.month_day_time, dates.iso_date]
)
def test_aware_moments_are_shown_in_local_time(fn):
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert fn(moment) == fn(moment.astimezone().replace(tzinfo=None))
    east8 = datetime(2027, 1, 1, 7, 30, tzinfo=timezone(timedelta(hours=8)))
    assert fn(east8) == fn(moment)
