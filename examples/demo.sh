#!/usr/bin/env bash
# The README's main job, the whole story in about a minute, without Docker: snapshot the iris
# example's environment, build a bundle that carries its reference run and prove it rebuilds
# bit for bit, rerun it in the local sandbox and see "reproduced"; then the same bundle with one
# byte flipped is refused before anything runs, and a rerun with another seed is reported NOT
# reproduced with the outputs named. `npm run demo -- --all` also says what Docker, a registry
# and Slurm would add here, and how to see it.
set -euo pipefail
cd "$(dirname "$0")/.."
all=false
[ "${1:-}" = "--all" ] && all=true
cli="$PWD/dist/cli/bin.js"
repro() { node "$cli" "$@"; }
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
started=$(date +%s)

# What the rerun needs: Debian's python3 with scikit-learn, and bubblewrap for the sandbox.
need=()
/usr/bin/python3 -c 'import sklearn' 2>/dev/null || need+=(python3 python3-sklearn)
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v git >/dev/null || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "demo: installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "demo: needs ${need[*]} (install them, or run as root so the demo can)" >&2
    exit 5
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/iris "$work/iris"
cd "$work"
git -C iris init -q && git -C iris add -A && git -C iris -c user.name=demo -c user.email=demo@example.com commit -qm iris
export REPRO_CACHE="$work/cache" PY=/usr/bin/python3

step "1. repro snapshot: record the environment the run depends on"
repro snapshot iris --python "$PY" | sed -n '1,12p'

step "2. the reference run, then repro build --verify: the bundle carries it, rebuilt under varied conditions"
# exec takes a bundle: build one, run it for the reference, then build again carrying the run
repro build iris -o first >/dev/null
repro exec first/iris-demo-0.1.0.repro.tar.zst --backend local -P python="$PY" --out ref 2>/dev/null | tail -3
repro build iris -o bundles --with-run ref --verify --attest
bundle=bundles/iris-demo-0.1.0.repro.tar.zst

step "3. repro exec in the local sandbox: same bundle, same parameters"
repro exec "$bundle" --backend local -P python="$PY" --expect-reproduced --out rerun 2>/dev/null | tail -4

step "4. the same bundle with one byte flipped: refused before anything runs"
cp "$bundle" tampered.repro.tar.zst
size=$(stat -c %s tampered.repro.tar.zst)
printf '\xff' | dd of=tampered.repro.tar.zst bs=1 seek=$((size / 2)) conv=notrunc status=none
set +e
repro exec tampered.repro.tar.zst --backend local -P python="$PY" --out never 2>&1 | head -4
echo "exit ${PIPESTATUS[0]}; ran: $([ -e never ] && echo yes || echo nothing)"

step "5. another seed: the rerun is NOT reproduced, and the outputs that differ are named, with how"
repro exec "$bundle" --backend local -P python="$PY" -P seed=7 --expect-reproduced --out seed7 2>/dev/null | sed -n '/reproduced/,$p'
echo "exit ${PIPESTATUS[0]}"
set -e

step "done in $(( $(date +%s) - started )) s"
cat <<'TEXT'
The bundle, its provenance, ML-BOM and reproduced-build attestation were in bundles/:
  repro attest BUNDLE --key KEY.pem       sign them (README: Prove how it was made)
  repro exec BUNDLE                       in Docker, when an engine answers (GPUs passed through)
  repro push BUNDLE REGISTRY/REPO:TAG     share it; repro exec REF@sha256:… anywhere
  repro exec BUNDLE --backend slurm --sweep seed=0..49     fan out on a cluster
TEXT
if $all; then
  step "more on this machine"
  if docker info >/dev/null 2>&1; then echo "Docker answers: run  repro exec BUNDLE  (or --backend docker) to rerun in a container."; else echo "Docker: no engine answers here (start dockerd, or set DOCKER_HOST=ssh://host)."; fi
  if curl -fsS -m 2 http://127.0.0.1:5000/v2/ >/dev/null 2>&1; then echo "A registry answers on 127.0.0.1:5000: repro push BUNDLE 127.0.0.1:5000/iris:demo, then repro exec 127.0.0.1:5000/iris@sha256:… --attach; repro runs REF."; else echo "Registry: none on 127.0.0.1:5000 (docker-registry, or any OCI registry you have credentials for)."; fi
  if command -v sbatch >/dev/null 2>&1 && sinfo -h >/dev/null 2>&1; then echo "Slurm answers: repro exec BUNDLE --backend slurm --sweep seed=0..9 --max-parallel 4"; else echo "Slurm: not reachable here (scripts/slurm-test-env.sh starts a one-node cluster on loopback)."; fi
fi
