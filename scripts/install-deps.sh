#!/usr/bin/env bash
# Install the Debian packages every component lists in scripts/deps/*.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=$(cat scripts/deps/*.txt | sed 's/#.*//' | tr -s ' \n' '\n' | sort -u)
missing=()
for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
                || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        SUDO=
        [ "$(id -u)" -eq 0 ] || SUDO=sudo
        $SUDO apt-get update
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
