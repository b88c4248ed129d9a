"""Dates and times as the station's users read them, formatted part by part.

Never ``strftime`` or an f-string date format (``f"{d:%Y年%m月%d日}"``) in this program: on Windows
``strftime`` goes through the C runtime in the ANSI code page, and a format holding Chinese text
raises (cp1252: UnicodeEncodeError; cp936 under some runtimes: "Invalid format string"). Windows'
runtime also lacks some directives (``%-d``). These helpers build the text from the numbers
themselves, the same on every platform; ``tests/test_dates.py`` forbids the pattern anywhere in
``app/``.

Aware datetimes are shown in the PC's local time zone; naive ones as they are.
"""

from __future__ import annotations

from datetime import date, datetime


def _local(moment: datetime) -> datetime:
    return moment.astimezone() if moment.tzinfo is not None else moment


def cn_date(day: date | None, blank: str = "") -> str:
    """2026年3月5日 (the form of printed documents and headings)."""
    if day is None:
        return blank
    if isinstance(day, datetime):
        day = _local(day)
    return f"{day.year}年{day.month}月{day.day}日"


def cn_datetime(moment: datetime | None, blank: str = "") -> str:
    """2026年3月5日14时05分 (records of when something was said or done)."""
    if moment is None:
        return blank
    m = _local(moment)
    return f"{m.year}年{m.month}月{m.day}日{m.hour}时{m.minute:02d}分"


def cn_month(year: int, month: int) -> str:
    """2026年3月."""
    return f"{year}年{month}月"


def iso_date(day: date | None, blank: str = "") -> str:
    """2026-03-05 (tables and lists: sorts as text, fits a narrow column)."""
    if day is None:
        return blank
    if isinstance(day, datetime):
        day = _local(day)
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def short_datetime(moment: datetime | None, blank: str = "", *, seconds: bool = False) -> str:
    """2026-03-05 14:05 (or 14:05:09): when something happened, in local time."""
    if moment is None:
        return blank
    m = _local(moment)
    text = f"{iso_date(m)} {m.hour:02d}:{m.minute:02d}"
    return f"{text}:{m.second:02d}" if seconds else text


def month_day_time(moment: datetime | None, blank: str = "") -> str:
    """03-05 14:05 (a recent moment where the year goes without saying)."""
    if moment is None:
        return blank
    m = _local(moment)
    return f"{m.month:02d}-{m.day:02d} {m.hour:02d}:{m.minute:02d}"


def compact_date(day: date) -> str:
    """20260305 (file names, reference numbers)."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def file_stamp(moment: datetime, *, micro: bool = False) -> str:
    """20260305-140509 (or 20260305-140509-123456): sortable, safe in any file name."""
    m = _local(moment)
    text = f"{compact_date(m)}-{m.hour:02d}{m.minute:02d}{m.second:02d}"
    return f"{text}-{m.microsecond:06d}" if micro else text


def days_left_text(days_left: int) -> str:
    """A deadline as people say it: 还剩5天 / 今天到期 / 已逾期30天 (never "-30")."""
    if days_left > 0:
        return f"还剩{days_left}天"
    if days_left == 0:
        return "今天到期"
    return f"已逾期{-days_left}天"
