// `repro exec BUNDLE [ENTRY]`: verify, check the machine, run, record, compare.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ReproError } from '../../core/errors.js';
import { runExec, type ExecResult } from '../../exec/exec.js';
import { parseParamFlags } from '../../project/render.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { parseLimits, type LimitFlags } from '../limits.js';

export interface ExecFlags extends LimitFlags {
  param?: string[];
  backend?: string;
  out?: string;
  strict?: boolean;
  network?: string;
  python?: string;
  expectReproduced?: boolean;
}

export function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export async function execCommand(bundle: string, entry: string | undefined, flags: ExecFlags, io: CliIo, caller: { uid: number; gid: number }): Promise<CommandOutcome<ExecResult>> {
  if (flags.backend !== undefined && flags.backend !== 'docker' && flags.backend !== 'local') {
    throw new ReproError('E_USAGE', `unknown backend ${JSON.stringify(flags.backend)}`, { hint: 'Use --backend docker or --backend local.', details: { backend: flags.backend } });
  }
  const limits = parseLimits(flags);
  // With --json, stdout holds only the result: the entry point's output goes to stderr.
  const out = io.json ? io.streams.stderr : io.streams.stdout;
  const result = await runExec(
    {
      bundle,
      entry,
      params: parseParamFlags(flags.param ?? []),
      backend: flags.backend as 'docker' | 'local' | undefined,
      out: flags.out,
      strict: flags.strict,
      network: flags.network,
      python: flags.python,
      limits,
      runId: newRunId(io.ctx.now()),
      user: `${caller.uid}:${caller.gid}`,
      stdout: out,
      stderr: io.streams.stderr,
    },
    io.ctx,
  );
  const verdict = result.reproduced;
  let text = `run ${result.runId}: ${result.backend}, exit ${result.exitCode}, ${(result.durationMs / 1000).toFixed(2)} s\n  record  ${path.relative(io.ctx.cwd, path.join(result.runDir, 'run.json'))}\n`;
  for (const o of result.outputs) text += `  output  ${o.path}  ${o.sha256 ? `sha256:${o.sha256.slice(0, 16)}… (${o.size} B)` : 'missing'}\n`;
  if (verdict) {
    text += verdict.reproduced ? 'reproduced: every output matches the reference run\n' : 'NOT reproduced:\n';
    for (const o of verdict.outputs) if (!verdict.reproduced || o.verdict !== 'identical') text += `  ${o.path}  ${o.verdict}${o.maxDifference ? ` (max |Δ| ${o.maxDifference.value} at ${o.maxDifference.at})` : ''}\n`;
  }
  const failedRun = result.exitCode !== 0;
  const mismatch = Boolean(flags.expectReproduced && verdict && !verdict.reproduced);
  if (flags.expectReproduced && !verdict) {
    throw new ReproError('E_INPUT', 'the bundle carries no reference run to compare with', { hint: 'Build it with `repro build --with-run RUN_DIR`.', details: { bundle } });
  }
  return { result, text, exitCode: failedRun ? result.exitCode : mismatch ? 1 : 0 };
}
