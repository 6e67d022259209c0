#!/usr/bin/env bash
# The real ML tools the story tests run (tests/e2e/real-projects.test.ts) and the packaging tools
# the lock readers are checked against (pip 26.3, uv 0.13.9): a virtual environment
# of Debian's /usr/bin/python3 with matplotlib, mlflow-skinny, numpy, pip and uv at the versions and
# sha256 hashes tests/fixtures/pypi/ml-requirements.txt pins. The wheels are downloaded from PyPI
# once into .cache/wheelhouse (kept between runs: CI caches .cache/) and installed from there with
# --no-index, so no test reaches PyPI; the environment is never the system Python's. Prints the
# environment's python on stdout; logs go to stderr; exit 1 when it cannot be made.
#
# `ml-venv.sh mlflow3` makes the second set the same way: MLflow 3.18 with uv
# (tests/fixtures/pypi/mlflow3-requirements.txt), for `mlflow run --env-manager uv` side by side
# with repro. Its wheels go to .cache/wheelhouse-mlflow3: .cache/wheelhouse is what the tests'
# loopback index serves, and two versions of one package there would change what tests resolve.
set -euo pipefail
cd "$(dirname "$0")/.."
set_name=${1:-ml}
case "$set_name" in
  ml) req=tests/fixtures/pypi/ml-requirements.txt; wheels=.cache/wheelhouse; check='import sys, matplotlib, mlflow, numpy; mods = (matplotlib, mlflow, numpy)' ;;
  mlflow3) req=tests/fixtures/pypi/mlflow3-requirements.txt; wheels=.cache/wheelhouse-mlflow3; check='import sys, mlflow, uv; assert mlflow.__version__ == "3.18.0", mlflow.__version__; mods = (mlflow, uv)' ;;
  *) echo "ml-venv: unknown set $set_name (ml, mlflow3)" >&2; exit 2 ;;
esac
venv=.cache/venvs/$set_name
stamp="$venv/.repro-requirements.sha256"
log() { echo "ml-venv ($set_name): $*" >&2; }
py=/usr/bin/python3
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$PWD/$venv/bin/python"
  exit 0
fi
mkdir -p "$wheels"
log "downloading the pinned wheels into $wheels (skipped for those already there)"
"$py" -m pip download --quiet --disable-pip-version-check --only-binary=:all: --no-deps --require-hashes -r "$req" --dest "$wheels" >&2
# Made in place; the stamp, written last, is what says it is complete (a killed set-up leaves
# none, and the next run starts again from nothing).
rm -rf "$venv"
"$py" -m venv "$venv" >&2
log "installing offline from $wheels"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --find-links "$wheels" --no-deps --require-hashes -r "$req" >&2
# The environment must import what the tests use, none of it from the system's site-packages.
"$venv/bin/python" -c "$check"'; assert sys.prefix != sys.base_prefix; assert all("dist-packages" not in m.__file__ for m in mods)' >&2
echo "$want" > "$stamp"
echo "$PWD/$venv/bin/python"
