#!/bin/bash
# What each commit bought: `bash bench/steps.sh COMMIT...` builds every commit in a worktree
# under bench/out/steps and times its build, verify and build --verify on the small and many
# shapes (bench/shapes.mjs), best of 3 (build --verify best of 2), the commits alternating in
# each round so a slow minute of the machine falls on all of them. Prints one line per shape
# and commit. Run it on a quiet machine: nothing else that uses the disk or the cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/bench/out
steps=$out/steps
export PATH=$root/node_modules/.bin:$PATH
[ $# -gt 0 ] || { echo "usage: bash bench/steps.sh COMMIT..." >&2; exit 2; }
mkdir -p "$steps"
for c in "$@"; do
  d=$steps/$c
  if [ ! -f "$d/dist/cli/bin.js" ]; then
    git -C "$root" worktree remove --force "$d" 2>/dev/null || rm -rf "$d"
    git -C "$root" worktree add -q --detach "$d" "$c"
    ln -s "$root/node_modules" "$d/node_modules"
    (cd "$d" && npm run build >/dev/null)
  fi
done
t() { /usr/bin/time -f "%e" "$@" >/dev/null 2>"$steps/err" || { cat "$steps/err" >&2; exit 1; }; tail -1 "$steps/err"; }
best() { tr ' ' '\n' | grep . | sort -n | head -1; }
for shape in small many; do
  dir=$(node -e "import('$root/bench/shapes.mjs').then((m) => console.log(m.ensureShape('$out', '$shape')))")
  declare -A B=() V=() VB=()
  for c in "$@"; do node "$steps/$c/dist/cli/bin.js" build "$dir" -o "$steps/o-$c-$shape" --no-lock --no-progress >/dev/null 2>&1; done
  for round in 1 2 3; do
    for c in "$@"; do
      cli=$steps/$c/dist/cli/bin.js
      bundle=$(ls "$steps/o-$c-$shape"/*.zst | head -1)
      B[$c]+="$(t node "$cli" build "$dir" -o "$steps/o-$c-$shape" --no-lock --no-progress) "
      V[$c]+="$(t node "$cli" verify "$bundle" --no-progress) "
      [ "$round" -gt 2 ] || VB[$c]+="$(t node "$cli" build "$dir" -o "$steps/o-$c-$shape" --no-lock --no-progress --verify) "
    done
  done
  for c in "$@"; do
    echo "$shape $c build $(echo "${B[$c]}" | best) verify $(echo "${V[$c]}" | best) build--verify $(echo "${VB[$c]}" | best)"
  done
done
