# repro lint's parser: reads the project's Python files with the standard library's ast (the
# project is never imported and none of its code runs), and prints, as one JSON document, the
# known sources of nondeterminism it finds. Run by repro in bubblewrap with no network and the
# project read-only: python3 -I -S -B lint-determinism.py PROJECT_DIR < list of relative paths.
# Which rules apply (GPU, library versions) is repro's decision, made from the snapshot; this
# script reports facts per file: findings, imports, seeds set, GPU use.
import ast
import json
import os
import sys

MAX_FILE_BYTES = 1 << 20

SKLEARN_RANDOM = {
    "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
    "GradientBoostingClassifier", "GradientBoostingRegressor", "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor", "DecisionTreeClassifier", "DecisionTreeRegressor",
    "SGDClassifier", "SGDRegressor", "Perceptron", "PassiveAggressiveClassifier", "MLPClassifier",
    "MLPRegressor", "KMeans", "MiniBatchKMeans", "IsolationForest", "BaggingClassifier",
    "BaggingRegressor", "AdaBoostClassifier", "AdaBoostRegressor", "TSNE", "RandomizedSearchCV",
    "ShuffleSplit", "StratifiedShuffleSplit", "train_test_split", "make_classification",
    "make_regression", "make_blobs", "LinearSVC", "NMF", "TruncatedSVD", "RandomTreesEmbedding",
    "GaussianMixture", "SpectralClustering", "LatentDirichletAllocation",
}
RANDOM_FUNCS = {"random", "randint", "randrange", "shuffle", "choice", "choices", "sample", "uniform", "gauss", "normalvariate", "getrandbits"}
NP_RANDOM_FUNCS = {"rand", "randn", "randint", "random", "random_sample", "shuffle", "permutation", "choice", "normal", "uniform", "binomial", "poisson", "beta", "gamma", "exponential", "standard_normal", "integers"}
TORCH_RANDOM_FUNCS = {"rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "bernoulli", "multinomial", "normal"}
TIME_SOURCES = {"time.time", "time.time_ns", "time.perf_counter", "time.monotonic", "datetime.now", "datetime.datetime.now", "datetime.utcnow", "datetime.datetime.utcnow", "os.urandom", "os.getpid", "uuid.uuid4", "secrets.randbits", "secrets.token_bytes"}
LISTING = {"os.listdir", "os.scandir", "glob.glob", "glob.iglob", "os.walk"}
PATH_LISTING = {"glob", "rglob", "iterdir"}


def dotted(node):
    """a.b.c for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class Facts(ast.NodeVisitor):
    def __init__(self, path):
        self.path = path
        self.findings = []
        self.imports = set()
        self.aliases = {}
        self.seeds = set()
        self.gpu = False
        self.deterministic_algorithms = False
        self.op_determinism = False
        self.sets_cublas = False
        self.parents = {}
        self.uses = {}
        self.set_names = set()

    def add(self, node, rule, detail):
        self.findings.append({"file": self.path, "line": getattr(node, "lineno", 0), "rule": rule, "detail": detail})

    def name(self, node):
        """The dotted name with import aliases resolved (np.random.seed -> numpy.random.seed)."""
        d = dotted(node)
        if d is None:
            return None
        head, _, rest = d.partition(".")
        full = self.aliases.get(head, head)
        return f"{full}.{rest}" if rest else full

    def visit_Import(self, node):
        for a in node.names:
            self.imports.add(a.name.split(".")[0])
            self.aliases[(a.asname or a.name).split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.module:
            self.imports.add(node.module.split(".")[0])
            for a in node.names:
                self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        self.generic_visit(node)

    def visit_Assign(self, node):
        for t in node.targets:
            n = self.name(t)
            if n and n.endswith("backends.cudnn.benchmark") and isinstance(node.value, ast.Constant) and node.value.value is True:
                self.add(node, "cudnn-benchmark", "torch.backends.cudnn.benchmark = True picks the fastest convolution kernel per run, and kernels differ in their sums")
            if isinstance(t, ast.Subscript) and self.name(t.value) == "os.environ":
                key = t.slice.value if isinstance(t.slice, ast.Constant) else None
                if key == "CUBLAS_WORKSPACE_CONFIG":
                    self.sets_cublas = True
                if key == "TF_DETERMINISTIC_OPS":
                    self.op_determinism = True
        self.generic_visit(node)

    def wrapped_in_sorted(self, node):
        p = self.parents.get(id(node))
        return isinstance(p, ast.Call) and isinstance(p.func, ast.Name) and p.func.id == "sorted"

    def is_set(self, node):
        if isinstance(node, (ast.Set, ast.SetComp)):
            return True
        # a name only ever assigned a set in this file
        if isinstance(node, ast.Name) and node.id in self.set_names:
            return True
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("set", "frozenset")

    def visit_For(self, node):
        if self.is_set(node.iter):
            self.add(node, "set-iteration", "a for loop over a set: its order follows str hashes, which PYTHONHASHSEED changes")
        self.generic_visit(node)

    def visit_comprehension(self, node):
        if self.is_set(node.iter):
            self.add(node.iter, "set-iteration", "a comprehension over a set: its order follows str hashes, which PYTHONHASHSEED changes")
        self.generic_visit(node)

    def visit_Call(self, node):
        n = self.name(node.func)
        kw = {k.arg for k in node.keywords if k.arg}
        last = n.rsplit(".", 1)[-1] if n else None
        # seeds, and where they come from
        if n in ("random.seed", "numpy.random.seed", "torch.manual_seed", "torch.cuda.manual_seed", "torch.cuda.manual_seed_all", "tensorflow.random.set_seed", "tf.random.set_seed", "keras.utils.set_random_seed", "tensorflow.keras.utils.set_random_seed", "lightning.seed_everything", "pytorch_lightning.seed_everything", "transformers.set_seed"):
            lib = {"random": "random", "numpy": "numpy", "torch": "torch"}.get(n.split(".")[0], "any")
            if n.endswith("seed_everything") or n.endswith("set_seed") or n.endswith("set_random_seed"):
                self.seeds.update({"random", "numpy", "torch", "tensorflow"})
            else:
                self.seeds.add(lib)
            if node.args and self.from_time(node.args[0]):
                self.add(node, "seed-from-time", f"{n}() is given a value that changes every run (time, pid, os.urandom)")
        if n in ("numpy.random.default_rng", "numpy.random.RandomState", "random.Random", "numpy.random.Generator"):
            if not node.args and not kw:
                self.add(node, "unseeded-rng", f"{n}() without a seed draws its seed from the operating system: every run differs")
            elif node.args and self.from_time(node.args[0]):
                self.add(node, "seed-from-time", f"{n}() is seeded with a value that changes every run")
            else:
                self.seeds.add("numpy" if n.startswith("numpy") else "random")
        if n and n.startswith("random.") and last in RANDOM_FUNCS:
            self.uses.setdefault("random", node)
        if n and n.startswith("numpy.random.") and last in NP_RANDOM_FUNCS:
            self.uses.setdefault("numpy", node)
        if n and n.startswith("torch.") and last in TORCH_RANDOM_FUNCS and n.count(".") == 1:
            self.uses.setdefault("torch", node)
        if n == "torch.use_deterministic_algorithms" and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value is True:
            self.deterministic_algorithms = True
        if n and n.endswith("enable_op_determinism"):
            self.op_determinism = True
        if n in ("os.environ.setdefault", "os.putenv") and node.args and isinstance(node.args[0], ast.Constant):
            if node.args[0].value == "CUBLAS_WORKSPACE_CONFIG":
                self.sets_cublas = True
            if node.args[0].value == "TF_DETERMINISTIC_OPS":
                self.op_determinism = True
        # GPU use
        if last in ("cuda",) and isinstance(node.func, ast.Attribute) or (n and n.startswith("torch.cuda.")):
            self.gpu = True
        for k in node.keywords:
            if k.arg == "device" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str) and k.value.value.startswith("cuda"):
                self.gpu = True
        if n and n.endswith("torch.device") and node.args and isinstance(node.args[0], ast.Constant) and str(node.args[0].value).startswith("cuda"):
            self.gpu = True
        # DataLoader workers
        if last == "DataLoader":
            workers = next((k.value for k in node.keywords if k.arg == "num_workers"), None)
            many = workers is not None and not (isinstance(workers, ast.Constant) and workers.value in (0, None))
            if many and not ({"worker_init_fn", "generator"} & kw):
                self.add(node, "dataloader-workers", "DataLoader(num_workers>0) without worker_init_fn or generator: each worker's RNG is seeded apart from yours")
        # scikit-learn estimators and splitters without random_state
        if last in SKLEARN_RANDOM and (n or "").split(".")[0] in ("sklearn", last) and "random_state" not in kw:
            if not (last == "train_test_split" and "shuffle" in kw):
                self.add(node, "sklearn-random-state", f"{last}() without random_state draws from numpy's global RNG: every run differs unless it is seeded")
        # listings in the file system's order
        if n in LISTING and not self.wrapped_in_sorted(node):
            self.add(node, "unsorted-listing", f"{n}() lists in the file system's order, which differs between copies of the same files; wrap it in sorted()")
        if isinstance(node.func, ast.Attribute) and node.func.attr in PATH_LISTING and n not in LISTING and not (n or "").startswith("glob.") and not self.wrapped_in_sorted(node):
            if node.func.attr == "iterdir" or (node.func.attr in ("glob", "rglob") and node.args):
                self.add(node, "unsorted-listing", f".{node.func.attr}() lists in the file system's order; wrap it in sorted()")
        # set order and str hashes
        if isinstance(node.func, ast.Name) and node.func.id in ("list", "tuple", "enumerate") and node.args and self.is_set(node.args[0]):
            self.add(node, "set-iteration", f"{node.func.id}() of a set: its order follows str hashes, which PYTHONHASHSEED changes")
        if isinstance(node.func, ast.Attribute) and node.func.attr == "join" and node.args and self.is_set(node.args[0]):
            self.add(node, "set-iteration", "join() of a set: its order follows str hashes, which PYTHONHASHSEED changes")
        if isinstance(node.func, ast.Name) and node.func.id == "hash" and node.args:
            self.add(node, "str-hash", "hash() of a str differs with PYTHONHASHSEED")
        # local time, host name, working directory, locale
        if n in ("time.localtime", "time.ctime", "time.mktime", "datetime.datetime.fromtimestamp", "datetime.fromtimestamp") and not any(k.arg == "tz" for k in node.keywords) and len(node.args) < 2:
            self.add(node, "local-time", f"{n}() uses the machine's time zone (TZ)")
        if n in ("socket.gethostname", "platform.node", "os.uname", "socket.getfqdn"):
            self.add(node, "hostname", f"{n}() is the machine's name")
        if n in ("os.getcwd", "pathlib.Path.cwd", "Path.cwd", "os.path.abspath", "os.path.realpath") or (isinstance(node.func, ast.Attribute) and node.func.attr == "cwd"):
            if n in ("os.getcwd", "pathlib.Path.cwd", "Path.cwd") or (isinstance(node.func, ast.Attribute) and node.func.attr == "cwd"):
                self.add(node, "absolute-path", f"{n or 'cwd'}() is where the run happens to be; written into an output it differs per machine")
        if n in ("locale.setlocale",) and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and node.args[1].value == "":
            self.add(node, "locale", "locale.setlocale(..., '') takes the machine's locale (LC_ALL, LANG): numbers and sorting follow it")
        self.generic_visit(node)

    def from_time(self, node):
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and self.name(sub.func) in TIME_SOURCES:
                return True
        return False


def main():
    root = sys.argv[1]
    files = [line.strip() for line in sys.stdin if line.strip()]
    out = {"files": 0, "unparsed": [], "findings": [], "imports": [], "seeds": [], "uses": {}, "gpu": False, "deterministicAlgorithms": False, "opDeterminism": False, "setsCublas": False}
    imports, seeds = set(), set()
    for rel in files:
        full = os.path.join(root, rel)
        try:
            if os.path.islink(full) or not os.path.isfile(full) or os.path.getsize(full) > MAX_FILE_BYTES:
                continue
            with open(full, "rb") as f:
                tree = ast.parse(f.read(), filename=rel)
        except (SyntaxError, ValueError, OSError) as e:
            out["unparsed"].append({"file": rel, "why": str(e)[:200]})
            continue
        out["files"] += 1
        facts = Facts(rel)
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                facts.parents[id(child)] = parent
        # names bound to a set in this file, and never to anything else
        assigned = {}
        for n in ast.walk(tree):
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
                assigned.setdefault(n.targets[0].id, []).append(n.value)
        facts.set_names = {k for k, values in assigned.items() if all(facts.is_set(v) for v in values)}
        facts.visit(tree)
        out["findings"].extend(facts.findings)
        imports |= facts.imports
        seeds |= facts.seeds
        for lib, node in facts.uses.items():
            out["uses"].setdefault(lib, {"file": rel, "line": node.lineno})
        out["gpu"] = out["gpu"] or facts.gpu
        out["deterministicAlgorithms"] = out["deterministicAlgorithms"] or facts.deterministic_algorithms
        out["opDeterminism"] = out["opDeterminism"] or facts.op_determinism
        out["setsCublas"] = out["setsCublas"] or facts.sets_cublas
        if "torch" in facts.imports:
            out.setdefault("torchImport", {"file": rel, "line": next((n.lineno for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and any((a.name or "").split(".")[0] == "torch" for a in n.names) or (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "torch")), 1)})
        if "tensorflow" in facts.imports:
            out.setdefault("tfImport", {"file": rel, "line": 1})
    out["imports"] = sorted(imports)
    out["seeds"] = sorted(seeds)
    json.dump(out, sys.stdout, sort_keys=True)


main()
