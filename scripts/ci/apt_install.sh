#!/usr/bin/env bash
# Shared by the install_*.sh scripts: apt_install [APT-OPTION...] PACKAGE...
# installs Debian packages, as root or through passwordless sudo, and fails
# loudly otherwise.

apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo -n)
        else
            echo "error: installing $* needs root (or sudo)" >&2
            return 1
        fi
    fi
    echo "Installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq "$@"
}
