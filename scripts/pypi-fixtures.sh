#!/usr/bin/env bash
# The build backends and sdists issue 30's --allow-build tests use, pinned by sha256 in
# tests/fixtures/pypi/build-requirements.txt (wheels, fetched with pip download --only-binary, so
# nothing runs) and tests/fixtures/pypi/sdists.txt (fetched by URL with Python's urllib and
# checked against the sha256: pip download of an sdist runs its setup.py to read its metadata).
# Into .cache/wheelhouse, which the tests' loopback index serves; kept between runs. Exit 1 when a
# file cannot be fetched or does not match.
set -euo pipefail
cd "$(dirname "$0")/.."
wheels=.cache/wheelhouse
mkdir -p "$wheels"
/usr/bin/python3 -m pip download --quiet --disable-pip-version-check --only-binary=:all: --no-deps --require-hashes -r tests/fixtures/pypi/build-requirements.txt --dest "$wheels" >&2
/usr/bin/python3 - "$wheels" tests/fixtures/pypi/sdists.txt <<'PY'
import hashlib, os, sys, urllib.request
dest, listing = sys.argv[1], sys.argv[2]
for line in open(listing):
    line = line.strip()
    if not line or line.startswith('#'):
        continue
    name, sha, url = line.split()
    path = os.path.join(dest, name)
    if os.path.exists(path) and hashlib.sha256(open(path, 'rb').read()).hexdigest() == sha:
        continue
    data = urllib.request.urlopen(url, timeout=60).read()
    got = hashlib.sha256(data).hexdigest()
    if got != sha:
        sys.exit(f'pypi-fixtures: {name}: expected sha256 {sha}, got {got}')
    with open(path + '.part', 'wb') as f:
        f.write(data)
    os.replace(path + '.part', path)
PY
