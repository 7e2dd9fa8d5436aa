#!/usr/bin/env bash
# Sets everything up, then runs the bundled rule pack over the bundled
# sample logs: the main job of sigvm on its defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh build
echo "== sigvm run -r corpus/rules corpus/events/*.ndjson" >&2
build/sigvm run -r corpus/rules corpus/events/*.ndjson
