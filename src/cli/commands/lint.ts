// `repro lint [DIR|BUNDLE]`: the known sources of nondeterminism in the project's Python, each
// with the file and line, why it makes runs differ, the fix, and the exec --verify variation that
// would expose it. A bundle is verified and extracted first (it is hostile input); its snapshot
// decides which rules apply. Exit 1 when there are findings.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_PREFIX } from '../../bundle/layout.js';
import { cacheRoot } from '../../core/cache-root.js';
import { lintProject, type LintReport } from '../../exec/lint.js';
import { readBundleSnapshot } from '../../exec/drift.js';
import { loadProjectManifest } from '../../project/load.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { renderLint } from '../render/lint.js';
import { resolveBundleArg } from '../bundle-arg.js';

export interface LintFlags {
  python?: string;
}

export async function lintCommand(target: string | undefined, flags: LintFlags, io: CliIo): Promise<CommandOutcome<LintReport & { target: string; dirTarget: boolean }>> {
  const given = target ?? '.';
  const abs = path.resolve(io.ctx.cwd, given);
  let report: LintReport;
  const dirTarget = existsSync(abs) && statSync(abs).isDirectory();
  if (dirTarget) {
    // The project's own snapshot (repro snapshot writes it where a bundle carries it).
    const snapshot = await readBundleSnapshot(abs);
    report = await lintProject({ projectDir: abs, snapshot, manifest: await loadProjectManifest(abs), ...(flags.python ? { python: flags.python } : {}) }, io.ctx);
  } else {
    // A bundle (file or reference): verified while it is extracted, never linted from its bytes.
    const resolved = await resolveBundleArg(given, io.ctx);
    const { openCachedBundle } = await import('../../exec/cache.js');
    const cached = await openCachedBundle(resolved.file, cacheRoot(io.ctx.env), { log: io.ctx.log, nowMs: io.ctx.now().getTime() });
    const projectDir = path.join(cached.dir, PROJECT_PREFIX);
    report = await lintProject({ projectDir, snapshot: await readBundleSnapshot(projectDir), manifest: cached.manifest.project, ...(flags.python ? { python: flags.python } : {}) }, io.ctx);
  }
  const result = { ...report, target: given, dirTarget };
  return { result, text: renderLint(result), exitCode: report.findings.length === 0 ? 0 : 1 };
}
