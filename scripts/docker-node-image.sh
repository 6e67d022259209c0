#!/usr/bin/env bash
# The Node image the Node projects' image tests build on (issue 30: npm ci from a bundle's vendored
# tarballs with no network): the Docker test base image (scripts/docker-test-env.sh, given as $1)
# with the newest Node 24 scripts/fetch-nodes.mjs fetched into .cache/nodes and the npm this
# machine runs, pushed to the 127.0.0.1:5000 registry so it has a digest. Prints the pinned
# reference (NAME:TAG@sha256:...) on stdout; logs go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1
image=127.0.0.1:5000/repro-test/bookworm-node:1
log() { echo "docker-node-image: $*" >&2; }
node=$(ls -d .cache/nodes/24.* 2>/dev/null | sort -V | tail -1)
[ -x "$node/bin/node" ] || { log "no Node 24 in .cache/nodes (scripts/fetch-nodes.mjs)"; exit 1; }
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[ -f "$npm_dir/bin/npm-cli.js" ] || { log "cannot find npm's folder (from $(command -v npm))"; exit 1; }
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$node/bin/node" "$ctx/node"
cp -r "$npm_dir" "$ctx/npm"
cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM $base
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && node --version && npm --version
DOCKERFILE
log "building $image (Node $(basename "$node"), npm $(node -p "require('$npm_dir/package.json').version"))"
docker build --network none -q -t "$image" "$ctx" >/dev/null
docker push "$image" >&2
digest=$(docker image inspect --format '{{join .RepoDigests "\n"}}' "$image" | grep "^127.0.0.1:5000/repro-test/bookworm-node@" | head -1)
echo "$image@${digest#*@}"
