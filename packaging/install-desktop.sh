#!/usr/bin/env bash
# Put Glottis Studio in the desktop's application menu: its .desktop file, AppStream metainfo
# and icons, for this user (under $XDG_DATA_HOME, ~/.local/share by default) or under PREFIX/share.
#
#   packaging/install-desktop.sh [PREFIX]
#
# The menu entry starts `glottis-studio`, which `pip install glottis` (or the wheel) puts on
# PATH; install that first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
app_id=io.github.glottis.Studio
if [ $# -ge 1 ]; then
  share=$1/share
else
  share=${XDG_DATA_HOME:-$HOME/.local/share}
fi
install -Dm644 "$here/$app_id.desktop" "$share/applications/$app_id.desktop"
install -Dm644 "$here/$app_id.metainfo.xml" "$share/metainfo/$app_id.metainfo.xml"
install -Dm644 "$here/../studio/resources/$app_id.svg" \
  "$share/icons/hicolor/scalable/apps/$app_id.svg"
for png in "$here"/icons/hicolor/*/apps/$app_id.png; do
  size=$(basename "$(dirname "$(dirname "$png")")")
  install -Dm644 "$png" "$share/icons/hicolor/$size/apps/$app_id.png"
done
if command -v update-desktop-database >/dev/null; then
  update-desktop-database -q "$share/applications" || true
fi
echo "installed $app_id under $share"
