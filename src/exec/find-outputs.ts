// Which paths a run's outputs are, after it ran. Declared literal paths are outputs whether or
// not the run made them (a missing one never reproduces); globs match the files the run left;
// with nothing declared, every file the entry point created or changed is an output (compared
// with the bundle's own copy of the project), less the ignore rules and caches
// (project/output-match.ts). The run directory is hostile: entries are lstat'ed, never followed,
// a name that is not UTF-8 is an output refused (it cannot be recorded or compared), and the walk
// stops at MAX_DIRECTORY_ENTRIES.
import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { ReproError } from '../core/errors.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { isDetectable, isGlob, literalOutputs, matchesPath } from '../project/output-match.js';
import type { OutputSpec } from '../project/types.js';
import { MAX_DIRECTORY_ENTRIES } from './read-output.js';

export interface FoundOutputs {
  /** 'declared': the manifest's (or --output's) paths and globs; 'detected': what the run created or changed. */
  from: 'declared' | 'detected';
  paths: string[];
  /** Names that are not UTF-8, escaped (each an output refused as 'name'). */
  badNames: string[];
}

/** Every entry under `root` that is not a directory, by relative '/' path, with its lstat. */
async function walk(root: string, badNames: string[]): Promise<Map<string, Stats>> {
  const found = new Map<string, Stats>();
  let seen = 0;
  const visit = async (dir: string, rel: string): Promise<void> => {
    const names = await fs.readdir(dir, { encoding: 'buffer' }).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
    for (const raw of names) {
      const name = raw.toString('utf8');
      if (!Buffer.from(name, 'utf8').equals(raw)) {
        badNames.push(`${rel ? `${rel}/` : ''}${JSON.stringify(raw.toString('latin1')).slice(1, -1)}`);
        continue;
      }
      if (++seen > MAX_DIRECTORY_ENTRIES) throw new ReproError('E_LIMIT', `the run left more than ${MAX_DIRECTORY_ENTRIES} entries to examine for outputs`, { hint: 'Declare the outputs (repro.yaml outputs:, or --output GLOB) so only those are read.', details: { limit: MAX_DIRECTORY_ENTRIES } });
      const childRel = rel ? `${rel}/${name}` : name;
      const st = await fs.lstat(path.join(dir, name));
      if (st.isDirectory()) await visit(path.join(dir, name), childRel);
      else found.set(childRel, st);
    }
  };
  await visit(root, '');
  return found;
}

/** Same bytes? Both regular files of one size, read side by side without following links. */
async function sameContent(a: string, b: string): Promise<boolean> {
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const [ha, hb] = await Promise.all([fs.open(a, flags), fs.open(b, flags)]);
  try {
    const [ba, bb] = [Buffer.allocUnsafe(1 << 20), Buffer.allocUnsafe(1 << 20)];
    for (;;) {
      const [ra, rb] = await Promise.all([ha.read(ba, 0, ba.length, null), hb.read(bb, 0, bb.length, null)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await Promise.all([ha.close(), hb.close()]);
  }
}

/** Was `rel` created or changed by the run? ctime cannot be set back, so an untouched copy is older than `since`. */
async function changed(rel: string, st: Stats, workDir: string, original: string, since: number): Promise<boolean> {
  const before = await fs.lstat(path.join(original, rel)).catch(() => null);
  if (!before) return true;
  if (st.isSymbolicLink() || before.isSymbolicLink()) return !(st.isSymbolicLink() && before.isSymbolicLink() && (await fs.readlink(path.join(workDir, rel))) === (await fs.readlink(path.join(original, rel))));
  if (!st.isFile() || !before.isFile()) return true;
  if (st.size !== before.size) return true;
  if (st.ctimeMs < since) return false;
  return !(await sameContent(path.join(workDir, rel), path.join(original, rel)));
}

/** Slack for file systems whose timestamps are coarser than Date.now() (a jiffy on ext4). */
const CLOCK_SLACK_MS = 50;

export async function findOutputs(workDir: string, original: string, specs: readonly OutputSpec[], copiedAt: number): Promise<FoundOutputs> {
  const literal = literalOutputs(specs).map((s) => s.path);
  const globs = specs.filter((s) => !s.ignore && isGlob(s.path));
  const ignores = specs.filter((s) => s.ignore);
  if (literal.length > 0 && globs.length === 0) return { from: 'declared', paths: literal, badNames: [] };
  const badNames: string[] = [];
  const entries = await walk(workDir, badNames);
  const paths = new Set(literal);
  if (literal.length > 0 || globs.length > 0) {
    for (const rel of entries.keys()) if (globs.some((g) => matchesPath(g.path, rel)) && !ignores.some((i) => matchesPath(i.path, rel)) && !literal.some((l) => rel.startsWith(`${l}/`))) paths.add(rel);
    return { from: 'declared', paths: [...paths].sort(compareUtf8), badNames };
  }
  for (const [rel, st] of entries) if (isDetectable(rel, ignores) && (await changed(rel, st, workDir, original, copiedAt - CLOCK_SLACK_MS))) paths.add(rel);
  return { from: 'detected', paths: [...paths].sort(compareUtf8), badNames };
}
