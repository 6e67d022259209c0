// `repro snapshot`: capture the environment record and write it as canonical JSON.
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { writeSnapshot } from '../../snapshot/io.js';
import type { Snapshot } from '../../snapshot/snapshot.js';
import { describeThisMachine } from '../../snapshot/this-machine.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { parseMs } from '../parse.js';
import { renderSnapshot } from '../render/snapshot.js';
import { SNAPSHOT_FILE } from '../../bundle/layout.js';

export interface SnapshotFlags {
  output?: string;
  data?: string[];
  python?: string;
  import?: boolean;
  env?: string[];
  saveDiff?: string;
  probeTimeout: string;
  importTimeout: string;
}

export interface SnapshotResult {
  file: string;
  snapshotDigest: string;
  diffFile: string | null;
  snapshot: Snapshot;
  /** false: the file already there records the same identity, and was left as it was. */
  written: boolean;
}

export async function snapshotCommand(dir: string | undefined, flags: SnapshotFlags, io: CliIo): Promise<CommandOutcome<SnapshotResult>> {
  const root = path.resolve(io.ctx.cwd, dir ?? '.');
  const file = path.resolve(io.ctx.cwd, flags.output ?? path.join(root, SNAPSHOT_FILE));
  const { snapshot, patch, cache } = await describeThisMachine(
    {
      view: 'project',
      dir: root,
      output: file,
      data: flags.data,
      python: flags.python,
      imports: flags.import !== false,
      env: flags.env,
      probeTimeoutMs: parseMs('--probe-timeout', flags.probeTimeout),
      importTimeoutMs: parseMs('--import-timeout', flags.importTimeout),
    },
    io.ctx,
  );
  let diffFile: string | null = null;
  if (flags.saveDiff && patch !== null) {
    diffFile = path.resolve(io.ctx.cwd, flags.saveDiff);
    await writeFileAtomic(diffFile, patch);
  }
  const written = await writeSnapshot(file, snapshot);
  await cache.save(io.ctx.now().getTime());
  const note = written ? '' : `${path.relative(io.ctx.cwd, file) || file}: unchanged (it already records this identity; left byte for byte as it was)\n`;
  return { result: { file, snapshotDigest: snapshot.snapshotDigest, diffFile, snapshot, written }, text: renderSnapshot(snapshot, path.relative(io.ctx.cwd, file) || file, diffFile) + note };
}
