// `repro exec BUNDLE [ENTRY]`: verify, check the machine, run, record, compare.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ReproError } from '../../core/errors.js';
import { runExec, type ExecResult } from '../../exec/exec.js';
import { parseParamFlags } from '../../project/render.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { parseBackend, parseLimits, type LimitFlags } from '../parse.js';
import { renderExec } from '../render/exec.js';
import { resolveBundleArg } from '../bundle-arg.js';
import { parseSweep, runSweep, type SweepSummary } from '../../exec/sweep.js';
import { renderSweep } from '../render/sweep.js';

export interface ExecFlags extends LimitFlags {
  param?: string[];
  backend?: string;
  out?: string;
  strict?: boolean;
  network?: string;
  python?: string;
  expectReproduced?: boolean;
  sandbox?: boolean;
  env?: string[];
  attach?: boolean;
  sweep?: string[];
  maxParallel?: string;
}

export function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export async function execCommand(bundle: string, entry: string | undefined, flags: ExecFlags, io: CliIo): Promise<CommandOutcome<(ExecResult & { attached?: { digest: string; tag: string | null; referrersApi: boolean } }) | (SweepSummary & { dir: string })>> {
  const backend = parseBackend(flags.backend);
  const limits = parseLimits(flags);
  // With --json, stdout holds only the result: the entry point's output goes to stderr.
  const out = io.json ? io.streams.stderr : io.streams.stdout;
  if (flags.sweep?.length) return sweepCommand(bundle, entry, flags, io);
  const resolved = await resolveBundleArg(bundle, io.ctx);
  const { file } = resolved;
  if (flags.attach && !resolved.manifest) {
    throw new ReproError('E_USAGE', '--attach records the run beside a bundle in a registry: pass a reference (REGISTRY/REPO:TAG or …@sha256:…), not a file', { hint: 'repro push the bundle first, then repro exec REF --attach.', details: { bundle } });
  }
  const result = await runExec(
    {
      bundle: file,
      ...(resolved.reference ? { reference: resolved.reference } : {}),
      entry,
      params: parseParamFlags(flags.param ?? []),
      backend,
      out: flags.out,
      strict: flags.strict,
      network: flags.network,
      python: flags.python,
      sandbox: flags.sandbox,
      passEnv: flags.env,
      limits,
      runId: newRunId(io.ctx.now()),
      user: `${io.caller.uid}:${io.caller.gid}`,
      stdout: out,
      stderr: io.streams.stderr,
    },
    io.ctx,
  );
  const verdict = result.reproduced;
  const failedRun = result.exitCode !== 0;
  const mismatch = Boolean(flags.expectReproduced && verdict && !verdict.reproduced);
  if (flags.expectReproduced && !verdict) {
    throw new ReproError('E_INPUT', 'the bundle carries no reference run to compare with', { hint: 'Build it with `repro build --with-run RUN_DIR`.', details: { bundle } });
  }
  let text = renderExec(result, io.ctx.cwd);
  let attached: { digest: string; tag: string | null; referrersApi: boolean } | null = null;
  if (flags.attach && resolved.manifest && resolved.reference) {
    const { attachRun } = await import('../../registry/ledger.js');
    const { parseReference } = await import('../../registry/reference.js');
    const runJson = await fs.readFile(path.join(result.runDir, 'run.json'));
    attached = await attachRun(parseReference(resolved.reference)!, resolved.manifest, runJson, result, io.ctx);
    text += `attached to ${resolved.reference} as ${attached.digest}\n`;
  }
  // The entry point's own exit status comes first; then --expect-reproduced's verdict (1).
  return { result: attached ? { ...result, attached } : result, text, exitCode: failedRun ? result.exitCode : mismatch ? 1 : 0 };
}

/** `exec --sweep`: one run per point, a summary table, summary.json; exit 1 unless every point succeeded. */
async function sweepCommand(bundle: string, entry: string | undefined, flags: ExecFlags, io: CliIo): Promise<CommandOutcome<SweepSummary & { dir: string }>> {
  if (flags.attach) throw new ReproError('E_USAGE', '--attach is not available with --sweep yet', { hint: 'Attach single runs, or read summary.json.', details: {} });
  const maxParallel = flags.maxParallel === undefined ? 1 : Number(flags.maxParallel);
  if (!Number.isInteger(maxParallel) || maxParallel < 1) throw new ReproError('E_USAGE', `--max-parallel expects a positive integer, got ${JSON.stringify(flags.maxParallel)}`, { details: { value: flags.maxParallel } });
  const resolved = await resolveBundleArg(bundle, io.ctx);
  const out = io.json ? io.streams.stderr : io.streams.stdout;
  const summary = await runSweep(
    {
      exec: {
        bundle: resolved.file,
        ...(resolved.reference ? { reference: resolved.reference } : {}),
        entry,
        params: parseParamFlags(flags.param ?? []),
        backend: parseBackend(flags.backend),
        strict: flags.strict,
        network: flags.network,
        python: flags.python,
        sandbox: flags.sandbox,
        passEnv: flags.env,
        limits: parseLimits(flags),
        user: `${io.caller.uid}:${io.caller.gid}`,
        stdout: out,
        stderr: io.streams.stderr,
      },
      axes: (flags.sweep ?? []).map(parseSweep),
      sweepId: newRunId(io.ctx.now()),
      out: flags.out,
      maxParallel,
    },
    io.ctx,
  );
  return { result: summary, text: renderSweep(summary, io.ctx.cwd), exitCode: summary.failed === 0 ? 0 : 1 };
}
