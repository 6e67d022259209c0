// What the image installs, from the project's own lock: environment.lockfile when repro.yaml
// names one, else the lock found where the snapshot looks (the top level and requirements/).
// Python: a hashed requirements file as it is; uv.lock, pylock.toml (PEP 751; a named
// pylock.<name>.toml when environment.lockfile names it), poetry.lock and Pipfile.lock exported
// to a hashed requirements file carried in the build context (read by lockfile/python-locks.ts
// and pylock.ts, rendered by export-requirements.ts): pip reads a pylock.toml itself only from
// 26.1, and the image's pip is the base image's, so the export is what every pip installs; an
// unhashed requirements file installs nothing, with a note that says what is unpinned and the
// command that pins it. Node: npm ci, pnpm install --frozen-lockfile, yarn's immutable install.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsError, ReproError } from '../core/errors.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { lockfileCandidates } from '../lockfile/find.js';
import { parseRequirementLine, parseRequirements, requirementLines } from '../lockfile/requirements.js';
import { pythonEnvParts } from '../lockfile/python-env.js';
import { hashedLockReader } from '../lockfile/python-locks.js';
import { exportRequirements, type ExportedRequirements } from './export-requirements.js';
import type { DockerfileKind } from './generate.js';
import { EXPORTED_REQUIREMENTS, EXPORTED_VCS_REQUIREMENTS, VENDOR_NODE_DIR, VENDOR_PYTHON_BUILD_DIR, VENDOR_PYTHON_DIR, VENDOR_RECORDED_LOCK } from '../bundle/layout.js';

export interface InstallPlan {
  /** The project-relative lock the image installs from, or null. */
  lock: string | null;
  /** The Dockerfile's install lines (empty: nothing is installed). */
  run: string;
  /** Files for the build context, by name: what repro exported from the lock. */
  files: Array<{ path: string; text: string }>;
  notes: string[];
}

/** pip into the image's Python; PIP_BREAK_SYSTEM_PACKAGES lets it on Debian-packaged Pythons (PEP 668), which a one-purpose image is. */
const PIP = 'PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --no-cache-dir --no-deps';

async function readText(root: string, rel: string): Promise<string | null> {
  try {
    return await fs.readFile(path.join(root, rel), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsError(err, path.join(root, rel), 'cannot read the lockfile');
  }
}

/** requirements files where the snapshot finds lockfiles, requirements.txt first. */
async function requirementsFiles(root: string): Promise<string[]> {
  const reqs = (await lockfileCandidates(root)).filter((rel) => /^requirements.*\.txt$/i.test(rel) || (rel.startsWith('requirements/') && rel.endsWith('.txt')));
  const rank = (n: string) => (n === 'requirements.txt' ? 0 : n.startsWith('requirements/') ? 2 : 1);
  return reqs.sort((a, b) => rank(a) - rank(b) || compareUtf8(a, b));
}

const hasHashes = (text: string) => /--hash[=\s]/.test(text);

/** The lock a Python image installs from: named, else hashed requirements, uv, pylock.toml, poetry, Pipfile, else unhashed requirements. */
async function findPythonLock(root: string, named: string | null): Promise<{ path: string; text: string } | null> {
  if (named) {
    const text = await readText(root, named);
    if (text === null) throw new ReproError('E_CONFIG', `environment.lockfile names ${named}, which is not in the project`, { hint: 'Fix the path in repro.yaml, or remove it to let repro find the lock.', details: { lockfile: named } });
    return { path: named, text };
  }
  const reqs = await requirementsFiles(root);
  const texts = new Map<string, string>();
  for (const r of reqs) {
    const t = await readText(root, r);
    if (t !== null) texts.set(r, t);
  }
  const hashed = [...texts].find(([, t]) => hasHashes(t));
  if (hashed) return { path: hashed[0], text: hashed[1] };
  for (const lock of ['uv.lock', 'pylock.toml', 'poetry.lock', 'Pipfile.lock']) {
    const text = await readText(root, lock);
    if (text !== null) return { path: lock, text };
  }
  const first = [...texts][0];
  return first ? { path: first[0], text: first[1] } : null;
}

function exportNotes(lock: string, exported: ExportedRequirements): string[] {
  const notes = [`installs ${exported.count} packages from ${lock}, exported with their hashes to ${EXPORTED_REQUIREMENTS}`, ...exported.notes];
  if (exported.vcs) notes.push(`${exported.vcs.count} package${exported.vcs.count === 1 ? '' : 's'} from git, pinned by commit in ${EXPORTED_VCS_REQUIREMENTS}: the base image needs git`);
  return notes;
}

/** pip's options when the bundle carries the lock's wheels (build --vendor): the image asks no index, and needs no network. */
const VENDORED = ` --no-index --find-links /${VENDOR_PYTHON_DIR}`;

function pythonPlan(lock: { path: string; text: string } | null, vendored = false, recorded = false, allowBuild = false): InstallPlan {
  const found = pythonPlanOf(lock);
  // --record-hashes: the project's lock is pinned but unhashed (or it has only python_env.yaml);
  // the bundle carries the hashes recorded at build, and the image installs from them.
  const plan = recorded && found.run === '' ? { lock: VENDOR_RECORDED_LOCK, run: `RUN ${PIP} --require-hashes -r /${VENDOR_RECORDED_LOCK}\n`, files: [], notes: [`installs from /${VENDOR_RECORDED_LOCK}: the hashes build --record-hashes recorded (trust on first use)`] } : found;
  if (!vendored || plan.run === '') return plan;
  // --allow-build: pip builds the lock's sdists in the image (network none), its build isolation installing the build wheels the bundle carries.
  const links = allowBuild ? `${VENDORED} --find-links /${VENDOR_PYTHON_BUILD_DIR}` : VENDORED;
  return { ...plan, run: plan.run.replace(/--require-hashes/g, `--require-hashes${links}`), notes: [...plan.notes, `from the bundle's vendored wheels (/${VENDOR_PYTHON_DIR}): the image build needs no network`, ...(allowBuild ? [`the lock's sdists are built by pip in the image, with no network, from the build wheels of /${VENDOR_PYTHON_BUILD_DIR}`] : [])] };
}

function pythonPlanOf(lock: { path: string; text: string } | null): InstallPlan {
  if (!lock) return { lock: null, run: '', files: [], notes: ['no Python lockfile found (requirements.txt with hashes, uv.lock, pylock.toml, poetry.lock, Pipfile.lock): the image installs no Python packages'] };
  const name = path.posix.basename(lock.path);
  const reader = hashedLockReader(name);
  if (reader) {
    const exported = exportRequirements(lock.path, reader(lock.text).install());
    const files = [{ path: EXPORTED_REQUIREMENTS, text: exported.text }];
    let run = `RUN ${PIP} --require-hashes -r /${EXPORTED_REQUIREMENTS}\n`;
    if (exported.vcs) {
      files.push({ path: EXPORTED_VCS_REQUIREMENTS, text: exported.vcs.text });
      run += `RUN ${PIP} -r /${EXPORTED_VCS_REQUIREMENTS}\n`;
    }
    return { lock: lock.path, run, files, notes: exportNotes(lock.path, exported) };
  }
  if (/\.(ya?ml)$/.test(name)) {
    return { lock: null, run: '', files: [], notes: [`${lock.path} is a conda file: the pip-based image does not install it (export the pip part to requirements.txt with hashes)`] };
  }
  const parsed = parseRequirements(lock.text);
  if (parsed.packages.length === 0) return { lock: lock.path, run: '', files: [], notes: [`${lock.path} names no packages`] };
  if (!hasHashes(lock.text)) {
    const unpinned = parsed.packages.filter((p) => p.version === null).map((p) => p.name);
    const what = unpinned.length > 0 ? `${unpinned.length} of ${parsed.packages.length} requirements are not pinned with == (${unpinned.slice(0, 8).join(', ')}${unpinned.length > 8 ? ', ...' : ''}) and none has a --hash` : `its ${parsed.packages.length} requirements are pinned but none has a --hash`;
    return {
      lock: null,
      run: '',
      files: [],
      notes: [`${lock.path} is not a lock: ${what}, so the image installs nothing from it. Pin it with hashes: pip-compile --generate-hashes -o ${lock.path} requirements.in (or uv pip compile --generate-hashes requirements.in -o ${lock.path})`],
    };
  }
  const missing = parsed.warnings.filter((w) => w.code === 'MISSING_HASH').map((w) => w.package);
  if (missing.length > 0) {
    throw new ReproError('E_CONFIG', `${lock.path}: ${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no --hash, and pip --require-hashes refuses a file where any requirement lacks one`, {
      hint: `Regenerate it with hashes for every line: pip-compile --generate-hashes (or uv pip compile --generate-hashes).`,
      details: { lockfile: lock.path, packages: missing },
    });
  }
  return { lock: lock.path, run: `RUN ${PIP} --require-hashes -r ${lock.path}\n`, files: [], notes: [`installs ${parsed.packages.length} packages from ${lock.path} with their hashes`] };
}

/**
 * npm ci from the bundle's tarballs (build --vendor): each put in a throwaway npm cache by its own
 * sha512 (`npm cache add`), then `npm ci --offline`, which takes a package from the cache by the
 * lock's integrity (pacote reads the cache by digest when the lock gives integrity and resolved),
 * so the image build asks no registry and needs no network. A lock entry with only a sha1
 * integrity is not found by digest and fails the build offline.
 */
const NPM_OFFLINE = `RUN if [ -d /${VENDOR_NODE_DIR} ]; then find /${VENDOR_NODE_DIR} -name '*.tgz' -exec npm cache add --cache /tmp/repro-npm-cache {} +; fi \\\n && npm ci --offline --cache /tmp/repro-npm-cache --ignore-scripts --no-audit --no-fund \\\n && rm -rf /tmp/repro-npm-cache\n`;

async function nodePlan(root: string, vendored = false): Promise<InstallPlan> {
  for (const lock of ['npm-shrinkwrap.json', 'package-lock.json']) {
    if ((await readText(root, lock)) === null) continue;
    if (vendored) return { lock, run: NPM_OFFLINE, files: [], notes: [`installs from ${lock} with npm ci --offline from the bundle's tarballs (/${VENDOR_NODE_DIR}, each checked by npm against the lock's integrity): the image build needs no network`] };
    return { lock, run: 'RUN npm ci --ignore-scripts --no-audit --no-fund\n', files: [], notes: [`installs from ${lock} with npm ci (integrity checked)`] };
  }
  const pnpm = await readText(root, 'pnpm-lock.yaml');
  if (pnpm !== null) return { lock: 'pnpm-lock.yaml', run: 'RUN corepack enable && pnpm install --frozen-lockfile --ignore-scripts\n', files: [], notes: ['installs from pnpm-lock.yaml with pnpm install --frozen-lockfile (corepack fetches the pnpm that package.json names)'] };
  const yarn = await readText(root, 'yarn.lock');
  if (yarn !== null) {
    return /^__metadata:/m.test(yarn)
      ? { lock: 'yarn.lock', run: 'RUN corepack enable && yarn install --immutable --mode=skip-build\n', files: [], notes: ['installs from yarn.lock with yarn install --immutable (corepack fetches the yarn that package.json names)'] }
      : { lock: 'yarn.lock', run: 'RUN yarn install --frozen-lockfile --ignore-scripts --non-interactive\n', files: [], notes: ['installs from yarn.lock with yarn install --frozen-lockfile'] };
  }
  return { lock: null, run: '', files: [], notes: ['no Node lockfile (package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock): the image installs no packages; npm install --package-lock-only makes one'] };
}

export async function planInstall(root: string, kind: DockerfileKind, lockfile: string | null, vendored = false, recorded = false, allowBuild = false): Promise<InstallPlan> {
  if (kind === 'node') return nodePlan(root, vendored);
  return pythonPlan(await findPythonLock(root, lockfile), vendored, recorded, allowBuild);
}

export interface Pin {
  name: string;
  version: string;
  marker: string | null;
}

/**
 * For `build --vendor --record-hashes`: the exact versions a project without a hashed lock pins,
 * from its requirements file (every line `==`) or MLflow's python_env.yaml (its dependencies, and
 * the requirements files they name with -r; build_dependencies build sdists, which repro never
 * does). A range, a URL or a package from git is refused: only exact versions have hashes to
 * record. Null when the project has neither.
 */
export async function pinnedRequirements(root: string, lockfile: string | null, pythonEnv: string | null): Promise<{ lock: string; pins: Pin[] } | null> {
  const fromLines = (lock: string, lines: string[]): { lock: string; pins: Pin[] } => {
    const pins: Pin[] = [];
    const loose: string[] = [];
    for (const line of lines) {
      const req = parseRequirementLine(line);
      if (!req) continue;
      if (req.version === null || req.url !== null || !/^\s*[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[^,;\s]+\s*(;.*)?$/.test(line.replace(/\s--hash\S*/g, ''))) loose.push(line.trim().slice(0, 80));
      else pins.push({ name: req.name, version: req.version, marker: req.marker });
    }
    if (loose.length > 0) {
      throw new ReproError('E_CONFIG', `${lock}: --record-hashes records the hashes of exact versions, and ${loose.length} requirement${loose.length === 1 ? ' is' : 's are'} not pinned with == (${loose.slice(0, 6).join('; ')}${loose.length > 6 ? '; ...' : ''})`, {
        hint: `Lock it instead: uv pip compile --generate-hashes ${lock.endsWith('.yaml') ? 'requirements.in' : lock} -o requirements.lock.txt (or pip-compile --generate-hashes); a hashed lock needs no --record-hashes.`,
        details: { lockfile: lock, unpinned: loose },
      });
    }
    if (pins.length === 0) throw new ReproError('E_CONFIG', `${lock} pins no packages: nothing to vendor`, { hint: 'Add the packages the project imports, pinned with ==.' });
    return { lock, pins };
  };
  const lines = (text: string) => [...requirementLines(text)].filter((l) => !l.startsWith('-'));
  const envFile = pythonEnv ?? ((await readText(root, 'python_env.yaml')) !== null ? 'python_env.yaml' : null);
  const lock = await findPythonLock(root, lockfile);
  if (lock && !/\.(ya?ml)$/.test(lock.path) && !hashedLockReader(path.posix.basename(lock.path))) return fromLines(lock.path, lines(lock.text));
  if (envFile === null) return null;
  const text = await readText(root, envFile);
  if (text === null) return null;
  let parts: ReturnType<typeof pythonEnvParts>;
  try {
    parts = pythonEnvParts(text, envFile);
  } catch (err) {
    throw new ReproError('E_CONFIG', (err as Error).message, { hint: 'See MLflow\'s python_env.yaml format: python:, build_dependencies:, dependencies:.' });
  }
  const all: string[] = [];
  for (const line of parts.dependencies) {
    const inc = /^(?:-r|--requirement)[\s=]+(\S+)$/.exec(line);
    if (!inc) {
      all.push(line);
      continue;
    }
    const rel = path.posix.normalize(path.posix.join(path.posix.dirname(envFile), inc[1]!));
    if (rel.startsWith('../') || path.posix.isAbsolute(rel)) throw new ReproError('E_CONFIG', `${envFile}: -r ${inc[1]} is outside the project`, { hint: 'Keep the requirements file in the project.' });
    const included = await readText(root, rel);
    if (included === null) throw new ReproError('E_CONFIG', `${envFile}: -r ${inc[1]} names a file the project does not have`, { hint: 'Add it, or list the requirements in python_env.yaml.' });
    all.push(...lines(included));
  }
  return fromLines(envFile, all);
}

/**
 * The hashed requirements a Python environment is installed from: the lock the image installs,
 * as pip reads it (the project's own hashed requirements file, or the export of its uv, pylock,
 * poetry or Pipfile lock); null when the project has no hashed lock. Packages from git (no hash
 * can pin a checkout) are refused: a locked environment or a vendored bundle checks every file.
 */
export async function hashedRequirements(root: string, lockfile: string | null): Promise<{ lock: string; file: string | null; text: string } | null> {
  const plan = pythonPlan(await findPythonLock(root, lockfile));
  if (plan.lock === null) return null;
  if (plan.files.some((f) => f.path === EXPORTED_VCS_REQUIREMENTS)) {
    throw new ReproError('E_CONFIG', `${plan.lock} installs packages from git, which cannot be checked by hash`, { hint: 'Rerun with --environment host (your own environment), or lock those packages as wheels.', details: { lockfile: plan.lock } });
  }
  const exported = plan.files.find((f) => f.path === EXPORTED_REQUIREMENTS);
  if (exported) return { lock: plan.lock, file: null, text: exported.text };
  const file = path.join(root, plan.lock);
  return { lock: plan.lock, file, text: await fs.readFile(file, 'utf8') };
}
