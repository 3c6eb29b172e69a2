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

# shellcheck source=apt_install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh"
apt_install chromium chromium-driver

for binary in "$CHROMIUM" "$CHROMEDRIVER"; do
    [ -x "$binary" ] || { echo "error: $binary is still missing" >&2; exit 1; }
done
"$CHROMIUM" --version
"$CHROMEDRIVER" --version
