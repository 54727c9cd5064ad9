#!/usr/bin/env bash
# ensure-debian-package.sh COMMAND PACKAGE: install Debian's PACKAGE when COMMAND is missing.
# The browser tests need chromium (never a browser build downloaded by a test tool); the
# benchmark needs wrk.
set -euo pipefail
command -v "$1" >/dev/null 2>&1 && exit 0
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$2"
