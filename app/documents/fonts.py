"""The CJK font embedded in every PDF.

On Windows the system's SimSun/FangSong are preferred when present (the look of official
documents); everywhere else, and as the fallback, the bundled WenQuanYi Micro Hei.

Parsing the font (ReportLab reads the character map, widths and glyph offsets of 35,000
characters in Python) took about 200 ms, the largest part of the first document after start.
The face is parsed once per process, and what the parse finds is kept in a per-user cache file
(``font-….metrics``: numbers and the font's names only, no pickle, nothing personal), so that the
next processes rebuild the face from arrays in a few milliseconds. The cache is keyed by the
font file's path, size and modification time and by the ReportLab version; a stale, damaged or
unreadable cache is ignored (the font is parsed and the cache rewritten). Every glyph stays
available: ReportLab still subsets each PDF to the characters it uses.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
import sys
from array import array
from functools import cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFont, TTFontFace

from app.paths import APP_AUTHOR, APP_NAME, resource

log = logging.getLogger(__name__)

BUNDLED_FONT = "wqy-microhei.ttc"


def _windows_candidates() -> list[tuple[str, Path, int]]:
    windir = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    return [
        ("SimFang", windir / "simfang.ttf", 0),
        ("SimSun", windir / "simsun.ttc", 0),
    ]


def _candidates() -> list[tuple[str, Path, int]]:
    found = _windows_candidates() if os.name == "nt" else []
    found.append(("WenQuanYiMicroHei", resource("fonts", BUNDLED_FONT), 0))
    return found


@cache
def cjk_font_name() -> str:
    """Register the CJK font with ReportLab (once) and return its name."""
    for name, path, index in _candidates():
        if not path.exists():
            continue
        try:
            pdfmetrics.registerFont(load_font(name, path, index))
        except Exception:  # a damaged system font: try the next one
            continue
        _install_width_cache()
        return name
    raise RuntimeError(f"找不到中文字体文件 {BUNDLED_FONT}，程序安装不完整")


def bundled_font_path() -> Path:
    return resource("fonts", BUNDLED_FONT)


# ---------------------------------------------------------------- the parsed face, cached

#: bump when the layout of the cache file changes
CACHE_FORMAT = 1
_MAGIC = b"LSFONTM1"
_NAMES = ("name", "familyName", "styleName", "fullName", "uniqueFontID")
_SCALARS = (
    "ascent", "descent", "bold", "italic", "builtIn", "validate", "version", "ttcVersion",
    "fileKind", "numSubfonts", "numTables", "searchRange", "entrySelector", "rangeShift",
    "unitsPerEm", "capHeight", "stemV", "italicAngle", "underlinePosition",
    "underlineThickness", "flags", "numGlyphs", "_full_font", "defaultWidth",
)  # fmt: skip
_LISTS = ("ttfVersions", "subfontOffsets", "fontRevision", "bbox", "tables")
#: the large tables, each stored as one typed array
_ARRAYS = (
    ("c2g_chars", "I"), ("c2g_glyphs", "I"), ("g2c_glyphs", "I"), ("g2c_chars", "I"),
    ("width_chars", "I"), ("widths", "d"), ("advances", "d"), ("bearings", "i"),
    ("glyph_pos", "I"),
)  # fmt: skip


def cache_dir() -> Path:
    """Where the parsed fonts are kept; ``LABOR_STATION_CACHE_DIR`` overrides it."""
    override = os.environ.get("LABOR_STATION_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR))


def _key(path: Path, index: int) -> dict:
    st = path.stat()
    return {
        "format": CACHE_FORMAT, "path": str(path.resolve()), "size": st.st_size,
        "mtime_ns": st.st_mtime_ns, "index": index, "reportlab": reportlab.Version,
        "byteorder": sys.byteorder,
    }  # fmt: skip


def _cache_file(key: dict) -> Path:
    digest = hashlib.sha256(f"{key['path']}|{key['index']}".encode()).hexdigest()[:16]
    return cache_dir() / f"font-{digest}.metrics"


def _dump(face: TTFontFace, key: dict) -> bytes:
    header = {
        "key": key,
        "names": {n: getattr(face, n).ustr for n in _NAMES},
        "subfontNameX": face.subfontNameX.decode("latin-1"),
        "scalars": {n: getattr(face, n) for n in _SCALARS},
        "lists": {n: list(getattr(face, n)) for n in _LISTS},
        # ReportLab keeps the advances of hmtx as read (int), those of the glyphs past
        # numberOfHMetrics as the last one scaled (float); both kinds come back as they were
        "int_advances": sum(1 for a, _ in face.hmetrics if type(a) is int),
    }
    if any(type(a) is not int for a, _ in face.hmetrics[: header["int_advances"]]):
        raise ValueError("advances not in the expected order")
    g2c = [(g, c) for g, chars in face.glyphToChar.items() for c in chars]
    arrays = {
        "c2g_chars": array("I", face.charToGlyph.keys()),
        "c2g_glyphs": array("I", face.charToGlyph.values()),
        "g2c_glyphs": array("I", (g for g, _ in g2c)),
        "g2c_chars": array("I", (c for _, c in g2c)),
        "width_chars": array("I", face.charWidths.keys()),
        "widths": array("d", face.charWidths.values()),
        "advances": array("d", (a for a, _ in face.hmetrics)),
        "bearings": array("i", (b for _, b in face.hmetrics)),
        "glyph_pos": array("I", face.glyphPos),
    }
    blob = json.dumps(header, ensure_ascii=True).encode()
    parts = [_MAGIC, struct.pack("<I", len(blob)), blob]
    for name, _ in _ARRAYS:
        data = arrays[name].tobytes()
        parts += [struct.pack("<I", len(data)), data]
    return b"".join(parts)


def _face_from(data: bytes, key: dict, path: Path) -> TTFontFace | None:
    """The face rebuilt from a cache file; None if the file is not for this font."""
    if data[:8] != _MAGIC:
        return None
    (size,) = struct.unpack_from("<I", data, 8)
    pos = 12 + size
    header = json.loads(data[12:pos])
    if header.get("key") != key:
        return None
    arrays = {}
    for name, code in _ARRAYS:
        (length,) = struct.unpack_from("<I", data, pos)
        pos += 4
        arrays[name] = array(code, data[pos : pos + length])
        pos += length
    if pos != len(data):
        raise ValueError("trailing data")
    face = _CachedFace.__new__(_CachedFace)
    pdfmetrics.TypeFace.__init__(face, None)
    face.glyphNames, face.glyphWidths, face.requiredEncoding = [], {}, None
    for n in _NAMES:
        setattr(face, n, TTFNameBytes(header["names"][n].encode("utf8")))
    face.subfontNameX = header["subfontNameX"].encode("latin-1")
    for n, v in header["scalars"].items():
        setattr(face, n, v)
    lists = header["lists"]
    face.ttfVersions = tuple(lists["ttfVersions"])
    face.subfontOffsets = lists["subfontOffsets"]
    face.fontRevision = tuple(lists["fontRevision"])
    face.bbox = lists["bbox"]
    face.tables = [dict(t) for t in lists["tables"]]
    face.table = {t["tag"]: t for t in face.tables}
    scale = 1000 / face.unitsPerEm
    face._pdfScale = (lambda x: x) if face.unitsPerEm == 1000 else (lambda x: x * scale)
    face.charToGlyph = dict(zip(arrays["c2g_chars"], arrays["c2g_glyphs"], strict=True))
    face.charWidths = dict(zip(arrays["width_chars"], arrays["widths"], strict=True))
    # Only the glyphs a document uses are looked up (when it is subset): no lists of 50,000.
    face.glyphPos = arrays["glyph_pos"]
    face.hmetrics = _HMetrics(arrays["advances"], arrays["bearings"], header["int_advances"])
    face._glyph_to_char = (arrays["g2c_glyphs"], arrays["g2c_chars"])
    if len(face.glyphPos) != face.numGlyphs + 1 or len(face.hmetrics) != face.numGlyphs:
        raise ValueError("glyph tables do not match the glyph count")
    face.filename = str(path)
    face._ttf_data = path.read_bytes()
    face._pos = 0
    if len(face._ttf_data) != key["size"]:
        return None
    return face


class _HMetrics:
    """``face.hmetrics`` over the cached arrays: (advance, left side bearing) of a glyph."""

    __slots__ = ("_advances", "_bearings", "_n_int")

    def __init__(self, advances: array, bearings: array, n_int: int) -> None:
        if len(advances) != len(bearings):
            raise ValueError("hmtx arrays differ in length")
        self._advances, self._bearings, self._n_int = advances, bearings, n_int

    def __len__(self) -> int:
        return len(self._advances)

    def __getitem__(self, glyph: int) -> tuple:
        advance = self._advances[glyph]
        return (int(advance) if glyph < self._n_int else advance), self._bearings[glyph]

    def __eq__(self, other) -> bool:
        return list(self) == list(other)


class _CachedFace(TTFontFace):
    """A face rebuilt from the cache; ``glyphToChar`` (used only by HarfBuzz shaping) is built
    when first asked for."""

    @property
    def glyphToChar(self) -> dict[int, list[int]]:
        if "_g2c" not in self.__dict__:
            g2c: dict[int, list[int]] = {}
            for g, c in zip(*self._glyph_to_char, strict=True):
                g2c.setdefault(g, []).append(c)
            self.__dict__["_g2c"] = g2c
        return self.__dict__["_g2c"]

    @glyphToChar.setter
    def glyphToChar(self, value) -> None:
        self.__dict__["_g2c"] = value


def load_font(name: str, path: Path, index: int = 0) -> TTFont:
    """The font as ReportLab's ``TTFont``, from the cache when it has this font, else parsed
    (and the cache written for the next process)."""
    key = _key(path, index)
    file = _cache_file(key)
    try:
        face = _face_from(file.read_bytes(), key, path)
    except FileNotFoundError:
        face = None
    except Exception as exc:  # damaged or from another version: parse again
        log.info("font cache %s ignored: %s", file.name, exc)
        face = None
    if face is None:
        font = TTFont(name, str(path), subfontIndex=index)
        try:
            data = _dump(font.face, key)
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, file)
        except (OSError, ValueError, TypeError) as exc:  # read-only profile, odd font: no cache
            log.info("font cache not written: %s", exc)
        return font
    font = TTFont.__new__(TTFont)
    _init_font(font, name, face)
    return font


def _init_font(font: TTFont, name: str, face: TTFontFace) -> None:
    """What ``TTFont.__init__`` does, with a face already built."""
    from fnmatch import fnmatch
    from weakref import WeakKeyDictionary

    from reportlab import rl_config
    from reportlab.pdfbase.ttfonts import TTEncoding, unShapedFontGlob

    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, g) for g in unShapedFontGlob)


_widths: dict[tuple[str, float], dict[str, float]] = {}


def _char_widths(word: str, font_name: str, font_size: float) -> list[float]:
    """ReportLab's ``textsplit.getCharWidths`` with the widths remembered per font and size.

    Chinese text has no spaces, so ReportLab breaks every line of it character by character
    (``breakLinesCJK`` → ``wordSplit`` → ``getCharWidths``), asking ``stringWidth`` once per
    character each time a paragraph is wrapped: about a fifth of the time of an agreement.
    A character's width in a font at a size never changes; a document uses a few hundred."""
    known = _widths.get((font_name, font_size))
    if known is None:
        known = _widths[(font_name, font_size)] = {}
    out = []
    for ch in word:
        w = known.get(ch)
        if w is None:
            w = known[ch] = pdfmetrics.stringWidth(ch, font_name, font_size)
        out.append(w)
    return out


#: characters a line of Chinese never starts with (GB/T 15834 punctuation that closes or follows;
#: ReportLab's own list lacks the full-width comma, colon, semicolon and quotes)
CANNOT_START = frozenset("，。、：；？！）》」』】〕］｝〉”’…—%％‰℃·．" + ",.:;?!)]}")


def _kinsoku_split(word: str, widths: list[float], max_widths) -> list:
    """ReportLab's ``textsplit.dumbSplit`` (cut Chinese between any two characters), then: a line
    never starts with closing punctuation. ReportLab hangs one such character in the margin, so
    a sentence ending in "）。" left the "。" alone at the start of the next line (seen on the
    agreements' payment terms); here the break moves back before the characters that cannot
    start a line ("…项）。" goes down whole) and the rest is split again."""
    if not isinstance(max_widths, list | tuple):
        max_widths = [max_widths]
    lines = _DUMB_SPLIT(word, widths, max_widths)
    if len(lines) < 2 or "".join(text for _extra, text in lines) != word:
        return lines  # spaces were trimmed at a break: positions unknown, keep ReportLab's
    pos = 0
    for k in range(1, len(lines)):
        prev_extra, prev = lines[k - 1]
        pos += len(prev)
        if not lines[k][1] or lines[k][1][0] not in CANNOT_START:
            continue
        back = 0
        while back < 3 and back < len(prev) - 1 and word[pos - back] in CANNOT_START:
            back += 1
        if back == 0 or word[pos - back] in CANNOT_START:
            return lines  # a run of punctuation longer than we move: leave it
        start = pos - back
        head = [*lines[: k - 1], [prev_extra + sum(widths[start:pos]), prev[: len(prev) - back]]]
        rest = list(max_widths[k:]) or [max_widths[-1]]
        return head + _kinsoku_split(word[start:], widths[start:], rest)
    return lines


_DUMB_SPLIT = None


def _install_width_cache() -> None:
    global _DUMB_SPLIT
    from reportlab.lib import textsplit

    textsplit.getCharWidths = _char_widths  # wordSplit looks it up in its module at each call
    if _DUMB_SPLIT is None:
        _DUMB_SPLIT = textsplit.dumbSplit
        textsplit.dumbSplit = _kinsoku_split  # likewise
