// Python identity: which interpreter (--python, else the project's .venv, else python3 on
// PATH), its version and implementation, every installed distribution (importlib.metadata:
// no heavy imports), and, unless --no-import, what PyTorch / TensorFlow / JAX were built with.
// The framework imports run in their own process with their own time limit, so a slow
// `import torch` can never cost the package list.
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../core/atomic-write.js';
import { findOnPath, runTool } from './run-tool.js';

export const PROBE_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates', 'python-probe.py');

export interface FrameworkInfo {
  version?: string;
  cuda?: string | null;
  cudnn?: number | string | null;
  [key: string]: unknown;
}

export interface PythonIdentity {
  version: string;
  implementation: string;
  /** Distribution name (normalized, PEP 503) -> version. */
  packages: Record<string, string>;
  /** Present when frameworks were probed; absent with --no-import. */
  frameworks?: Record<string, FrameworkInfo>;
}

export interface PythonContext {
  executable: string;
  prefix: string;
  chosenBy: 'option' | 'venv' | 'path';
}

export interface PythonProbeResult {
  identity: PythonIdentity | null;
  context: PythonContext | null;
  notes: string[];
}

export interface PythonProbeOptions {
  projectDir: string;
  python?: string;
  /**
   * Whether the project's own .venv may be the interpreter (default true). exec's drift check
   * says false: a bundle's .venv/bin/python is the bundle's code, and must never run on the host.
   */
  projectVenv?: boolean;
  imports: boolean;
  timeoutMs: number;
  importTimeoutMs: number;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Reuse an earlier package listing from this directory while the interpreter and every
   * sys.path directory keep their mtimes (installing or removing a distribution changes its
   * directory's). exec's drift check uses it; `repro snapshot` always asks Python.
   */
  cacheDir?: string;
}

export function chooseInterpreter(projectDir: string, explicit?: string, projectVenv = true): { command: string; chosenBy: PythonContext['chosenBy'] } {
  if (explicit) return { command: explicit, chosenBy: 'option' };
  if (projectVenv) for (const rel of ['.venv/bin/python', '.venv/Scripts/python.exe']) {
    const candidate = path.join(projectDir, rel);
    if (existsSync(candidate)) return { command: candidate, chosenBy: 'venv' };
  }
  return { command: 'python3', chosenBy: 'path' };
}

interface ProbeDoc {
  executable: string;
  version: string;
  implementation: string;
  prefix: string;
  packages: Record<string, string>;
  paths?: string[];
  frameworks?: Record<string, FrameworkInfo>;
}

export function parseProbeOutput(stdout: string): ProbeDoc {
  const doc = JSON.parse(stdout) as ProbeDoc;
  if (typeof doc.version !== 'string' || typeof doc.packages !== 'object' || doc.packages === null) throw new Error('the probe printed JSON without version/packages');
  return doc;
}

export async function probePython(options: PythonProbeOptions): Promise<PythonProbeResult> {
  const { command, chosenBy } = chooseInterpreter(options.projectDir, options.python, options.projectVenv ?? true);
  const env = { ...options.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };
  const cacheFile = options.cacheDir ? await probeCacheFile(options.cacheDir, command, options.env) : null;
  let doc: ProbeDoc | null = cacheFile ? await readProbeCache(cacheFile) : null;
  if (!doc) {
    const base = await runTool(command, [PROBE_SCRIPT], { timeoutMs: options.timeoutMs, env });
    if (!base.ok) return { identity: null, context: null, notes: [`python (${command}): ${base.reason}`] };
    try {
      doc = parseProbeOutput(base.stdout);
    } catch (err) {
      return { identity: null, context: null, notes: [`python (${command}) printed something unexpected: ${(err as Error).message}`] };
    }
    if (cacheFile) await writeProbeCache(cacheFile, doc);
  }
  const identity: PythonIdentity = { version: doc.version, implementation: doc.implementation, packages: doc.packages };
  const notes: string[] = [];
  // numpy too: its BLAS (library, kernels picked for this CPU, threads) decides how sums round.
  const hasFramework = ['numpy', 'torch', 'tensorflow', 'tensorflow-cpu', 'jax'].some((name) => name in doc.packages);
  if (options.imports && hasFramework) {
    const fw = await runTool(command, [PROBE_SCRIPT, '--frameworks'], { timeoutMs: options.importTimeoutMs, env });
    if (fw.ok) {
      try {
        identity.frameworks = parseProbeOutput(fw.stdout).frameworks ?? {};
      } catch (err) {
        notes.push(`python frameworks: ${(err as Error).message}`);
      }
    } else {
      notes.push(`python frameworks: ${fw.reason}`);
    }
  }
  return { identity, context: { executable: doc.executable, prefix: doc.prefix, chosenBy }, notes };
}

interface ProbeCache {
  stamps: Array<[string, number | null]>;
  doc: ProbeDoc;
}

async function mtimeOf(file: string): Promise<number | null> {
  return fs.stat(file).then((s) => s.mtimeMs).catch(() => null);
}

async function probeCacheFile(dir: string, command: string, env: Readonly<Record<string, string | undefined>>): Promise<string | null> {
  const resolved = command.includes('/') ? command : await findOnPath(command, env.PATH);
  if (!resolved) return null;
  const real = await fs.realpath(resolved).catch(() => resolved);
  const script = await fs.readFile(PROBE_SCRIPT).catch(() => Buffer.alloc(0));
  const key = createHash('sha256')
    .update([real, resolved, env.PYTHONPATH ?? '', env.PYTHONHOME ?? '', env.VIRTUAL_ENV ?? '', env.PYTHONNOUSERSITE ?? '', env.HOME ?? ''].join('\0'))
    .update(script)
    .digest('hex');
  return path.join(dir, `${key}.json`);
}

async function stampsFor(executable: string, paths: readonly string[]): Promise<Array<[string, number | null]>> {
  const files = [executable, ...paths];
  return Promise.all(files.map(async (f) => [f, await mtimeOf(f)] as [string, number | null]));
}

async function readProbeCache(file: string): Promise<ProbeDoc | null> {
  try {
    const cached = JSON.parse(await fs.readFile(file, 'utf8')) as ProbeCache;
    const now = await stampsFor(cached.doc.executable, cached.doc.paths ?? []);
    return JSON.stringify(now) === JSON.stringify(cached.stamps) ? cached.doc : null;
  } catch {
    return null;
  }
}

async function writeProbeCache(file: string, doc: ProbeDoc): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const entry: ProbeCache = { stamps: await stampsFor(doc.executable, doc.paths ?? []), doc };
    await writeFileAtomic(file, JSON.stringify(entry));
  } catch {
    // a cache that cannot be written costs only time
  }
}
