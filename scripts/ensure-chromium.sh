#!/usr/bin/env bash
# The browser tests drive Debian's Chromium; install it when it is missing (never a download
# of a browser build of its own).
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium
