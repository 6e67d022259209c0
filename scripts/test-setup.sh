#!/usr/bin/env bash
# What `npm test` needs beyond node_modules, installed on a fresh Debian machine (run by the
# pretest script): Debian packages (git, zstd, python3 with scikit-learn and PyYAML, python3-venv, Docker, debootstrap,
# a registry, bubblewrap for exec's sandbox, skopeo, Slurm and munge), Node 22/24/26 for the cross-release tests, and the Docker test environment
# (scripts/docker-test-env.sh), whose pinned base image is written to .cache/docker-base-image.
# Without root, nothing is installed: tests that need what is missing say so, and fail under CI.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache
log() { echo "test-setup: $*" >&2; }

need=()
command -v git >/dev/null || need+=(git)
command -v zstd >/dev/null || need+=(zstd)
command -v curl >/dev/null || need+=(curl)
/usr/bin/python3 -c 'import sklearn, numpy' 2>/dev/null || need+=(python3 python3-sklearn python3-numpy python3-pandas)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml) # PyYAML: the reference the MLproject tests compare with
{ ls /usr/share/python-wheels/pip-*.whl && /usr/bin/python3 -c 'import pip'; } >/dev/null 2>&1 || need+=(python3-venv python3-pip) # scripts/ml-venv.sh: real PyPI wheels in a venv
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v docker-registry >/dev/null || need+=(docker-registry)
[ -x /usr/sbin/sshd ] || need+=(openssh-server) # DOCKER_HOST=ssh:// tests run an sshd on 127.0.0.1
command -v bwrap >/dev/null || need+=(bubblewrap) # exec's local sandbox
command -v skopeo >/dev/null || need+=(skopeo) # interop: reads what repro push wrote
command -v slurmctld >/dev/null || need+=(slurmctld slurmd slurm-client munge) # exec --backend slurm
[ -d /usr/share/i18n/locales ] || need+=(locales) # localedef's sources for the sk_SK locale below
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    log "missing (not root, not installed): ${need[*]}"
  fi
fi

# sk_SK.UTF-8, compiled: the odd-locale pass runs under it (without it glibc falls back to C and
# the pass proves nothing), and exec --verify's locale variation picks it (a decimal comma, its own
# collation: "ch" after "h").
if [ "$(id -u)" = 0 ] && command -v localedef >/dev/null && ! locale -a 2>/dev/null | grep -qix 'sk_SK.utf8'; then
  localedef -i sk_SK -f UTF-8 sk_SK.UTF-8 || log "could not compile the sk_SK.UTF-8 locale"
fi

node scripts/fetch-nodes.mjs

# Real PyPI tools (matplotlib, MLflow's client, numpy) in .cache/venvs/ml, pinned by hash and
# installed offline from .cache/wheelhouse (scripts/ml-venv.sh); its python is written to
# .cache/ml-python for the story tests.
rm -f .cache/ml-python
if ml=$(bash scripts/ml-venv.sh); then
  echo "$ml" > .cache/ml-python
  log "ML tools: $ml"
else
  log "the ML tools' environment could not be made (scripts/ml-venv.sh)"
  [ "${CI:-}" = "true" ] && exit 1
fi
# The build backends and sdists of the --allow-build tests, into .cache/wheelhouse.
if ! bash scripts/pypi-fixtures.sh; then
  log "the sdist fixtures could not be fetched (scripts/pypi-fixtures.sh)"
  [ "${CI:-}" = "true" ] && exit 1
fi
# MLflow 3 with uv, for `mlflow run --env-manager uv` beside repro (.cache/mlflow3-python).
rm -f .cache/mlflow3-python
if ml3=$(bash scripts/ml-venv.sh mlflow3); then
  echo "$ml3" > .cache/mlflow3-python
  log "MLflow 3: $ml3"
else
  log "MLflow 3's environment could not be made (scripts/ml-venv.sh mlflow3)"
  [ "${CI:-}" = "true" ] && exit 1
fi

# A one-node Slurm cluster on loopback (scripts/slurm-test-env.sh); its slurm.conf path is
# written to .cache/slurm-conf for the Slurm tests.
rm -f .cache/slurm-conf
if [ "$(id -u)" = 0 ] && command -v slurmctld >/dev/null; then
  if conf=$(bash scripts/slurm-test-env.sh); then
    echo "$conf" > .cache/slurm-conf
    log "Slurm test cluster: SLURM_CONF=$conf"
  else
    log "the Slurm test cluster could not be started"
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi

rm -f .cache/docker-base-image
if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null && command -v debootstrap >/dev/null; then
  if base=$(bash scripts/docker-test-env.sh); then
    echo "$base" > .cache/docker-base-image
    log "Docker test base image: $base"
    rm -f .cache/docker-node-image
    if nodeimg=$(bash scripts/docker-node-image.sh "$base"); then
      echo "$nodeimg" > .cache/docker-node-image
      log "Docker test Node image: $nodeimg"
    else
      log "the Docker test Node image could not be built (scripts/docker-node-image.sh)"
      [ "${CI:-}" = "true" ] && exit 1
    fi
  else
    log "the Docker test environment could not be set up"
    [ "${CI:-}" = "true" ] && exit 1
  fi
else
  log "no Docker test environment (needs root, dockerd and debootstrap): Docker tests will be skipped"
  [ "${CI:-}" = "true" ] && exit 1
fi
exit 0
