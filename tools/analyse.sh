#!/usr/bin/env bash
# Static analysis: cppcheck over every C source of the project (the layers,
# the CLI, the tests and fuzz targets), failing on any finding not listed
# with its reason in tools/cppcheck.supp. Uses build/ (made if missing) for
# the generated parser headers; installs cppcheck when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_EXTRA_PACKAGES=cppcheck tools/setup.sh build
cppcheck --std=c11 --enable=warning,portability,performance --error-exitcode=1 \
    --inline-suppr --quiet -D_GNU_SOURCE -I. -Isigma -Ibuild/gen \
    --suppressions-list=tools/cppcheck.supp sigma compiler vm runtime tools tests
echo "cppcheck: no findings"
