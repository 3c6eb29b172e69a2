#!/usr/bin/env bash
# Install Debian's redis-server for the scale-out tests (tests/scale/, run by
# scripts/test.py). The tests start their own server on a unix socket; this
# only provides the binary. Does nothing when it is already installed.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; then
    echo "redis-server is installed: $(command -v redis-server || echo /usr/bin/redis-server)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
else
    echo "error: installing redis-server needs root (or sudo)" >&2
    exit 1
fi

echo "Installing redis-server with apt-get"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
# Debian starts the packaged service where it can; the tests do not use it.
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends redis-server

REDIS=$(command -v redis-server || echo /usr/bin/redis-server)
[ -x "$REDIS" ] || { echo "error: redis-server is still missing" >&2; exit 1; }
"$REDIS" --version
