#!/usr/bin/env bash
# Install the built bundle system-wide on a Linux station PC (run as root after build_bundle.sh):
#   packaging/linux/install.sh            installs to /opt/labor-station
# Upgrading: run it again with the new bundle; the station data in each user's
# ~/.local/share/LaborStation is not touched and is migrated at the next login (after a backup).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x dist/labor-station/labor-station ] || { echo "build first: packaging/build_bundle.sh" >&2; exit 1; }
rm -rf /opt/labor-station.new
cp -r dist/labor-station /opt/labor-station.new
rm -rf /opt/labor-station.old
[ -d /opt/labor-station ] && mv /opt/labor-station /opt/labor-station.old
mv /opt/labor-station.new /opt/labor-station
rm -rf /opt/labor-station.old
install -Dm644 packaging/linux/labor-station.desktop /usr/share/applications/labor-station.desktop
install -Dm644 packaging/linux/labor-station.png /usr/share/icons/hicolor/256x256/apps/labor-station.png
ln -sf /opt/labor-station/labor-station /usr/local/bin/labor-station
echo "installed /opt/labor-station"
