"""Standard output that never fails on Chinese text, whatever the console or code page.

On Windows a redirected stdout (``labor-station-cli selftest > 自检.txt``, a support tool reading
a pipe) gets the ANSI code page: cp936 on Chinese Windows, cp1252 on an English one, where the first
Chinese character raised UnicodeEncodeError and the command died half-way. At the command line's
entry each standard stream is set to replace what its encoding cannot hold, and a stream whose
encoding cannot hold Chinese at all is switched to UTF-8 (readable by Notepad and by any tool,
where ``?`` marks would lose everything). An interactive Windows console is already UTF-8 (Python
writes it with WriteConsoleW); the GUI executable has no streams at all (None).
"""

from __future__ import annotations

import sys

PROBE = "鼓楼区劳动关系服务站自检通过"


def holds_chinese(encoding: str | None) -> bool:
    try:
        PROBE.encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def make_streams_safe() -> None:
    """Reconfigure ``sys.stdout`` and ``sys.stderr`` in place (idempotent, never raises)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:  # None (no console) or a replacement without reconfigure()
            continue
        try:
            if holds_chinese(getattr(stream, "encoding", None)):
                reconfigure(errors="replace")
            else:
                reconfigure(encoding="utf-8", errors="replace")
        except (ValueError, OSError, AttributeError):  # closed or detached: leave it
            continue
