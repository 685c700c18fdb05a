#!/usr/bin/env bash
# Install the system packages Glottis needs, through apt, only when they are missing.
#
#   scripts/install-system-deps.sh [PYTHON] [--test] [--bench]
#
# Always: PortAudio (libportaudio2), which sounddevice plays and records through; Python's
# venv module (python3-venv on Debian's own Python); the X11/xcb, OpenGL/EGL, fontconfig and
# D-Bus libraries the Qt window loads (a desktop has them, a bare Debian or a container not).
# With --test also what the studio's tests run against: Xvfb (a display for the screenshot),
# PulseAudio with its command-line tools (a null sink, a real sound device without hardware)
# and the ALSA plugin that routes PortAudio's ALSA output into PulseAudio, and the validators
# of the desktop files in packaging/ (desktop-file-utils, appstream).
# With --test or --bench also flite, whose slt voice is the other speaker of the speaker
# similarity tests and the one benchmarks/finetune_voice.py fine-tunes towards.
set -euo pipefail

python=python3
test_tools=0
bench_tools=0
for argument in "$@"; do
  case $argument in
    --test) test_tools=1 ;;
    --bench) bench_tools=1 ;;
    *) python=$argument ;;
  esac
done

missing=()
libraries=$(/sbin/ldconfig -p 2>/dev/null || ldconfig -p)
need_library() {  # need_library SONAME PACKAGE
  [[ $libraries == *"$1 "* ]] || missing+=("$2")
}
need_library libportaudio.so.2 libportaudio2
"$python" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)

# What PySide6's libQt6Gui, libqxcb and libqoffscreen link to, by `ldd` on each.
need_library libEGL.so.1 libegl1
need_library libGL.so.1 libgl1
need_library libfontconfig.so.1 libfontconfig1
need_library libfreetype.so.6 libfreetype6
need_library libglib-2.0.so.0 libglib2.0-0
need_library libdbus-1.so.3 libdbus-1-3
need_library libX11.so.6 libx11-6
need_library libX11-xcb.so.1 libx11-xcb1
need_library libxkbcommon.so.0 libxkbcommon0
need_library libxkbcommon-x11.so.0 libxkbcommon-x11-0
need_library libxcb.so.1 libxcb1
need_library libxcb-cursor.so.0 libxcb-cursor0
need_library libxcb-icccm.so.4 libxcb-icccm4
need_library libxcb-image.so.0 libxcb-image0
need_library libxcb-keysyms.so.1 libxcb-keysyms1
need_library libxcb-randr.so.0 libxcb-randr0
need_library libxcb-render-util.so.0 libxcb-render-util0
need_library libxcb-render.so.0 libxcb-render0
need_library libxcb-shape.so.0 libxcb-shape0
need_library libxcb-shm.so.0 libxcb-shm0
need_library libxcb-sync.so.1 libxcb-sync1
need_library libxcb-util.so.1 libxcb-util1
need_library libxcb-xfixes.so.0 libxcb-xfixes0
need_library libxcb-xkb.so.1 libxcb-xkb1
# (Read whole: `fc-list | grep -q .` fails under pipefail when grep exits first.)
fonts=$(fc-list 2>/dev/null || true)
[ -n "$fonts" ] || missing+=(fonts-dejavu-core)

if [ "$test_tools" -eq 1 ]; then
  command -v Xvfb >/dev/null || missing+=(xvfb)
  command -v pulseaudio >/dev/null || missing+=(pulseaudio)
  command -v pactl >/dev/null || missing+=(pulseaudio-utils)
  [ -e /usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so ] \
    || ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so >/dev/null 2>&1 \
    || missing+=(libasound2-plugins)
  command -v desktop-file-validate >/dev/null || missing+=(desktop-file-utils)
  command -v appstreamcli >/dev/null || missing+=(appstream)
fi

if [ "$test_tools" -eq 1 ] || [ "$bench_tools" -eq 1 ]; then
  command -v flite >/dev/null || missing+=(flite)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if ! command -v apt-get >/dev/null; then
  echo "Glottis needs ${missing[*]}; install them with your system's package manager." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
