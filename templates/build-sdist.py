# A PEP 517 frontend, the least one: repro runs it in bubblewrap with no network, the build
# environment read-only, only the unpacked sdist and the output folder writable. It imports the
# backend the sdist's pyproject.toml names (repro read it; given here as REPRO_BUILD_BACKEND and
# REPRO_BUILD_BACKEND_PATH), checks that what the backend asks for at build time is installed (it
# cannot be fetched: there is no network), builds one wheel into the output folder and prints its
# name on a line of its own. Everything the backend prints goes to stderr.
import json
import os
import re
import sys
from importlib import import_module, metadata

src, out = sys.argv[1], sys.argv[2]
backend = os.environ["REPRO_BUILD_BACKEND"]
backend_path = json.loads(os.environ.get("REPRO_BUILD_BACKEND_PATH", "[]"))
os.chdir(src)
sys.path[:0] = [os.path.join(src, p) for p in backend_path]
real_stdout = sys.stdout
sys.stdout = sys.stderr
module, _, attrs = backend.partition(":")
hooks = import_module(module)
for attr in filter(None, attrs.split(".")):
    hooks = getattr(hooks, attr)
needs = getattr(hooks, "get_requires_for_build_wheel", None)
missing = []
for requirement in (needs({}) if needs else []):
    name = re.split(r"[\s<>=!~;\[(@]", requirement.strip(), maxsplit=1)[0]
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        missing.append(requirement)
if missing:
    real_stdout.write("REPRO-BUILD " + json.dumps({"missing": missing}) + "\n")
    sys.exit(3)
wheel = hooks.build_wheel(out, {})
real_stdout.write("REPRO-BUILD " + json.dumps({"wheel": wheel}) + "\n")
