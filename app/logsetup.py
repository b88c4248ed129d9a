"""Logging to rotating files in the data folder, with personal data kept out.

The code logs identifiers (UUIDs, case numbers, counts), never names, ID numbers, phones or case
facts. As a second line of defence every record is scrubbed as a whole, after formatting:

* a traceback (``log.exception``, ``exc_info``) keeps its frames (file, line, function, the line
  of code) and the exception types of the whole chain, but not the exception messages, which
  quote data (a database error repeats the row it failed on);
* anything that looks like an ID number or a phone number is masked, and so is any run of
  Chinese characters (names, addresses and case facts are Chinese; the code logs in English).
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import traceback
from pathlib import Path

LOG_DIR = "logs"
LOG_FILE = "labor-station.log"

_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


#: Chinese text (CJK ideographs, with the extension planes): names, addresses, case facts
#: (a whole run in brackets stays: the masks themselves, "[中文]", "[身份证号]", and "[张]")
_CHINESE = re.compile("\\[?[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+\\]?")


def _mask_chinese(m: re.Match) -> str:
    text = m.group(0)
    if text.startswith("[") and text.endswith("]"):
        return text if text in _MASKS else "[中文]"
    return ("[" if text.startswith("[") else "") + "[中文]" + ("]" if text.endswith("]") else "")


_MASKS = frozenset(("[中文]", "[身份证号]", "[手机号]", "[电话]"))


def scrub(text: str) -> str:
    text = _CHINESE.sub(_mask_chinese, text)
    text = _ID_NUMBER.sub("[身份证号]", text)
    text = _MOBILE.sub("[手机号]", text)
    return _LANDLINE.sub("[电话]", text)


def traceback_without_values(exc: BaseException) -> str:
    """A traceback as Python prints it, each exception's message replaced by its type alone."""
    chain: list[tuple[BaseException, str | None]] = []
    seen = set()
    current: BaseException | None = exc
    note = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, note))
        if current.__cause__ is not None:
            current, note = current.__cause__, "direct cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, note = current.__context__, "context"
        else:
            current = None
    lines: list[str] = []
    for exc_, note in reversed(chain):
        lines.append("Traceback (most recent call last):\n")
        for frame in traceback.extract_tb(exc_.__traceback__):
            lines.append(
                f'  File "{Path(frame.filename).name}", line {frame.lineno}, in {frame.name}\n'
            )
            if frame.line:
                lines.append(f"    {frame.line.strip()}\n")
        kind = type(exc_)
        lines.append(f"{kind.__module__}.{kind.__qualname__}: [message withheld]\n")
        if note == "direct cause":
            lines.append(
                "\nThe above exception was the direct cause of the following exception:\n\n"
            )
        elif note == "context":
            lines.append(
                "\nDuring handling of the above exception, another exception occurred:\n\n"
            )
    return "".join(lines).rstrip("\n")


class ScrubbingFormatter(logging.Formatter):
    """Formats a record, its traceback without exception messages, and scrubs all of it."""

    def formatException(self, ei) -> str:
        _type, value, _tb = ei
        if value is None:
            return ""
        return traceback_without_values(value)

    def formatStack(self, stack_info: str) -> str:
        return stack_info  # code locations and lines only

    def format(self, record: logging.LogRecord) -> str:
        # another handler may have cached the full traceback text on the record: not ours
        cached, record.exc_text = record.exc_text, None
        try:
            return scrub(super().format(record))
        finally:
            record.exc_text = cached


class ScrubFilter(logging.Filter):
    """Kept for handlers that format on their own: masks the message before it is formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files (and each one rotation starts) created 0600 on POSIX."""

    def _open(self):
        from app.store.folder import open_private

        return open_private(Path(self.baseFilename), "a", encoding=self.encoding)


def log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_DIR


def configure_logging(data_dir: Path, *, console: bool = False, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_labor_station", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    fmt = ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = []
    try:
        from app.store.folder import private_dir

        folder = private_dir(log_dir(data_dir))
        handlers.append(
            PrivateRotatingFileHandler(
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
