#!/usr/bin/env bash
# Installs sigvm's build dependencies (Debian 12 packages) when missing and
# builds into build/ (or the directory given as $1, with extra CMake args).
set -euo pipefail
cd "$(dirname "$0")/.."

# SETUP_EXTRA_PACKAGES: what a caller needs besides (tools/fuzz.sh: clang).
# shellcheck disable=SC2206 # a blank-separated list, split on purpose
packages=(build-essential cmake ninja-build pkg-config re2c lemon libyaml-dev
          libutf8proc-dev libpcre2-dev zlib1g-dev libzstd-dev libcmocka-dev jq ${SETUP_EXTRA_PACKAGES:-})
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

build=${1:-build}
shift || true
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build"
