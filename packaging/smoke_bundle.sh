#!/usr/bin/env bash
# Try the desktop bundle as a person would: start it under Xvfb with the sample sentence, wait
# until the take is rendered, export it with Ctrl+E and the file dialog, and check the WAV.
# Prints the bundle's size, its cold start (to the window, then to the first take) and the
# WAV's length and peak. Needs Xvfb, xdotool and python3 (scripts/install-system-deps.sh
# --test installs the first).
#
#   packaging/smoke_bundle.sh [dist/glottis-studio]
set -euo pipefail
bundle=${1:-dist/glottis-studio}
program=$bundle/glottis-studio
[ -x "$program" ] || { echo "no bundle at $bundle: run make bundle first" >&2; exit 1; }
work=$(mktemp -d)
display=":$((RANDOM % 500 + 200))"
Xvfb "$display" -screen 0 1400x900x24 >/dev/null 2>&1 &
xvfb=$!
app=""
cleanup() {
  [ -n "$app" ] && kill "$app" 2>/dev/null
  kill "$xvfb" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
sleep 1
export DISPLAY=$display GLOTTIS_DATA_DIR=$work/data XDG_CONFIG_HOME=$work/config
echo "bundle: $(du -sh "$bundle" | cut -f1) in $(find "$bundle" -type f | wc -l) files"

now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.1f}')"; }
started=$(now)
"$program" --text "Hello from the Glottis bundle." >"$work/log" 2>&1 &
app=$!
window=$(timeout 120 xdotool search --sync --onlyvisible --name "Glottis" | head -1) || {
  echo "FAIL: no window within 120 s" >&2; cat "$work/log" >&2; exit 1; }
echo "window shown after $(since "$started") s"

out=$work/hello.wav
deadline=$(( $(date +%s) + 180 ))
dialog=""
while [ -z "$dialog" ]; do
  kill -0 "$app" 2>/dev/null || { echo "FAIL: the bundle exited" >&2; cat "$work/log" >&2; exit 1; }
  [ "$(date +%s)" -lt "$deadline" ] || { echo "FAIL: no take to export within 180 s" >&2; cat "$work/log" >&2; exit 1; }
  # No window manager: a click (on the "Text" label) makes the window Qt's active one, and
  # the keyboard goes to the window under the pointer.
  xdotool mousemove --window "$window" 20 63 click 1
  xdotool key ctrl+e
  sleep 2
  dialog=$(xdotool search --onlyvisible --name "Export WAV" 2>/dev/null | head -1 || true)
done
echo "take rendered and exportable after $(since "$started") s"
eval "$(xdotool getwindowgeometry --shell "$dialog")"
xdotool mousemove $((X + WIDTH / 2)) $((Y + 20))  # over the dialog, whose file name field has focus
sleep 0.5
xdotool type --delay 20 "$out"
xdotool key Return
for _ in $(seq 1 30); do [ -s "$out" ] && break; sleep 1; done
[ -s "$out" ] || { echo "FAIL: no WAV was written" >&2; cat "$work/log" >&2; exit 1; }
python3 - "$out" <<'PY'
import array, sys, wave
with wave.open(sys.argv[1]) as w:
    rate, frames, width = w.getframerate(), w.getnframes(), w.getsampwidth()
    samples = array.array("h", w.readframes(frames)) if width == 2 else array.array("i")
peak = max((abs(s) for s in samples), default=0) / 32768
seconds = frames / rate
print(f"exported {seconds:.2f} s at {rate} Hz, peak {peak:.2f}")
if seconds < 0.5 or peak < 0.05:
    sys.exit("FAIL: the WAV is too short or silent")
PY
echo "PASS"
