#!/usr/bin/env bash
# The steps of action.yml (GitHub Actions) and of the GitLab CI job in docs/CI.md: build the
# project's bundle with --verify (and --locked), print what differs as workflow commands
# (--format github) so it shows on the pull request, attest and sign when asked, push when asked,
# and hand the results on ($GITHUB_OUTPUT when set; always a line each on stdout).
#   REPRO_PROJECT   project directory (default .)
#   REPRO_LOCKED    true (default) | false
#   REPRO_ATTEST    true (default) | false
#   REPRO_SIGNING   none (default) | key (PEM in REPRO_SIGNING_KEY) | keyless (Sigstore, CI's OIDC token)
#   REPRO_PUSH      REGISTRY/REPO:TAG to push to; empty: no push
#   REPRO_OUT       where the bundle and documents go (default $RUNNER_TEMP/repro or ./.repro/ci)
#   REPRO_FORMAT    github (default under GitHub Actions) | text
set -euo pipefail
action_path=${REPRO_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
project=${REPRO_PROJECT:-.}
out=${REPRO_OUT:-${RUNNER_TEMP:-$PWD/.repro}/repro-ci}
format=${REPRO_FORMAT:-$([ -n "${GITHUB_ACTIONS:-}" ] && echo github || echo text)}
signing=${REPRO_SIGNING:-none}

# repro from the action's own checkout: built once, then run by path.
if [ ! -f "$action_path/dist/cli/bin.js" ]; then
  (cd "$action_path" && npm ci --no-audit --no-fund >&2 && npm run -s build >&2)
fi
repro() { node "$action_path/dist/cli/bin.js" "$@"; }

args=(build "$project" -o "$out" --verify --no-progress --format "$format")
[ "${REPRO_LOCKED:-true}" = true ] && args+=(--locked)
if [ "${REPRO_ATTEST:-true}" = true ]; then
  args+=(--attest)
  case "$signing" in
    key) args+=(--key env:REPRO_SIGNING_KEY) ;;
    keyless) args+=(--keyless) ;;
    none) ;;
    *) echo "::error title=repro action::REPRO_SIGNING is none, key or keyless, not $signing"; exit 2 ;;
  esac
fi
rm -rf "$out"
repro "${args[@]}"

bundle=$(ls "$out"/*.repro.tar* | head -n 1)
facts=$(repro verify "$bundle" --json)
field() { node -e 'const d=JSON.parse(process.argv[1]).result; console.log(d[process.argv[2]])' "$facts" "$1"; }
emit() {
  echo "$1=$2"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$1=$2" >> "$GITHUB_OUTPUT"; fi
}
emit dir "$out"
emit bundle "$bundle"
emit content-digest "$(field contentDigest)"
emit file-digest "$(field fileDigest)"

if [ -n "${REPRO_PUSH:-}" ]; then
  reference=$(repro push "$bundle" "$REPRO_PUSH" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result.reference))')
  emit reference "$reference"
  if [ "${REPRO_ATTEST:-true}" = true ]; then
    attach=(attest "$reference" --attach -o "$out/attached" --no-progress)
    case "$signing" in key) attach+=(--key env:REPRO_SIGNING_KEY) ;; keyless) attach+=(--keyless) ;; esac
    repro "${attach[@]}" >&2
  fi
fi
