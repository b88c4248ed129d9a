"""A synced row as it travels: its columns read raw from the store and turned into wire values.

Reading through the ORM, or through Core with SQLAlchemy's result types, builds ``datetime``,
``Decimal`` and enum objects only to turn them back into text for the wire. Here the rows come as
SQLite stores them (a Core ``select`` compiled once and run on the driver's cursor: plain tuples,
no result processing) and each stored value goes straight to the wire value that
:func:`app.sync.protocol.plain` gives for the Python value: the wire format is unchanged
(``tests/test_sync_rows.py`` checks it, column type by column type, against the typed read).

* ``UTCDateTime`` (stored naive UTC text) -> ISO 8601 with ``+00:00``; ``Date`` -> ``YYYY-MM-DD``
* ``Money`` (stored integer fen) -> ``"12345.67"``; ``Boolean`` (0/1) -> ``true``/``false``
* ``EnumText``, strings, integers -> as stored; ``JSON`` (stored text) -> parsed
* ``Float`` -> as stored, but a non-finite value (JSON cannot carry it) makes the record
  :class:`Unsendable`, as does a stored value that cannot be read as its column type: the station
  sets such a record aside with a reason instead of sending it or stopping the queue.
* A column type not listed falls back to SQLAlchemy's own conversion and ``protocol.plain``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

import orjson
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Table, TypeDecorator
from sqlalchemy.dialects.sqlite import dialect as _sqlite

from app.store.models import MODEL_BY_ENTITY
from app.store.models.base import EnumText, Money, UTCDateTime
from app.sync import protocol

#: the station store is SQLite (SQLCipher)
sqlite_dialect = _sqlite()


class Unsendable(ValueError):
    """A stored value that cannot travel (``str()`` is the Chinese reason for the 同步 page)."""

    def __init__(self, key: str, what: str):
        super().__init__(f"字段“{key}”{what}，无法发送：请修改该记录后再同步")
        self.key = key


def _utc_datetime(value) -> str:
    if type(value) is str and len(value) == 26 and value[10] == " " and value[19] == ".":
        # as SQLAlchemy stores it: "YYYY-MM-DD HH:MM:SS.ffffff" (isoformat drops ".000000")
        if value.endswith(".000000"):
            return f"{value[:10]}T{value[11:19]}+00:00"
        return f"{value[:10]}T{value[11:]}+00:00"
    d = datetime.fromisoformat(value)
    d = d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)
    return d.isoformat()


def _naive_datetime(value) -> str:
    return datetime.fromisoformat(value).isoformat()


def _date(value) -> str:
    return date.fromisoformat(value).isoformat()


def _money(value) -> str:
    fen = int(value)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def _json(value):
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _float(value) -> float:
    if not math.isfinite(value):
        raise ValueError("not finite")
    return value


_READ_AS_WHAT = {
    _utc_datetime: "不是有效的日期时间",
    _naive_datetime: "不是有效的日期时间",
    _date: "不是有效的日期",
    _money: "不是有效的金额",
    bool: "不是有效的是/否值",
    _json: "不是有效的 JSON 内容",
    _float: "不是有限的数值",
}


def _converter(column) -> Callable | bool | None:
    """The raw-value converter of a column; None: sent as stored; False: read typed instead."""
    t = column.type
    if isinstance(t, Money):
        return _money
    if isinstance(t, EnumText):
        return None
    if isinstance(t, UTCDateTime):
        return _utc_datetime
    if isinstance(t, TypeDecorator):
        return False
    if isinstance(t, DateTime):
        return False if t.timezone else _naive_datetime
    if isinstance(t, Date):
        return _date
    if isinstance(t, Boolean):
        return bool
    if isinstance(t, JSON):
        return _json
    if isinstance(t, Float):
        return _float
    if isinstance(t, Integer | String):
        return None
    return False


@dataclass(frozen=True)
class RowReader:
    """How to read one synced table's rows raw and turn them into wire data."""

    table: Table
    keys: tuple[str, ...]
    #: per column: the converter of its stored value, or None to send it as stored
    converters: tuple[Callable | None, ...]
    #: ``row -> data`` (generated, see :func:`reader`); raises :class:`Unsendable`
    convert: Callable[[tuple], dict]
    #: SQL that makes the wire data as JSON text in SQLite (see :func:`_json_object_sql`), or
    #: None where a column type has no SQL form here
    json_sql: str | None

    def data(self, row: tuple) -> dict:
        """The record's wire data from a raw row (stored values, in column order)."""
        try:
            return self.convert(row)
        except (ValueError, TypeError, OverflowError):
            self._unsendable(row)
            raise

    def _unsendable(self, row) -> None:
        for key, fn, v in zip(self.keys, self.converters, row, strict=True):
            if fn is not None and v is not None:
                try:
                    fn(v)
                except (ValueError, TypeError, OverflowError) as exc:
                    raise Unsendable(key, _READ_AS_WHAT.get(fn, "无法转换")) from exc


def _typed(column) -> Callable:
    """For a column type this module does not know: SQLAlchemy's conversion, then ``plain``."""
    processor = column.type.result_processor(sqlite_dialect, None)
    if processor is None:
        return protocol.plain
    return lambda value: protocol.plain(processor(value))


def _compile_convert(table: Table, converters: tuple) -> Callable[[tuple], dict]:
    """``row -> data`` as one generated expression: unpack the row, build the dict.

    A loop pairing each value with its converter costs a zip, a test and a dict insertion per
    column; the generated function unpacks the tuple and builds the dict in one display, about
    three times faster (it runs once per record sent).
    """
    names = [f"c{i}" for i in range(len(converters))]
    env: dict = {}
    items = []
    for i, (col, fn) in enumerate(zip(table.columns, converters, strict=True)):
        if fn is None:
            items.append(f"        {col.key!r}: c{i},")
        else:
            env[f"f{i}"] = fn
            items.append(f"        {col.key!r}: None if c{i} is None else f{i}(c{i}),")
    source = "\n".join(
        ["def convert(row):", f"    ({', '.join(names)},) = row", "    return {", *items, "    }"]
    )
    exec(compile(source + "\n", f"<wire data of {table.name}>", "exec"), env)
    convert = env["convert"]
    convert.source = source
    return convert


# ------------------------------------------------------------------ the same, in SQL

#: an expression that fails the statement ("malformed JSON"): a stored value in a form the SQL
#: below does not expect sends the whole batch down the Python path, which says what is wrong
_FAIL = "json('!')"


def _sql_value(column, fn) -> str | None:
    """The SQLite expression of a column's wire value (as :func:`_converter`'s ``fn`` gives it)."""
    c = f'"{column.table.name}"."{column.name}"'
    if fn is None:
        return c
    if fn is bool:
        return f"CASE WHEN {c} IS NULL THEN NULL WHEN {c} THEN json('true') ELSE json('false') END"
    if fn is _utc_datetime:  # "YYYY-MM-DD HH:MM:SS.ffffff" -> ISO 8601, ".000000" left out
        return (
            f"CASE WHEN {c} IS NULL THEN NULL "
            f"WHEN typeof({c}) = 'text' AND length({c}) = 26 AND substr({c}, 11, 1) = ' ' "
            f"AND substr({c}, 20, 1) = '.' THEN substr({c}, 1, 10) || 'T' || "
            f"CASE WHEN substr({c}, 20) = '.000000' THEN substr({c}, 12, 8) "
            f"ELSE substr({c}, 12) END || '+00:00' ELSE {_FAIL} END"
        )
    if fn is _date:
        return (
            f"CASE WHEN {c} IS NULL THEN NULL WHEN typeof({c}) = 'text' AND length({c}) = 10 "
            f"AND date({c}) = {c} THEN {c} ELSE {_FAIL} END"
        )
    if fn is _money:  # integer fen -> "12345.67"
        return (
            f"CASE WHEN {c} IS NULL THEN NULL WHEN typeof({c}) != 'integer' THEN {_FAIL} "
            f"WHEN {c} < 0 THEN printf('-%d.%02d', -{c} / 100, -{c} % 100) "
            f"ELSE printf('%d.%02d', {c} / 100, {c} % 100) END"
        )
    if fn is _json:  # strict JSON only: NaN or Infinity in the text are not JSON
        return (
            f"CASE WHEN {c} IS NULL THEN NULL WHEN json_valid({c}, 1) THEN json({c}) "
            f"ELSE {_FAIL} END"
        )
    if fn is _float:
        return (
            f"CASE WHEN {c} IS NULL THEN NULL WHEN typeof({c}) IN ('real', 'integer') "
            f"AND abs({c}) <= 1.7976931348623157e308 THEN {c} ELSE {_FAIL} END"
        )
    return None


def _json_object_sql(table: Table, converters: tuple) -> str | None:
    """``json_object(...)`` of a row's wire data, built by SQLite in C.

    Reading a row into Python makes an object per column, most of them to be turned into JSON
    text again; SQLite makes the record's JSON text itself, which the station sends as it is
    (``orjson.Fragment``). Same wire values as the Python path (``tests/test_sync_rows.py``).
    """
    parts = []
    for col, fn in zip(table.columns, converters, strict=True):
        expr = _sql_value(col, fn)
        if expr is None:
            return None
        parts.append((col.key, expr))
    # SQLite's limit of function arguments is 127 by default: the first 50 columns in
    # json_object, the others added by json_set (in column order, as the Python path has them)
    sql = "json_object(" + ", ".join(f"'{k}', {e}" for k, e in parts[:50]) + ")"
    rest = parts[50:]
    while rest:
        chunk, rest = rest[:50], rest[50:]
        sql = f"json_set({sql}, " + ", ".join(f"'$.{k}', {e}" for k, e in chunk) + ")"
    return sql


@cache
def reader(entity: str) -> RowReader:
    table = MODEL_BY_ENTITY[entity].__table__
    keys, converters = [], []
    for col in table.columns:
        fn = _converter(col)
        keys.append(col.key)
        converters.append(_typed(col) if fn is False else fn)
    converters = tuple(converters)
    return RowReader(
        table,
        tuple(keys),
        converters,
        _compile_convert(table, converters),
        _json_object_sql(table, converters),
    )
