#!/usr/bin/env bash
# Build the one-folder bundle and check it as an installed station PC would run it:
# no virtualenv, no source tree on the path, a minimal environment, Qt offscreen.
#   packaging/build_bundle.sh            (uses .venv; installs PyInstaller there if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY -c "import PyInstaller" 2>/dev/null || .venv/bin/pip install -q -e ".[build]"
rm -rf build dist
$PY -m PyInstaller --noconfirm --log-level ERROR build.spec
size=$(du -s --apparent-size --block-size=1M dist/labor-station | cut -f1)
echo "bundle size: ${size} MiB (dist/labor-station)"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r dist/labor-station "$scratch/"
( cd "$scratch" && env -i HOME="$scratch" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    LD_BIND_NOW=1 ./labor-station/labor-station selftest --data-dir "$scratch/data" )
echo "bundle selftest passed"
