#!/usr/bin/env bash
# Install Debian's Chromium and its WebDriver for the browser test
# (tests/browser/, run by scripts/browsertest.py). Does nothing when both are
# already installed, so it is safe to run on every CI run.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ]; then
    echo "Chromium and chromedriver are installed: $CHROMIUM, $CHROMEDRIVER"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
else
    echo "error: installing chromium and chromium-driver needs root (or sudo)" >&2
    exit 1
fi

echo "Installing chromium and chromium-driver with apt-get"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq chromium chromium-driver

for binary in "$CHROMIUM" "$CHROMEDRIVER"; do
    [ -x "$binary" ] || { echo "error: $binary is still missing" >&2; exit 1; }
done
"$CHROMIUM" --version
"$CHROMEDRIVER" --version
