"""Logging to rotating files in the data folder, with personal data kept out.

The code logs identifiers (UUIDs, case numbers, counts), never names, ID numbers, phones or case
facts. As a second line of defence a filter masks anything in a message that looks like an ID number
or a phone number.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

LOG_DIR = "logs"
LOG_FILE = "labor-station.log"

_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def scrub(text: str) -> str:
    text = _ID_NUMBER.sub("[身份证号]", text)
    text = _MOBILE.sub("[手机号]", text)
    return _LANDLINE.sub("[电话]", text)


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_DIR


def configure_logging(data_dir: Path, *, console: bool = False, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_labor_station", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = []
    try:
        folder = log_dir(data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                folder / LOG_FILE, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
            )
        )
    except OSError:
        pass  # a read-only data folder: run without a log file
    if console:
        stream = logging.StreamHandler()
        stream.setLevel(logging.WARNING)
        handlers.append(stream)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for handler in handlers:
        handler.setFormatter(fmt)
        handler.addFilter(ScrubFilter())
        handler._labor_station = True  # type: ignore[attr-defined]
        root.addHandler(handler)


def describe_exception(exc: BaseException) -> str:
    """Type and code locations of an exception, without its message or values.

    Exception messages can carry personal data (a database error quotes the row it failed on), so
    logs and crash reports get only where it happened.
    """
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        frames.append(f"{Path(code.co_filename).name}:{tb.tb_lineno} {code.co_name}")
        tb = tb.tb_next
    where = " <- ".join(reversed(frames[-8:]))
    return f"{type(exc).__module__}.{type(exc).__qualname__}" + (f" at {where}" if where else "")
