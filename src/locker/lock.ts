// Use case `repro lock`: a hashed requirements lock from what the snapshot recorded, for a
// project that has none. Exactly the installed versions (no resolution: the snapshot is the
// resolution), each with the sha256 of every file the index serves for that version, so pip
// --require-hashes (the Dockerfile, a venv) installs what was recorded and nothing else.
// planLock asks the index and fails before anything is written (a version the index does not
// serve, an unreachable index); renderLock is deterministic (sorted, no dates); the command
// writes it atomically and leaves an identical file untouched.
import { compareUtf8 } from '../core/utf8-order.js';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { normalizeName } from '../lockfile/requirements.js';
import { DEFAULT_INDEX, distributionOf, isPypiIndex, listFiles, type IndexFile } from '../pyindex/simple.js';
import { stripCredentials } from '../secrets/rules.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { sameVersion } from '../lockfile/pep440.js';


/** Installers, not the project's packages: left out unless named with --include. */
export const INSTALLERS = new Set(['pip']);
/** How many index pages are asked at once. */
const PARALLEL = 8;

export interface LockRequest {
  snapshot: Snapshot;
  /** The snapshot's file, for the header. */
  snapshotFile: string;
  /** The indexes to ask, first the main one (credentials allowed: never written). */
  indexes: string[];
  /** Normalized names left out (the project itself installed editable, a package from a local build). */
  exclude: string[];
  /** Normalized names kept though INSTALLERS would leave them out. */
  include: string[];
}

export interface LockedPackage {
  name: string;
  version: string;
  /** sha256 of every file of that version, sorted. */
  hashes: string[];
  files: number;
}

export interface LockPlan {
  packages: LockedPackage[];
  /** What was left out, and why. */
  excluded: Array<{ name: string; why: string }>;
  python: string;
  indexes: string[];
  snapshotDigest: string;
}

/** The files of `name` at `version` across the indexes, by hash (the first index's URL kept). */
async function filesOf(indexes: string[], name: string, version: string): Promise<IndexFile[]> {
  const byHash = new Map<string, IndexFile>();
  for (const index of indexes) {
    for (const f of (await listFiles(index, name)) ?? []) {
      const dist = distributionOf(f.filename);
      if (dist && sameVersion(dist.version, version) && !byHash.has(f.sha256)) byHash.set(f.sha256, f);
    }
  }
  return [...byHash.values()];
}

export async function planLock(request: LockRequest, ctx: Context): Promise<LockPlan> {
  const python = request.snapshot.identity.python;
  if (!python || typeof python.packages !== 'object' || python.packages === null) {
    throw new ReproError('E_INPUT', `${request.snapshotFile} records no Python environment: there is nothing to lock`, { hint: 'Take the snapshot with the interpreter the project runs: repro snapshot --python PATH.' });
  }
  const exclude = new Set(request.exclude.map(normalizeName));
  const include = new Set(request.include.map(normalizeName));
  const excluded: LockPlan['excluded'] = [];
  const wanted: Array<{ name: string; version: string }> = [];
  for (const [raw, version] of Object.entries(python.packages).sort(([a], [b]) => compareUtf8(a, b))) {
    const name = normalizeName(raw);
    if (typeof version !== 'string' || version === '') continue;
    if (exclude.has(name)) excluded.push({ name, why: 'named with --exclude' });
    else if (INSTALLERS.has(name) && !include.has(name)) excluded.push({ name, why: 'the installer, not a package of the project (--include pip keeps it)' });
    else wanted.push({ name, version });
  }
  ctx.progress.start(`asking ${request.indexes.length === 1 ? 'the index' : `${request.indexes.length} indexes`} for ${wanted.length} packages`, wanted.length, 'items');
  const found = new Array<LockedPackage | null>(wanted.length).fill(null);
  try {
    let next = 0;
    const worker = async () => {
      while (next < wanted.length) {
        const i = next++;
        const { name, version } = wanted[i]!;
        const files = await filesOf(request.indexes, name, version);
        found[i] = files.length === 0 ? null : { name, version, hashes: files.map((f) => `sha256:${f.sha256}`).sort(compareUtf8), files: files.length };
        ctx.progress.tick(1);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, wanted.length) }, worker));
  } finally {
    ctx.progress.stop();
  }
  const missing = wanted.filter((_, i) => found[i] === null).map((w) => `${w.name}==${w.version}`);
  if (missing.length > 0) {
    throw new ReproError('E_CONFIG', `the index serves no file of ${missing.length} recorded version${missing.length === 1 ? '' : 's'}: ${missing.slice(0, 12).join(', ')}${missing.length > 12 ? ', …' : ''}`, {
      hint: "Name the index that has them (--index-url, --extra-index-url: PyTorch's builds are on https://download.pytorch.org/whl/...), or leave out what no index has (the project itself, a local build) with --exclude NAME. Nothing was written.",
      details: { missing, indexes: request.indexes.map(stripCredentials) },
    });
  }
  return { packages: found as LockedPackage[], excluded, python: python.version, indexes: request.indexes.map(stripCredentials), snapshotDigest: request.snapshot.snapshotDigest };
}

/** The lock file's text: pip's requirements format, every line hashed, sorted, no date. */
export function renderLock(plan: LockPlan, snapshotFile: string): string {
  const lines = [
    `# Written by repro lock from ${snapshotFile} (${plan.snapshotDigest}): the exact versions installed in`,
    `# Python ${plan.python}, each with the sha256 of every file the index serves for it. pip install`,
    `# --require-hashes --no-deps -r this-file installs what was recorded. Made again by repro lock.`,
  ];
  const [main, ...extra] = plan.indexes;
  if (main !== undefined && !isPypiIndex(main)) lines.push(`--index-url ${main}`);
  for (const e of extra) lines.push(`--extra-index-url ${e}`);
  for (const p of plan.packages) lines.push(`${p.name}==${p.version}${p.hashes.map((h) => ` \\\n    --hash=${h}`).join('')}`);
  return `${lines.join('\n')}\n`;
}

/** The indexes to ask: --index-url, else PIP_INDEX_URL / UV_INDEX_URL / UV_DEFAULT_INDEX, else PyPI; then the extra ones. */
export function indexesFrom(flags: { indexUrl?: string; extraIndexUrl?: string[] }, env: Readonly<Record<string, string | undefined>>): string[] {
  const main = flags.indexUrl ?? env.PIP_INDEX_URL ?? env.UV_DEFAULT_INDEX ?? env.UV_INDEX_URL ?? DEFAULT_INDEX;
  const extra = flags.extraIndexUrl ?? (env.PIP_EXTRA_INDEX_URL ?? env.UV_INDEX ?? '').split(/\s+/).filter(Boolean);
  return [main, ...extra];
}
