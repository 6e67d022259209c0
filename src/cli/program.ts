// Every command and option of repro in one place (commander). An action only records which
// command to run and how it prints (an Invocation); main.ts runs it and decides the exit code.
// Command modules are imported lazily, so `repro --help` and each command start fast.
import { Command, Option } from 'commander';
import { CODECS, DEFAULT_CODEC } from '../bundle/codecs.js';
import { ZSTD_VERSION } from '../bundle/zstd-format.js';
import { DEFAULT_DOCKER_TIMEOUT_S } from '../docker/connection.js';
import { BUILD_NETWORKS } from '../docker/images.js';
import { DEFAULT_OUT_DIR } from '../builder/defaults.js';
import { DEFAULT_ENTRY, DEFAULT_MAX_PARALLEL, DEFAULT_NETWORK, RUNS_DIR } from '../exec/defaults.js';
import { DEFAULT_RESOURCE_LIMITS } from '../exec/backend.js';
import { DEFAULT_SOURCE_DATE_EPOCH } from '../intake/source-date.js';
import { epochTime } from '../core/time.js';
import type { CliIo, CommandOutcome, Invocation, OutputFormat } from './io.js';
import { LiteralOption, limitOptions, outputOptions, probeOptions } from './options.js';
import { VARIATION_IDS } from '../exec/variations.js';
import { signingOptions, trustOptions } from './signing.js';
import { SNAPSHOT_FILE } from '../bundle/layout.js';
import { ARTIFACT_TYPE } from '../registry/artifact.js';

export interface ProgramHooks {
  /** Called by the action of the command the argv names. */
  dispatch: (invocation: Invocation) => void;
  /** Where commander writes its own errors (usage); nothing with --json. */
  writeErr: (text: string) => void;
  version: string;
}

type Runner = (io: CliIo) => Promise<CommandOutcome>;

const epochDate = epochTime(DEFAULT_SOURCE_DATE_EPOCH).slice(0, 10);

export function buildProgram(hooks: ProgramHooks): Command {
  const program = new Command('repro')
    .description('Make machine-learning work reproducible bit for bit: canonical bundles, environment snapshots, verified reruns.')
    .version(hooks.version, '-V, --version')
    .exitOverride()
    .configureOutput({ writeErr: hooks.writeErr })
    .showSuggestionAfterError()
    .configureHelp({ sortSubcommands: false, helpWidth: 100 }) // descriptions are laid out by hand to 95 columns
    .addHelpText('after', `
Exit codes: 0 ok · 1 compared and different · 2 usage · 3 bad input or config
            4 integrity failure · 5 environment unavailable · 70 internal bug

Memory: repro keeps V8's young generation at its first size (REPRO_V8_YOUNG_GROWTH=default
undoes it) and lets its heap at most double between full collections (REPRO_V8_HEAP_GROWTH=
default undoes it). REPRO_MALLOC=lean makes build and verify fix glibc's mmap threshold: less
peak memory on long streams (10 GiB: ~155 MB instead of ~215), ~7% slower.

Docs: README.md and docs/ in the repro repository.`);

  const run = (command: string, runner: Runner, opts: { json?: boolean; format?: OutputFormat; progress?: boolean }) => {
    const format: OutputFormat = opts.json ? 'json' : (opts.format ?? 'text');
    hooks.dispatch({ command, run: runner, json: format === 'json', format, progress: opts.progress !== false });
  };

  const build = program
    .command('build')
    .summary('pack a project into a bit-for-bit reproducible bundle')
    .description(`Pack DIR (default: .) into ONE bundle file: a canonical tar (fixed order, mtimes, owners
and modes) whose first entry is a manifest listing every file with its sha256.

Files: git-tracked plus untracked-not-ignored files in a git work tree (all files elsewhere,
honouring .gitignore), minus .reproignore patterns and junk (.git/, __pycache__/, *.pyc, ...).
The timestamp of every entry is SOURCE_DATE_EPOCH when set, else ${DEFAULT_SOURCE_DATE_EPOCH} (${epochDate}).
The content digest is recorded in DIR/repro.lock; commit it and use --locked in CI.`)
    .argument('[dir]', 'project directory', '.')
    .option('-o, --output <dir>', `directory for the bundle (default: DIR/${DEFAULT_OUT_DIR})`)
    .addOption(new Option('--compression <codec>', `compression codec; zstd frames are libzstd ${ZSTD_VERSION}'s on every Node release (docs/REPRODUCIBILITY.md)`).choices(CODECS as string[]).default(DEFAULT_CODEC))
    .option('--verify', 'rebuild from a copy under varied conditions and compare (exit 1 if different; then nothing is written); a stale repro.lock is reported as stale and updated, or refused with --locked')
    .option('--locked', 'fail (exit 1) without writing when the bundle would differ from repro.lock')
    .option('--base-image <ref>', 'base image of the bundle\'s Dockerfile (NAME:TAG@sha256:..., or NAME:TAG with --image)')
    .option('--image', 'also build the image through the Docker engine (with --verify: twice, comparing layers)')
    .addOption(new Option('--build-network <mode>', 'network for the image build\'s RUN steps: none (nothing fetched: the base image has it all), host or default (pip/npm fetch what the lock pins, checked by hash)').choices([...BUILD_NETWORKS]).default('none'))
    .option('--vendor', 'carry the wheels of the project\'s hashed Python lock (for the snapshot\'s interpreter) under vendor/python/: exec installs its locked environment from them with no network')
    .option('--python <path>', 'with --vendor: the interpreter to fetch wheels for (default: the snapshot\'s, found here)')
    .option('--record-hashes', 'with --vendor, for a project whose lock has no hashes (every requirement pinned with ==, or MLflow\'s python_env.yaml): record the sha256 of each wheel the index serves now (trust on first use) in vendor/requirements.lock.txt, which reruns and the image install from')
    .option('--allow-build', 'with --vendor: a locked package with no wheel for the interpreter is carried as its locked sdist (fetched by hash, never run on this machine), with the wheels of its build requirements under vendor/python-build/ (their hashes recorded now, trust on first use); exec --allow-build builds it in the sandbox with no network')
    .option('--with-run <dir>', 'embed the run record of RUN_DIR (repro exec) as the reference run, and keep it beside repro.lock as repro.run.json for later builds; refused (exit 3) when the run failed or left a declared output missing')
    .option('--attest', 'with --verify: also write the SLSA provenance, the CycloneDX ML-BOM and a reproduced-build attestation beside the bundle (docs/ATTESTATIONS.md)')
    .addOption(new Option('--no-lock', 'neither read nor write repro.lock').hideHelp())
    .addOption(new Option('--files-from <file>', 'NUL-separated list of files to bundle, - for stdin (internal)').hideHelp())
    .addOption(new Option('--project-name <name>', "the project's name where it has none of its own (internal: --verify's rebuild of a project named after its git remote)").hideHelp());
  outputOptions(signingOptions(build))
    .addHelpText('after', `
Examples:
  $ repro build                       # bundle the current directory
  $ repro build examples/iris --verify
  $ SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) repro build --locked --json
  $ repro build . -o dist --compression gzip
  $ repro build . --image --verify --base-image localhost:5000/base:bookworm
  $ repro build . --verify --locked --attest --key env:REPRO_SIGNING_KEY      # in CI`)
    .action((dir: string, opts) =>
      run('build', async (io) => (await import('./commands/build.js')).buildCommand(dir, opts, io), opts),
    );

  const verify = program
    .command('verify')
    .summary('check a bundle without extracting it')
    .description(`Read BUNDLE once, streaming, and check: the compression framing, that the first entry is the
manifest and is intact, that every entry matches the manifest (type, mode, size, sha256; none
missing or extra), that every header is canonical, and that no entry is unsafe (.. paths,
absolute paths, links leaving the tree, devices, setuid bits, duplicates, case twins).
Any failure exits 4 and names the entry, the field, the expected and the actual value.`)
    .argument('<bundle>', 'bundle file (.repro.tar.zst, .repro.tar.gz or .repro.tar), or a registry reference (REGISTRY/REPO:TAG, ...@sha256:..., oci://...)')
    .option('--digest <digest>', 'also require this digest: sha256:<hex> (content or file digest) or an ssri integrity')
    .option('--attestation <file...>', 'also check these attestations (repro attest, build --attest, exec --attest): signature, subject = this bundle, facts = the bundle\'s; exit 4 naming what differs');
  trustOptions(verify).option('--allow-unsigned', 'accept an unsigned attestation when its subject and facts hold (it says nothing of who made it; without this, exit 4)');
  outputOptions(limitOptions(verify))
    .addHelpText('after', `
Examples:
  $ repro verify .repro/bundles/iris-0.1.0.repro.tar.zst
  $ repro verify bundle.repro.tar.zst --digest sha256:3f5c...  --json
  $ repro verify bundle.repro.tar.zst --attestation iris-demo-0.1.0.provenance.dsse.json --key signing.pub.pem
  $ repro verify bundle.repro.tar.zst --attestation iris-demo-0.1.0.cdx.sigstore.json \\
      --certificate-identity https://github.com/acme/iris/.github/workflows/ci.yml@refs/heads/main \\
      --certificate-oidc-issuer https://token.actions.githubusercontent.com`)
    .action((bundle: string, opts) =>
      run('verify', async (io) => (await import('./commands/verify.js')).verifyCommand(bundle, opts, io), opts),
    );

  const attest = program
    .command('attest')
    .summary('write the bundle\'s SLSA provenance and CycloneDX ML-BOM, signed')
    .description(`Make, from BUNDLE alone, the documents auditors and verifiers read (docs/ATTESTATIONS.md):
  <name>-<version>.provenance.json  an in-toto Statement v1 with SLSA provenance v1: repro's build
                                    type, the source (repository, commit, dirty flag, diff
                                    digest), every locked package by purl and digest, the base
                                    image by digest, the snapshot
  <name>-<version>.cdx.json         a CycloneDX 1.6 ML-BOM: locked and installed packages,
                                    interpreters, OS, GPU driver, CUDA, cuDNN, data files, and the
                                    reference run's outputs (models as machine-learning-model)
Both are byte-identical for the same bundle on any machine, from any checkout: canonical JSON,
no time but SOURCE_DATE_EPOCH's, no host names, credentials cut. --key adds DSSE envelopes
(*.dsse.json); --keyless adds Sigstore bundles (*.sigstore.json). Written beside BUNDLE, or in
--output (the current directory for a registry reference); --attach also puts them in the
registry as referrers of the bundle (repro runs REF lists and checks them).`)
    .argument('<bundle>', 'bundle file, or a registry reference')
    .option('-o, --output <dir>', 'directory for the documents (default: beside the bundle)')
    .option('--attach', 'BUNDLE is a registry reference: push each document as a referrer of its manifest');
  outputOptions(signingOptions(attest))
    .addHelpText('after', `
Examples:
  $ repro attest .repro/bundles/iris-demo-0.1.0.repro.tar.zst
  $ repro attest bundle.repro.tar.zst --key signing.pem        # openssl genpkey -algorithm ed25519
  $ repro attest ghcr.io/acme/iris:v1 --keyless --attach        # in CI with an OIDC token
  $ repro verify bundle.repro.tar.zst --attestation iris-demo-0.1.0.provenance.dsse.json --key signing.pub.pem`)
    .action((bundle: string, opts) =>
      run('attest', async (io) => (await import('./commands/attest.js')).attestCommand(bundle, opts, io), opts),
    );

  const lint = program
    .command('lint')
    .summary('name the known sources of nondeterminism in the project\'s Python')
    .description(`Parse the project's Python files with a real parser (the interpreter's own ast, in the
bubblewrap sandbox with no network; the project is never imported) and report known sources of
nondeterminism: unseeded random, numpy and torch generators and seeds taken from the time;
scikit-learn estimators without random_state; iteration over sets and hash() of str; unsorted
os.listdir, glob and Path.iterdir; local time, the host name, the working directory and the
locale written into results; DataLoader workers without worker_init_fn; and on a GPU project
cudnn.benchmark, torch without use_deterministic_algorithms, CUBLAS_WORKSPACE_CONFIG unset, and
TensorFlow without op determinism. Which rules apply and what each fix says depend on the
versions the snapshot records. Each finding names the exec --verify variation that would expose
it; exec --verify shows the findings as confirmed or not observed. Exit 1 when there are findings.`)
    .argument('[target]', 'a project directory (default: .), or a bundle file or reference (verified and extracted first)')
    .option('--python <path>', 'the interpreter whose parser reads the files (default: python3)');
  outputOptions(lint)
    .addHelpText('after', `
Examples:
  $ repro lint
  $ repro lint examples/iris --json
  $ repro lint .repro/bundles/iris-demo-0.1.0.repro.tar.zst
  $ repro lint --format github                       # a warning on each line, on the pull request`)
    .action((target: string | undefined, opts) =>
      run('lint', async (io) => (await import('./commands/lint.js')).lintCommand(target, opts, io), opts),
    );

  const push = program
    .command('push')
    .summary('push a bundle to an OCI registry (one manifest digest per bundle)')
    .description(`Push BUNDLE to REF as an OCI 1.1 artifact (docs/OCI.md). The bundle is verified while
it uploads, and nothing is committed in the registry unless it verifies. The artifact is an image
manifest with artifactType ${ARTIFACT_TYPE}, the empty config, and one layer
that is the bundle file itself (its digest is the bundle's file digest). The manifest holds no
time or machine fact but SOURCE_DATE_EPOCH's, so the same bundle has the same manifest digest
from any checkout, machine or day. Blobs the repository has are not sent again (HEAD; --from:
cross-repository mount); large blobs go up in chunks; the manifest goes last, so a tag never
names an incomplete artifact. Credentials as docker finds them ($DOCKER_CONFIG/config.json:
auths, credsStore, credHelpers); plain HTTP only for loopback registries and those listed in
REPRO_INSECURE_REGISTRIES; REPRO_REGISTRY_TIMEOUT: seconds to wait for an answer (30).`)
    .argument('<bundle>', 'bundle file')
    .argument('<ref>', 'REGISTRY/REPOSITORY[:TAG]')
    .option('--from <repository>', 'a repository in the same registry that may hold the blobs (mounted, not uploaded)');
  outputOptions(push)
    .addHelpText('after', `
Examples:
  $ repro push .repro/bundles/iris-demo-0.1.0.repro.tar.zst ghcr.io/acme/iris:v1
  $ repro push bundle.repro.tar.zst 127.0.0.1:5000/iris:ci --json | jq -r .result.reference
  $ repro exec 127.0.0.1:5000/iris@sha256:…      # anywhere, by digest`)
    .action((bundle: string, ref: string, opts) =>
      run('push', async (io) => (await import('./commands/push.js')).pushCommand(bundle, ref, opts, io), opts),
    );

  const pull = program
    .command('pull')
    .summary('pull a bundle from an OCI registry, verified before it is kept')
    .description(`Fetch REF (tag or digest): the manifest is checked against the digest asked for and must
be a repro bundle artifact; the bundle streams into the cache (REPRO_CACHE/pulled/<digest>),
hashed and counted as it comes, then is verified as repro verify does, and only then kept.
A digest mismatch or a bundle that does not verify exits 4 and leaves nothing in the cache.
exec, verify and this command accept a reference where they take a bundle; a local file of the
same spelling wins, and oci:// forces a reference. REPRO_REGISTRY_TIMEOUT: seconds to wait for
an answer (30).`)
    .argument('<ref>', 'REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST]')
    .option('-o, --output <dir>', 'also copy the bundle into this directory');
  outputOptions(pull)
    .addHelpText('after', `
Examples:
  $ repro pull ghcr.io/acme/iris:v1 -o .
  $ repro pull 127.0.0.1:5000/iris@sha256:… --json`)
    .action((ref: string, opts) =>
      run('pull', async (io) => (await import('./commands/pull.js')).pullCommand(ref, opts, io), opts),
    );

  const runs = program
    .command('runs')
    .summary('list the reruns recorded beside a bundle in a registry')
    .description(`List the run records that \`repro exec REF --attach\` attached to the bundle REF names:
run id, when it ended, backend, exit code, whether its outputs reproduced the bundle's
reference run, and the machine (its snapshot digest). Then the attestations attached with
repro attest --attach or exec --attest --attach, each checked against the bundle as verify
--attestation checks a file: VERIFIED, UNSIGNED (facts hold), UNCHECKED (no key given) or
REFUSED (exit 4). They are OCI artifacts whose subject is the bundle's manifest: read through
the registry's referrers API where it has one, else through their tags
(sha256-<digest>.run-<id>, .att-…) and the tag-schema index (docs/OCI.md).`)
    .argument('<ref>', 'REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST]');
  trustOptions(runs);
  outputOptions(runs)
    .addHelpText('after', `
Examples:
  $ repro exec ghcr.io/acme/iris:v1 --attach
  $ repro runs ghcr.io/acme/iris:v1
  $ repro runs 127.0.0.1:5000/iris@sha256:… --json | jq '.result.runs[] | select(.reproduced == false)'`)
    .action((ref: string, opts) =>
      run('runs', async (io) => (await import('./commands/runs.js')).runsCommand(ref, opts, io), opts),
    );

  const snapshot = program
    .command('snapshot')
    .summary('record the environment: runtime, OS, CPU, GPU, lockfiles, git, env, data')
    .description(`Write one canonical JSON record of what decides whether a run can be reproduced
(\`identity\`, whose sha256 is the snapshotDigest) and what varies without mattering (\`context\`:
host name, capture time, durations, GPU UUIDs, free memory, probe notes).

Probes: OS and CPU; Node.js on PATH; Python (--python, else DIR/.venv, else python3 on PATH)
with every installed distribution and, unless --no-import, the CUDA/cuDNN that PyTorch,
TensorFlow and JAX were built with; NVIDIA GPUs (nvidia-smi), the CUDA toolkit (nvcc) and cuDNN;
AMD GPUs (rocm-smi); lockfiles in DIR (package-lock, pnpm, yarn, uv, poetry, Pipfile, conda,
requirements*.txt); git; determinism environment variables; --data hashes.
Each probe has a time limit; a missing tool is recorded, never an error. Secrets are never
written: secret-like variables are recorded as redacted and credentials are cut from URLs.`)
    .argument('[dir]', 'project directory', '.')
    .option('-o, --output <file>', `where to write (default: DIR/${SNAPSHOT_FILE})`);
  probeOptions(snapshot)
    .option('--data <path...>', 'files or directories to hash (sha256 per file, one tree digest per directory)')
    .option('--env <name...>', 'also record these environment variables (secret-like names are redacted)')
    .option('--save-diff <file>', 'also write the uncommitted git diff to this file');
  outputOptions(snapshot, 'print one JSON document on stdout (the snapshot is in result.snapshot)')
    .addHelpText('after', `
Examples:
  $ repro snapshot                                  # writes ./repro.snapshot.json
  $ repro snapshot --data data/ models/base.pt --python .venv/bin/python
  $ repro snapshot --no-import -o /tmp/env.json --json | jq .result.snapshotDigest`)
    .action((dir: string, opts) =>
      run('snapshot', async (io) => (await import('./commands/snapshot.js')).snapshotCommand(dir, opts, io), opts),
    );

  const diff = program
    .command('diff')
    .summary('compare two snapshots (or bundles), or one with this machine now')
    .description(`Report added, removed and changed fields by section, each with a severity and a reason:
  breaking  Python or Node major/minor, CUDA major, a driver too old for the CUDA the snapshot
            used, GPU architecture, a package's major version or integrity hash, data content,
            determinism settings (PYTHONHASHSEED, CUBLAS_WORKSPACE_CONFIG, ...)
  warning   patch and minor versions, thread counts, CPU model, driver, commit, locale
  info      context (host name, kernel, core count)
Versions compare with semver (Node, npm) and PEP 440 (Python packages). A bundle stands in for
the snapshot it carries (project/repro.snapshot.json). Exit 0 when the identities are equal,
1 when they differ.`)
    .argument('<a>', 'snapshot file or bundle')
    .argument('[b]', 'snapshot file or bundle (default: capture this machine now)')
    .option('--dir <dir>', 'project directory for the capture of this machine', '.');
  probeOptions(diff, ' (capture of this machine)').option('--all', 'also list info-level differences when there are warnings or breaking ones');
  outputOptions(diff)
    .addHelpText('after', `
Examples:
  $ repro diff repro.snapshot.json                  # this machine vs the snapshot
  $ repro diff tuesday.json march.json --json
  $ repro diff bundle.repro.tar.zst --python /usr/bin/python3`)
    .action((a: string, b: string | undefined, opts) =>
      run('diff', async (io) => (await import('./commands/diff.js')).diffCommand(a, b, opts, io), opts),
    );

  const dockerfile = program
    .command('dockerfile')
    .summary('print the project\'s pinned Dockerfile, or lint one with --check')
    .description(`Generate a Dockerfile from templates/ (Python, Python + CUDA, Node), byte-for-byte
deterministic: the base image pinned by digest (from --base-image NAME@sha256:..., the local
engine's RepoDigests, or the registry's API; with none, an error instead of an unpinned FROM),
system packages pinned to versions with apt sources frozen to SOURCE_DATE_EPOCH on Debian bases,
packages from the project's own lock, checked by hash: a requirements file with --hash as it is
(pip --require-hashes --no-deps); uv.lock, poetry.lock and Pipfile.lock exported to
repro.requirements.txt beside the Dockerfile (written with -o; a bundle carries it); npm ci,
pnpm install --frozen-lockfile or yarn's immutable install for Node. A requirements file without
hashes installs nothing, and a note says what is unpinned and the command that pins it.
Determinism ENV (PYTHONHASHSEED=0; CUBLAS_WORKSPACE_CONFIG=:4096:8 on GPU), a non-root user, and
the main entry point as the default command (bash -c for an MLproject, /bin/sh -c for repro.yaml).

--check lints an existing Dockerfile: UNPINNED_FROM, LATEST_TAG, APT_UNPINNED, PIP_UNPINNED,
PIP_NO_HASHES, ADD_URL, NPM_INSTALL, MISSING_DETERMINISM_ENV (exit 1 when any).`)
    .argument('[dir]', 'project directory', '.')
    .option('--base-image <ref>', 'base image (NAME:TAG, pinned here, or NAME:TAG@sha256:...)')
    .option('-o, --output <file>', 'write the Dockerfile here instead of printing it')
    .option('--check [file]', 'lint a Dockerfile (default: DIR/Dockerfile) instead of generating one');
  outputOptions(dockerfile)
    .addHelpText('after', `
Examples:
  $ repro dockerfile examples/iris --base-image python:3.11-slim-bookworm@sha256:...
  $ repro dockerfile -o Dockerfile
  $ repro dockerfile --check Dockerfile --json`)
    .action((dir: string, opts) =>
      run('dockerfile', async (io) => (await import('./commands/dockerfile.js')).dockerfileCommand(dir, opts, io), opts),
    );

  const lock = program
    .command('lock')
    .summary('write a hashed requirements lock of the versions the snapshot recorded')
    .description(`For a project without a hashed lock: read DIR's ${SNAPSHOT_FILE} (or --snapshot FILE) and write
DIR/requirements.lock.txt (or -o FILE): every Python package the snapshot recorded, at exactly the
version it recorded (no resolution: the snapshot is the resolution), each with the sha256 of every
file the index serves for that version. pip install --require-hashes --no-deps -r FILE then
installs what was recorded, and repro dockerfile and repro build install from it. pip itself is
left out (--include pip keeps it). A version no index serves (the project installed editable, a
local build, a PyTorch build from its own index) fails before anything is written, naming each:
add the index with --extra-index-url, or leave it out with --exclude NAME. Credentials in an
index URL are used, never written. An identical lock already there is left untouched.`)
    .argument('[dir]', 'project directory', '.')
    .option('--snapshot <file>', `the snapshot to lock (default: DIR/${SNAPSHOT_FILE})`)
    .option('-o, --output <file>', 'where to write the lock (default: DIR/requirements.lock.txt)')
    .option('--index-url <url>', 'the simple index to ask (default: PIP_INDEX_URL, UV_DEFAULT_INDEX, UV_INDEX_URL, else https://pypi.org/simple)')
    .option('--extra-index-url <url...>', 'more indexes to ask (default: PIP_EXTRA_INDEX_URL, UV_INDEX)')
    .option('--exclude <name...>', 'leave these packages out (the project itself, a local build)')
    .option('--include <name...>', 'keep these though repro leaves them out by default (pip)');
  outputOptions(lock)
    .addHelpText('after', `
Examples:
  $ repro snapshot . --python .venv/bin/python && repro lock
  $ repro lock --extra-index-url https://download.pytorch.org/whl/cpu --exclude my-project
  $ repro lock --json | jq '.result.packages | length'`)
    .action((dir: string, opts) => run('lock', async (io) => (await import('./commands/lock.js')).lockCommand(dir, opts, io), opts));

  const exec = program
    .command('exec')
    .summary('verify a bundle, check this machine, rerun an entry point, compare the outputs')
    .description(`Verify BUNDLE while extracting it into the cache (a tampered bundle never runs), check this
machine against its snapshot (the drift), run ENTRY (default: ${DEFAULT_ENTRY}) with -P values checked
against their types, write run.json under <cache>/${RUNS_DIR}/<run-id> (or --out), and, when the bundle
carries a reference run (build --with-run), say whether the rerun is comparable (same entry
point, same parameters but a role: seed one) and whether every output reproduced.
The run happens where you choose, never where the bundle says: Docker (no host directory
mounted, no network) or the local bubblewrap sandbox (the host read-only, a clean environment),
or Slurm (each task runs exec --backend local on its node). The entry point's exit code is
passed through. README "repro exec" has every step; docs/SLURM.md the cluster.`)
    .argument('<bundle>', 'bundle file, or a registry reference (pulled and verified first)')
    .argument('[entry]', `entry point (default: ${DEFAULT_ENTRY}; a .py or .sh file without a manifest)`)
    .optionsGroup('Run:')
    .option('-P, --param <key=value...>', 'parameter values (repeatable)')
    .option('--backend <backend>', 'docker, local or slurm (default: docker when the bundle has a Dockerfile and an engine answers, else local)')
    .option('--out <dir>', `run directory (default: <cache>/${RUNS_DIR}/<run-id>; sweeps and Slurm jobs: <cache>/${RUNS_DIR}/sweep-<id>, slurm-<id>)`)
    .option('--output <path-or-glob...>', 'an output besides those the manifest declares (an MLproject declares none); with none at all, every file the run creates or changes')
    .option('--expect-reproduced', 'exit 1 when NOT reproduced, 6 when not comparable (another entry point or parameter)')
    .option('--sweep <name=values...>', 'one run per point: name=a..b or name=v1,v2; twice for the product (summary.json)')
    .option('--max-parallel <n>', `sweep points at once (default ${DEFAULT_MAX_PARALLEL}; slurm: the job array's %N)`)
    .option('--strict', 'refuse to run on breaking drift (exit 5)')
    .option('--python <path>', 'the interpreter of a local rerun: the drift check describes it, the entry point runs it (default: the snapshot\'s version, found here)')
    .option('--python-env', 'the interpreter is the version the project\'s python_env.yaml names, found here (as mlflow run --env-manager virtualenv), not the snapshot\'s; its dependencies are the locked environment when the bundle was built --vendor --record-hashes')
    .addOption(new Option('--environment <kind>', 'locked: a local rerun runs in a venv of the bundle\'s hashed Python lock, installed in the sandbox and cached; host: in the interpreter as it is').choices(['locked', 'host']).default('locked'))
    .option('--allow-build', 'the locked environment may build the lock\'s sdists (packages with no wheel for the interpreter: a bundle built --vendor --allow-build carries them): each built in bubblewrap with no network, its build environment read-only; without it such a bundle is refused (exit 3)')
    .optionsGroup('Determinism (--verify):')
    .option('--verify', `run the entry point plainly and again under varied conditions (${VARIATION_IDS.join(', ')}); when an output differs, rerun each variation alone and name the ones that change it; exit 1 unless every output is identical (docs/VERIFY.md)`)
    .option('--runs <n>', 'with --verify: runs before any bisection, the plain one and N-1 varied ones, each varied one with other values (default 2)')
    .option('--vary <names...>', 'with --verify: only these variations (comma-separated or repeated)')
    .addOption(new LiteralOption('--no-vary <names...>', 'with --verify: every variation but these'))
    .optionsGroup('Sandbox and limits:')
    .option('--no-sandbox', 'run the local backend unconfined, on purpose (with your user\'s rights)')
    .option('--require-sandbox', 'refuse (exit 5) rather than run unconfined when bubblewrap does not work here')
    .option('--env <name...>', 'pass these variables of this machine to the entry point (else a clean environment)')
    .option('--expose <path...>', 'local: let the entry point read this host path, read-only (a toolchain, data)')
    .option('--network <mode>', `network (default: ${DEFAULT_NETWORK})`)
    .option('--time-limit <duration>', 'stop the entry point after 90s, 30m, 2h: exit 124, said in run.json')
    .option('--pids-limit <n>', `at most this many processes (default ${DEFAULT_RESOURCE_LIMITS.pids}; local: an rlimit, not for root)`)
    .option('--memory-limit <size>', 'at most this much memory, e.g. 16g (Docker only)')
    .option('--file-size-limit <size>', 'no file the entry point writes may grow past this, e.g. 10g')
    .option('--expect-digest <sha256:hex>', 'refuse unless the bundle\'s content digest is this (each Slurm task)')
    .optionsGroup('Registry and attestations:')
    .option('--attach', 'BUNDLE is a registry reference: record the run beside it (repro runs REF lists them)')
    .option('--attest', 'with --expect-reproduced: a reproduced-run attestation in the run directory (and beside the bundle with --attach)')
    .optionsGroup('Slurm (--backend slurm):')
    .option('--partition <name>', 'slurm: the partition (sbatch --partition)')
    .option('--time <limit>', 'slurm: time limit per task, as sbatch writes it (90, 2:00:00, 1-12)')
    .option('--cpus <n>', 'slurm: CPUs per task (sbatch --cpus-per-task)')
    .option('--mem <size>', 'slurm: memory per node (sbatch --mem: 16G)')
    .option('--account <name>', 'slurm: the account to charge (sbatch --account)')
    .option('--qos <name>', 'slurm: the quality of service (sbatch --qos)')
    .option('--slurm-arg <arg>', 'slurm: one argument passed to sbatch verbatim, before the script (repeatable: --slurm-arg --constraint=a100)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--dry-run', 'slurm: print the batch script and the sbatch command; submit and write nothing')
    .option('--queue-timeout <duration>', 'slurm: cancel the job if no task has started after this long (90s, 10m, 2h)')
    .option('--cancel-on-interrupt', 'slurm: on Ctrl-C, cancel the submitted job (else it keeps running)')
    .option('--remote-repro <path>', 'slurm: the repro executable on the nodes (default: this one, by absolute path)')
    .optionsGroup('Signing (--attest):');
  outputOptions(limitOptions(signingOptions(exec).optionsGroup('Output and bundle limits:')), 'print one JSON document on stdout (the entry point\'s output goes to stderr)')
    .addHelpText('after', `
Environment: REPRO_CACHE (the cache), DOCKER_HOST (unix, tcp, ssh://user@host with your ssh-agent
or ~/.ssh key), REPRO_DOCKER_TIMEOUT (seconds each engine request may take, ${DEFAULT_DOCKER_TIMEOUT_S}).

Examples:
  $ repro exec iris-demo-0.1.0.repro.tar.zst                     # main, defaults
  $ repro exec bundle.repro.tar.zst main -P seed=3 --backend local
  $ repro exec bundle.repro.tar.zst --expect-reproduced --json
  $ repro exec bundle.repro.tar.zst --verify       # which condition changes which output
  $ repro exec bundle.repro.tar.zst --verify --vary hashseed,order --runs 3
  $ repro exec REF --expect-reproduced --attest --key signing.pem --attach
  $ DOCKER_HOST=ssh://me@gpu-box repro exec bundle.repro.tar.zst
  $ repro exec bundle.repro.tar.zst --backend slurm --partition gpu --time 2:00:00
  $ repro exec REF@sha256:… --backend slurm --sweep seed=0..49 --max-parallel 10
  $ repro exec bundle.repro.tar.zst --backend slurm --dry-run > job.sh    # review, then sbatch it`);
  exec.action((bundle: string, entry: string | undefined, opts) =>
    run('exec', async (io) => (await import('./commands/exec.js')).execCommand(bundle, entry, opts, io), opts),
  );

  return program;
}
