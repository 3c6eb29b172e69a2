#!/usr/bin/env bash
# Install Debian's redis-server for the scale-out tests (tests/scale/, run by
# scripts/test.py). The tests start their own server on a unix socket; this
# only provides the binary. Does nothing when it is already installed.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; then
    echo "redis-server is installed: $(command -v redis-server || echo /usr/bin/redis-server)"
    exit 0
fi

# Debian starts the packaged service where it can; the tests do not use it.
# shellcheck source=apt_install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh"
apt_install --no-install-recommends redis-server

REDIS=$(command -v redis-server || echo /usr/bin/redis-server)
[ -x "$REDIS" ] || { echo "error: redis-server is still missing" >&2; exit 1; }
"$REDIS" --version
