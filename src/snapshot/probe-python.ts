// Python identity: which interpreter (--python, else the project's .venv, else python3 on
// PATH), its version and implementation, every installed distribution (importlib.metadata:
// no heavy imports), and, unless --no-import, what PyTorch / TensorFlow / JAX were built with.
// The framework imports run in their own process with their own time limit, so a slow
// `import torch` can never cost the package list.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool } from './run-tool.js';

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
  imports: boolean;
  timeoutMs: number;
  importTimeoutMs: number;
  env: Readonly<Record<string, string | undefined>>;
}

export function chooseInterpreter(projectDir: string, explicit?: string): { command: string; chosenBy: PythonContext['chosenBy'] } {
  if (explicit) return { command: explicit, chosenBy: 'option' };
  for (const rel of ['.venv/bin/python', '.venv/Scripts/python.exe']) {
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
  frameworks?: Record<string, FrameworkInfo>;
}

export function parseProbeOutput(stdout: string): ProbeDoc {
  const doc = JSON.parse(stdout) as ProbeDoc;
  if (typeof doc.version !== 'string' || typeof doc.packages !== 'object' || doc.packages === null) throw new Error('the probe printed JSON without version/packages');
  return doc;
}

export async function probePython(options: PythonProbeOptions): Promise<PythonProbeResult> {
  const { command, chosenBy } = chooseInterpreter(options.projectDir, options.python);
  const env = { ...options.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };
  const base = await runTool(command, [PROBE_SCRIPT], { timeoutMs: options.timeoutMs, env });
  if (!base.ok) return { identity: null, context: null, notes: [`python (${command}): ${base.reason}`] };
  let doc: ProbeDoc;
  try {
    doc = parseProbeOutput(base.stdout);
  } catch (err) {
    return { identity: null, context: null, notes: [`python (${command}) printed something unexpected: ${(err as Error).message}`] };
  }
  const identity: PythonIdentity = { version: doc.version, implementation: doc.implementation, packages: doc.packages };
  const notes: string[] = [];
  const hasFramework = ['torch', 'tensorflow', 'tensorflow-cpu', 'jax'].some((name) => name in doc.packages);
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
