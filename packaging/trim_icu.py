"""Build a smaller ``libicudata.so.NN`` for the Linux bundle: ICU's data for Chinese and English only.

PySide6's Linux wheels ship Qt linked against ICU, and ``libicudata.so.73`` alone is 31 MiB: the
locale data of some 800 locales, 190 legacy character-set converters, character names,
transliterators, and dictionaries for Thai, Khmer, Lao and Burmese word breaking. Qt uses ICU for
collation, locale names and formats, time-zone names and text codecs; the station app needs them
for Chinese (and English, ICU's fallback). The data library is nothing but one exported symbol,
``icudtNN_dat``, holding an ICU "common data" package, so this script:

1. copies that package out of the wheel's library (the symbol's bytes in the ``.rodata`` section);
2. lists its items with ``icupkg -l`` and removes, with ``icupkg -r``, the locale data of every
   locale but ``root``, ``en*`` and ``zh`` (Simplified), the converters other than GB 18030 and
   GBK, character names, confusables and StringPrep profiles, and the data of the ICU services Qt
   never calls (break iterators and their dictionaries, transliterators, spelled-out numbers,
   units, currencies); the rest (collation, time zones, calendars, normalisation) stays, and
   icupkg checks that nothing kept refers to a removed item;
3. assembles a shared library with the same soname exporting the same symbol (``gcc -shared`` on
   a two-line assembly file with ``.incbin``).

    python packaging/trim_icu.py SOURCE_LIB OUT_LIB

Needs ``icupkg`` (Debian: icu-devtools; any ICU version reads the package format), gcc and
readelf, so the spec calls it on Linux only (for ``libicudata.so.NN``); if a tool is missing, the
spec keeps the full library and says so.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

#: locales whose data stays (with their parents: zh_Hans_CN -> zh_Hans -> zh -> root)
KEEP_LOCALES = {
    "root", "en", "en_001", "en_US", "en_US_POSIX", "en_GB",
    "zh", "zh_CN", "zh_Hans", "zh_Hans_CN", "zh_SG", "zh_Hans_SG",
}  # fmt: skip
#: items named like a locale but not locale data
NOT_LOCALES = {"res_index", "pool"}
#: GB 18030, GBK (windows-936, built on ibm-1386) and GB 2312 (EUC-CN, ibm-1383)
KEEP_CONVERTERS = {
    "gb18030.cnv",
    "windows-936-2000.cnv",
    "ibm-1386_P100-2001.cnv",
    "ibm-1383_P110-1999.cnv",
}
DROP_ITEMS = {"unames.icu", "confusables.cfu"}
#: Qt calls only ICU's collation, time-zone names (ucal), converters and case mapping (readelf
#: --dyn-syms on libQt6Core lists them), never break iterators, transliterators, spelled-out
#: numbers, units or currencies: that data goes whole.
DROP_FOLDERS = {"translit", "brkitr", "rbnf", "unit", "curr"}
LOCALE_NAME = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]*)*$")


def read_symbol(lib: Path) -> tuple[str, bytes]:
    """The name and bytes of the one ``icudtNN_dat`` object the library exports."""
    out = subprocess.run(["readelf", "--dyn-syms", "-W", str(lib)], check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    match = re.search(r"^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+OBJECT\s+GLOBAL\s+\S+\s+\d+\s+"
                      r"(icudt\d+_dat)$", out, re.MULTILINE)  # fmt: skip
    if not match:
        raise SystemExit(f"{lib}: no icudtNN_dat symbol")
    address, size, name = int(match[1], 16), int(match[2], 0), match[3]
    sections = subprocess.run(["readelf", "-S", "-W", str(lib)], check=True,
                              capture_output=True, text=True).stdout  # fmt: skip
    for line in sections.splitlines():
        parts = line.replace("[ ", "[").split()
        if len(parts) > 5 and parts[1] == ".rodata":
            section_address, offset = int(parts[3], 16), int(parts[4], 16)
            data = lib.read_bytes()
            start = offset + (address - section_address)
            return name, data[start : start + size]
    raise SystemExit(f"{lib}: no .rodata section")


def unwanted(item: str) -> bool:
    """Whether a package item (``curr/fr.res``, ``ibm-930_P120-1999.cnv`` …) is removed."""
    folder, _, name = item.rpartition("/")
    stem, _, suffix = name.rpartition(".")
    if name in DROP_ITEMS or folder in DROP_FOLDERS:
        return True
    if suffix == "cnv":
        return name not in KEEP_CONVERTERS
    if suffix == "spp":  # StringPrep profiles (old IDNA, XMPP, LDAP)
        return True
    if suffix == "res" and stem not in NOT_LOCALES and LOCALE_NAME.match(stem):
        return stem not in KEEP_LOCALES
    return False


def trim(source: Path, out: Path) -> tuple[int, int]:
    symbol, package = read_symbol(source)
    prefix = symbol.removesuffix("_dat") + "l"  # icudt73l: the little-endian ASCII family
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        full = work / f"{prefix}.dat"
        full.write_bytes(package)
        listing = subprocess.run(["icupkg", "-l", str(full)], check=True, capture_output=True,
                                 text=True).stdout.split()  # fmt: skip
        drop = [item for item in listing if unwanted(item)]
        (work / "drop.txt").write_text("\n".join(drop) + "\n", encoding="ascii")
        # icupkg names the items after the output file (icudt73l/coll/zh.res): same name as input
        (work / "out").mkdir()
        small = work / "out" / full.name
        subprocess.run(["icupkg", "-r", str(work / "drop.txt"), str(full), str(small)],
                       check=True, capture_output=True)  # fmt: skip
        data = small.read_bytes()
        if f"{prefix}/".encode() not in data:
            raise SystemExit(f"icupkg did not keep the {prefix}/ item names")
        header_size = struct.unpack_from("<H", data, 0)[0]
        if data[2:4] != b"\xda\x27" or header_size < 20:
            raise SystemExit("icupkg wrote something that is not an ICU data package")
        asm = work / "data.S"
        asm.write_text(
            f"\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n"
            f'{symbol}:\n\t.incbin "{small}"\n\t.size {symbol}, . - {symbol}\n'
            '\t.section .note.GNU-stack,"",@progbits\n',
            encoding="ascii",
        )
        soname = source.name
        built = work / soname
        subprocess.run(["gcc", "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-o", str(built),
                        str(asm)], check=True)  # fmt: skip
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, out)
        out.chmod(0o755)
        return len(package), len(data)


def tools_present() -> bool:
    return all(shutil.which(tool) for tool in ("icupkg", "gcc", "readelf"))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[3], file=sys.stderr)
        return 2
    before, after = trim(Path(argv[0]), Path(argv[1]))
    print(f"ICU data: {before / 2**20:.1f} MiB -> {after / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
