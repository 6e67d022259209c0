// `repro diff A [B]`: what differs between two snapshots (or bundles carrying one); without B,
// between A and this machine now.
import path from 'node:path';
import { diffSnapshots, type SnapshotDiff } from '../../diff/diff-snapshots.js';
import { readSnapshotOrBundle } from '../../snapshot/io.js';
import { describeThisMachine } from '../../snapshot/this-machine.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { parseMs } from '../parse.js';
import { renderDiff } from '../render/diff.js';
import { resolveBundleArg } from '../bundle-arg.js';

export interface DiffFlags {
  dir?: string;
  python?: string;
  import?: boolean;
  probeTimeout: string;
  importTimeout: string;
  all?: boolean;
}

export async function diffCommand(a: string, b: string | undefined, flags: DiffFlags, io: CliIo): Promise<CommandOutcome<SnapshotDiff>> {
  // A bundle may be a registry reference: pulled and verified first.
  const left = (await readSnapshotOrBundle((await resolveBundleArg(a, io.ctx)).file)).snapshot;
  let right;
  if (b !== undefined) {
    right = (await readSnapshotOrBundle((await resolveBundleArg(b, io.ctx)).file)).snapshot;
  } else {
    const dir = path.resolve(io.ctx.cwd, flags.dir ?? '.');
    const data = left.identity.data.map((d) => path.resolve(dir, d.path));
    io.ctx.log.info(`diff: capturing this machine now (project ${dir})`);
    // The same interpreter the snapshot described, when it is a program of this machine: A may
    // be a bundle someone else built, and its snapshot names any path it likes.
    right = (
      await describeThisMachine(
        {
          view: 'project',
          dir,
          python: flags.python,
          against: left,
          data,
          imports: flags.import !== false,
          env: Object.keys(left.identity.env),
          probeTimeoutMs: parseMs('--probe-timeout', flags.probeTimeout),
          importTimeoutMs: parseMs('--import-timeout', flags.importTimeout),
        },
        io.ctx,
      )
    ).snapshot;
  }
  const result = diffSnapshots(left, right);
  // Like diff(1): a comparison that finds differences exits 1; it is a result, not an error.
  return { result, text: renderDiff(result, a, b ?? 'this machine', Boolean(flags.all)), exitCode: result.identical ? 0 : 1 };
}
