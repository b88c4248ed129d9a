"""The Linux bundle's trimmed ICU data (packaging/trim_icu.py) gives Qt the same answers for what
the station uses: Chinese and English collation, time-zone names, the GB code pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))
import trim_icu  # noqa: E402

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ICU is bundled on Linux only"),
    pytest.mark.skipif(not trim_icu.tools_present(), reason="icupkg (icu-devtools) or gcc missing"),
]

PROBE = r"""
import hashlib, random
from PySide6.QtCore import QCollator, QDateTime, QLocale, QStringConverter, QStringEncoder, QTimeZone
names = ["张三", "李四", "鼓楼区", "福州软件园", "安泰街道", "洪山镇", "长乐", "重庆", "abc", "Zeta"]
rng = random.Random(1)
names += ["".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(3)) for _ in range(2000)]
for name in ("zh_CN", "en_US"):
    key = QCollator(QLocale(name)).sortKey
    print(name, hashlib.sha256("|".join(sorted(names, key=key)).encode()).hexdigest())
moment = QDateTime(2026, 11, 25, 12, 0, 0)
h = hashlib.sha256()
for zone in QTimeZone.availableTimeZoneIds():
    tz = QTimeZone(zone)
    for loc in (QLocale("zh_CN"), QLocale("en_US")):
        for kind in (QTimeZone.LongName, QTimeZone.ShortName, QTimeZone.OffsetName):
            h.update(tz.displayName(moment, kind, loc).encode())
print("zones", h.hexdigest())
print("shanghai", QTimeZone(b"Asia/Shanghai").displayName(moment, QTimeZone.LongName, QLocale("zh_CN")))
codecs = set(QStringConverter.availableCodecs())
print("codecs", sorted(c for c in ("GB18030", "GBK", "GB2312") if c in codecs))
print("gbk", QStringEncoder("GBK").isValid())
print("upper", QLocale("zh_CN").toUpper("abcé"))
"""


def probe(preload: Path | None) -> list[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if preload is not None:
        env["LD_PRELOAD"] = str(preload)
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env,
                         timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return [line for line in run.stdout.splitlines() if line]


def test_trimmed_icu_data_answers_like_the_full_library(tmp_path):
    import PySide6

    source = next((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"), None)
    if source is None:
        pytest.skip("this PySide6 build does not ship ICU")
    out = tmp_path / source.name
    before, after = trim_icu.trim(source, out)
    assert after < before / 5, (before, after)
    full, trimmed = probe(None), probe(out)
    assert trimmed == full
    assert "shanghai 中国标准时间" in full
    assert "codecs ['GB18030', 'GB2312', 'GBK']" in full


def test_only_other_locales_and_unused_services_are_removed():
    assert trim_icu.unwanted("coll/fr.res") and trim_icu.unwanted("ibm-930_P120-1999.cnv")
    assert trim_icu.unwanted("brkitr/thaidict.dict") and trim_icu.unwanted("translit/root.res")
    for kept in ("coll/zh.res", "coll/root.res", "coll/ucadata.icu", "zone/zh_Hans.res",
                 "zoneinfo64.res", "metaZones.res", "supplementalData.res", "res_index.res",
                 "pool.res", "zone/pool.res", "gb18030.cnv", "cnvalias.icu", "nfkc.nrm"):  # fmt: skip
        assert not trim_icu.unwanted(kept), kept
