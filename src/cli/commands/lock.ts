// `repro lock`: a hashed requirements lock from the snapshot's installed versions (locker/lock.ts),
// written atomically; an identical file is left as it is.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { fsError } from '../../core/errors.js';
import { SNAPSHOT_FILE } from '../../bundle/layout.js';
import { indexesFrom, planLock, renderLock } from '../../locker/lock.js';
import { parseSnapshot } from '../../snapshot/io.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { shownPath } from '../render/text.js';

/** Where `repro lock` writes by default: a requirements file the snapshot and the Dockerfile find (and take, for its hashes). */
export const LOCK_OUTPUT = 'requirements.lock.txt';

export interface LockFlags {
  snapshot?: string;
  output?: string;
  indexUrl?: string;
  extraIndexUrl?: string[];
  exclude?: string[];
  include?: string[];
}

export async function lockCommand(dir: string | undefined, flags: LockFlags, io: CliIo): Promise<CommandOutcome> {
  const root = path.resolve(io.ctx.cwd, dir ?? '.');
  const snapshotFile = path.resolve(io.ctx.cwd, flags.snapshot ?? path.join(root, SNAPSHOT_FILE));
  const text = await fs.readFile(snapshotFile, 'utf8').catch((err) => {
    throw fsError(err, snapshotFile, 'cannot read the snapshot (take one first: repro snapshot DIR --python PATH)');
  });
  const snapshot = parseSnapshot(text, snapshotFile);
  const output = path.resolve(io.ctx.cwd, flags.output ?? path.join(root, LOCK_OUTPUT));
  const shownSnapshot = path.relative(path.dirname(output), snapshotFile) || path.basename(snapshotFile);
  const plan = await planLock({ snapshot, snapshotFile: shownSnapshot, indexes: indexesFrom(flags, io.ctx.env), exclude: flags.exclude ?? [], include: flags.include ?? [] }, io.ctx);
  const rendered = renderLock(plan, shownSnapshot);
  const before = await fs.readFile(output, 'utf8').catch(() => null);
  const written = before !== rendered;
  if (written) await writeFileAtomic(output, rendered);
  const hashes = plan.packages.reduce((n, p) => n + p.hashes.length, 0);
  const excluded = plan.excluded.length ? ` (left out: ${plan.excluded.map((e) => e.name).join(', ')})` : '';
  return {
    result: { output, written, python: plan.python, indexes: plan.indexes, packages: plan.packages, excluded: plan.excluded },
    text: `${written ? 'wrote' : 'unchanged:'} ${shownPath(io.ctx.cwd, output)}: ${plan.packages.length} packages of Python ${plan.python}, ${hashes} file hashes${excluded}\n`,
  };
}
