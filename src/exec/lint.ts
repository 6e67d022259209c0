// repro lint: the project's Python parsed by a real parser (the interpreter's own ast, in the
// bubblewrap sandbox with no network and the project read-only; the project is never imported),
// then judged by lint-rules.ts against what the snapshot says is installed. Used by `repro lint`
// and by exec --verify, which marks each finding confirmed or not observed.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { cacheRoot } from '../core/cache-root.js';
import type { ProjectManifest } from '../project/types.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { planInterpreter } from '../snapshot/find-python.js';
import { findOnPath } from '../snapshot/run-tool.js';
import { judge, type LintFinding, type ParsedProject } from './lint-rules.js';
import { runLocal } from './run-local.js';
import { findSandbox, sandboxInvocation } from './sandbox.js';

const LINT_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates', 'lint-determinism.py');

/** Folders never linted: tools', environments' and build outputs' (a venv is found by its pyvenv.cfg). */
const SKIPPED_DIRS = new Set(['.git', '.hg', 'node_modules', '__pycache__', '.repro', '.tox', '.nox', '.mypy_cache', '.pytest_cache', 'site-packages', '.cache', 'build', 'dist']);
/** At most this many Python files are parsed. */
export const MAX_LINT_FILES = 5000;
/** How long the parser may take. */
const LINT_TIMEOUT_MS = 120_000;
/** The most the parser's JSON may be. */
const MAX_OUTPUT = 16 << 20;

export interface LintReport {
  kind: 'repro-lint';
  schemaVersion: 1;
  /** Python files parsed, and those that could not be (a syntax error, too large). */
  files: number;
  unparsed: Array<{ file: string; why: string }>;
  /** More Python files than MAX_LINT_FILES were found: the first ones were parsed. */
  truncated: boolean;
  findings: LintFinding[];
  /** Where the parser ran: bubblewrap, or unconfined when no sandbox works here (said in the log). */
  sandbox: 'bubblewrap' | 'none';
  /** What decided which rules apply. */
  context: { packages: Record<string, string>; cuda: string | null; gpuProject: boolean };
}

/** The project's Python files, relative, sorted; environments and tool folders left out. */
export async function pythonFiles(root: string): Promise<{ files: string[]; truncated: boolean }> {
  const files: string[] = [];
  let truncated = false;
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    if (rel && entries.some((e) => e.name === 'pyvenv.cfg')) return;
    for (const e of entries) {
      if (files.length >= MAX_LINT_FILES) {
        truncated = true;
        return;
      }
      const sub = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !SKIPPED_DIRS.has(e.name)) await walk(path.join(dir, e.name), sub);
      else if (e.isFile() && /\.pyw?$/.test(e.name)) files.push(sub);
    }
  };
  await walk(root, '');
  return { files, truncated };
}

export interface LintRequest {
  projectDir: string;
  snapshot: Snapshot | null;
  manifest: ProjectManifest | null;
  /** The interpreter whose ast parses the files (default: python3 here). */
  python?: string;
}

/** What the snapshot and manifest say: installed packages, CUDA, a GPU project. */
export function lintContext(snapshot: Snapshot | null, manifest: ProjectManifest | null): LintReport['context'] & { env: Record<string, string> } {
  const gpu = snapshot?.identity.gpu ?? null;
  const packages = Object.fromEntries(Object.entries(snapshot?.identity.python?.packages ?? {}).map(([k, v]) => [k.toLowerCase().replace(/[-_.]+/g, '-'), String(v)]));
  // The toolkit's version when installed, else the newest CUDA the driver runs.
  const cuda = gpu?.toolkit.nvcc ?? gpu?.toolkit.versionJson ?? gpu?.cudaDriver ?? null;
  return { packages, cuda, gpuProject: Boolean(manifest?.gpu?.required) || (gpu?.count ?? 0) > 0, env: manifest?.env ?? {} };
}

export async function lintProject(request: LintRequest, ctx: Context): Promise<LintReport> {
  const { files, truncated } = await pythonFiles(request.projectDir);
  const context = lintContext(request.snapshot, request.manifest);
  const base = { kind: 'repro-lint' as const, schemaVersion: 1 as const, truncated, context: { packages: context.packages, cuda: context.cuda, gpuProject: context.gpuProject } };
  if (files.length === 0) return { ...base, files: 0, unparsed: [], findings: [], sandbox: 'none' };
  const { parsed, sandbox } = await parse(request.projectDir, files, request.python, ctx);
  return { ...base, files: parsed.files, unparsed: parsed.unparsed, findings: judge(parsed, context), sandbox };
}

/** Runs the parser over the files: in bubblewrap (the project read-only, no network), else unconfined with a warning (it only parses). */
async function parse(projectDir: string, files: string[], python: string | undefined, ctx: Context): Promise<{ parsed: ParsedProject; sandbox: LintReport['sandbox'] }> {
  // The system's python3 first: a version manager's shim on PATH (pyenv) does not run in the sandbox.
  const system = ['/usr/bin/python3', '/bin/python3'].find((p) => existsSync(p));
  const interpreter = await planInterpreter({ python: python ?? system ?? (await findOnPath('python3', ctx.env.PATH ?? '/usr/bin:/bin')) ?? 'python3', recorded: null, cacheDir: cacheRoot(ctx.env), env: ctx.env });
  if (!interpreter || interpreter.version === null) throw new ReproError('E_ENV', `repro lint needs a Python to parse with: ${python ?? 'python3'} did not answer`, { hint: 'Install python3, or pass --python PATH.', details: { python: python ?? 'python3' } });
  const sandbox = await findSandbox(ctx.env);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'repro-lint-'));
  const out: Buffer[] = [];
  let size = 0;
  const err: Buffer[] = [];
  const sink = (into: Buffer[], bound: boolean) =>
    new Writable({
      write(chunk: Buffer, _e, done) {
        size += bound ? chunk.length : 0;
        if (!bound || size <= MAX_OUTPUT) into.push(Buffer.from(chunk));
        done();
      },
    });
  try {
    const command = `"$PY" -I -S -B "$LINTER" "$PROJECT"`;
    const env = { PATH: '/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8', PY: interpreter.path, LINTER: LINT_SCRIPT, PROJECT: projectDir };
    const stdin = Readable.from([`${files.join('\n')}\n`]);
    let run: { exitCode: number };
    if ('bwrap' in sandbox) {
      const inv = sandboxInvocation(sandbox.bwrap, { runDir: scratch, workDir: scratch, network: 'none', env, shell: ['/bin/sh'], command, readPaths: [projectDir, LINT_SCRIPT], interpreter });
      run = await runLocal({ argv: inv.argv, command, cwd: scratch, env: inv.env, fds: inv.fds, stdout: sink(out, true), stderr: sink(err, false), timeLimitMs: LINT_TIMEOUT_MS, stdin });
    } else {
      ctx.log.warn(`lint: no sandbox here (${sandbox.reason}): the parser runs unconfined; it only parses (ast), never imports the project`);
      run = await runLocal({ argv: ['/bin/sh', '-c', command], command, cwd: scratch, env, stdout: sink(out, true), stderr: sink(err, false), timeLimitMs: LINT_TIMEOUT_MS, stdin });
    }
    const tail = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-5).join('\n');
    if (run.exitCode !== 0 || size > MAX_OUTPUT) throw new ReproError('E_ENV', `the lint parser failed (exit ${run.exitCode}${size > MAX_OUTPUT ? ', output too large' : ''})${tail ? `: ${tail}` : ''}`, { hint: 'Pass --python with another interpreter (3.8 or later).', details: { python: interpreter.path, exitCode: run.exitCode } });
    return { parsed: JSON.parse(Buffer.concat(out).toString('utf8')) as ParsedProject, sandbox: 'bwrap' in sandbox ? 'bubblewrap' : 'none' };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
