#!/usr/bin/env bash
# Builds and runs the whole test suite: unit tests per layer and CLI tests
# (those that need ../shared run when it is there). --sanitize builds the
# same suite with AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--sanitize" ]; then
    tools/setup.sh build-asan -DSIGVM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
    ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -LE slow
else
    tools/setup.sh build
    ctest --test-dir build --output-on-failure -j "$(nproc)"
fi
