#!/usr/bin/env bash
# Install the system packages Glottis needs, through apt, only when they are missing:
# PortAudio (libportaudio2), which sounddevice plays and records through, and Python's venv
# module (python3-venv on Debian's own Python).
set -euo pipefail

python=${1:-python3}
missing=()
libraries=$(/sbin/ldconfig -p 2>/dev/null || ldconfig -p)
[[ $libraries == *libportaudio.so.2* ]] || missing+=(libportaudio2)
"$python" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "Glottis needs ${missing[*]}; install it with your system's package manager." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
