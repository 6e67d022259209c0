#!/usr/bin/env bash
# Sets up what the Docker tests need on a machine that cannot pull images: a running dockerd
# (no bridge, no iptables: containers run with --network none), a registry on 127.0.0.1:5000
# (Debian's docker-registry, as an air-gapped team's mirror), and a base image made locally:
# a debootstrapped Debian bookworm with python3, python3-sklearn and python3-pip (the image tests
# pip-install a lock for real, from a package index on loopback), imported and pushed so it
# has a repository digest. The root file system is cached in $REPRO_ROOTFS_CACHE between runs.
# Prints the pinned image reference (NAME:TAG@sha256:...) on stdout; logs go to stderr.
set -euo pipefail
cache=${REPRO_ROOTFS_CACHE:-/var/cache/repro}
rootfs="$cache/bookworm-sklearn"
image=127.0.0.1:5000/repro-test/bookworm-sklearn:2 # tag 2: with python3-pip
log() { echo "docker-test-env: $*" >&2; }

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  (setsid dockerd --bridge=none --iptables=false >/tmp/repro-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start:"; tail -20 /tmp/repro-dockerd.log >&2; exit 1; }
fi

if ! curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1; then
  log "starting the registry on 127.0.0.1:5000"
  mkdir -p /tmp/repro-registry
  cat >/tmp/repro-registry/config.yml <<'YML'
version: 0.1
storage:
  filesystem:
    rootdirectory: /tmp/repro-registry/data
http:
  addr: 127.0.0.1:5000
YML
  (setsid docker-registry serve /tmp/repro-registry/config.yml >/tmp/repro-registry.log 2>&1 &)
  for _ in $(seq 1 30); do curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1 && break; sleep 1; done
  curl -fsS http://127.0.0.1:5000/v2/ >/dev/null || { log "the registry did not start:"; tail -20 /tmp/repro-registry.log >&2; exit 1; }
fi

if [ ! -x "$rootfs/usr/bin/python3" ] || ! chroot "$rootfs" python3 -c 'import sklearn, pip' 2>/dev/null; then
  log "debootstrapping Debian bookworm with python3-sklearn and python3-pip into $rootfs (a few minutes, once)"
  rm -rf "$rootfs.tmp"
  mkdir -p "$cache"
  debootstrap --variant=minbase --include=python3,python3-sklearn,python3-pip bookworm "$rootfs.tmp" http://deb.debian.org/debian >&2
  rm -rf "$rootfs.tmp"/var/cache/apt/archives/*.deb "$rootfs.tmp"/usr/share/doc "$rootfs.tmp"/usr/share/man "$rootfs.tmp"/usr/share/locale
  rm -rf "$rootfs" && mv "$rootfs.tmp" "$rootfs"
fi

digest=$(docker image inspect --format '{{join .RepoDigests "\n"}}' "$image" 2>/dev/null | grep "^127.0.0.1:5000/repro-test/bookworm-sklearn@" | head -1 || true)
if [ -z "$digest" ] || ! curl -fsS -o /dev/null "http://127.0.0.1:5000/v2/repro-test/bookworm-sklearn/manifests/2" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json'; then
  log "importing the root file system as $image and pushing it"
  tar -C "$rootfs" --numeric-owner -cf - . | docker import - "$image" >/dev/null
  docker push "$image" >&2
  digest=$(docker image inspect --format '{{join .RepoDigests "\n"}}' "$image" | grep "^127.0.0.1:5000/repro-test/bookworm-sklearn@" | head -1)
fi
echo "$image@${digest#*@}"
