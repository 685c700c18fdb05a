#!/usr/bin/env bash
# Install the system libraries Glottis needs, through apt, only when they are missing.
# PortAudio (libportaudio2) is what sounddevice plays and records through.
set -euo pipefail

missing=()
ldconfig -p | grep -q 'libportaudio\.so\.2' || missing+=(libportaudio2)

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
