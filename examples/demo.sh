#!/usr/bin/env bash
# The README's main job: bundle the iris example reproducibly, prove it by rebuilding under
# varied conditions, then verify the bundle file on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "== repro build examples/iris --verify"
node dist/cli/bin.js build examples/iris -o "$out" --verify --locked
bundle=$(ls "$out"/*.repro.tar.zst)
echo
echo "== repro verify $(basename "$bundle")"
node dist/cli/bin.js verify "$bundle"
