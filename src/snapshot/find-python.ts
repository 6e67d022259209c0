// Which Python of this machine is the snapshot's, decided once: a rerun's (the drift check
// describes it and the entry point runs it, local backend, in the sandbox or not; each Slurm task
// is a local exec), so the verdict is about the interpreter that ran; and build --vendor's (the
// wheels it fetches are the ones that interpreter installs). The rule, first that applies:
//   1. the user's --python;
//   2. a host interpreter of the snapshot's recorded version: the path the snapshot names when it
//      is a host program (hostInterpreter's rule: never a bundle's own file), then python3.X and
//      python3 on PATH, pyenv's versions, /usr/bin and /usr/local/bin's python3.X, uv-managed
//      Pythons; the exact version first, else the same major.minor;
//   3. python3 on PATH, said loudly (the drift check then reports the version it differs by).
// Each candidate is asked what it is (one short Python process); pyenv's shims are skipped (they
// pick a version from the caller's directory and do not run in the sandbox).
import { execFile } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { compareUtf8 } from '../core/utf8-order.js';
import { findOnPath } from './run-tool.js';
import { hostInterpreter } from './this-machine.js';

const run = promisify(execFile);

export interface PlannedInterpreter {
  /** The interpreter's path as found (a venv's bin/python stays a venv's). */
  path: string;
  /** What it reports: sys.version_info as X.Y.Z, or null when it could not be asked. */
  version: string | null;
  /** sys.prefix and sys.base_prefix: what the sandbox must let it read. */
  prefixes: string[];
  /** The interpreter a virtual environment was made from (itself when it is none): what a locked environment is made with. */
  base: string;
  /** How it was chosen. */
  chosenBy: 'option' | 'snapshot' | 'same-minor' | 'path';
  /** One line for the log and run.json: why this one. */
  reason: string;
}

const ASK = 'import json, sys; print(json.dumps({"version": "%d.%d.%d" % sys.version_info[:3], "prefix": sys.prefix, "base": sys.base_prefix, "executable": sys.executable, "base_executable": getattr(sys, "_base_executable", sys.executable)}))';
const ASK_TIMEOUT_MS = 10_000;
/** At most this many interpreters are asked before falling back: each is a process. */
const MAX_ASKED = 16;

interface Answer {
  version: string;
  prefixes: string[];
  base: string | null;
}

async function ask(python: string, env: Readonly<Record<string, string | undefined>>): Promise<Answer | null> {
  try {
    // A clean environment: no PYTHONPATH, PYTHONHOME or PYTHONSTARTUP of the caller decides the answer.
    const { stdout } = await run(python, ['-I', '-c', ASK], { timeout: ASK_TIMEOUT_MS, env: { PATH: env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } });
    const a = JSON.parse(stdout) as { version: string; prefix: string; base: string; base_executable?: string };
    return { version: a.version, prefixes: [...new Set([a.prefix, a.base])], base: typeof a.base_executable === 'string' && path.isAbsolute(a.base_executable) ? a.base_executable : null };
  } catch {
    return null;
  }
}

async function executable(file: string): Promise<boolean> {
  return fs.access(file, fsConstants.X_OK).then(() => true, () => false);
}

async function listDir(dir: string): Promise<string[]> {
  return (await fs.readdir(dir).catch(() => [] as string[])).sort(compareUtf8);
}

const minorOf = (v: string) => v.split('.').slice(0, 2).join('.');

/** PATH without version managers' shim folders (pyenv's pick a version by the caller's directory and do not run in the sandbox). */
const withoutShims = (pathVar: string | undefined) => (pathVar ?? '').split(path.delimiter).filter((d) => !d.endsWith(`${path.sep}shims`)).join(path.delimiter);

/** Where distributions and `make altinstall` put python3.X. */
export const SYSTEM_PYTHON_DIRS = ['/usr/bin', '/usr/local/bin'];

/** Where a Python of version `want` may be on this machine, most likely first, without duplicates. */
export async function candidates(want: string, env: Readonly<Record<string, string | undefined>>, systemDirs: readonly string[] = SYSTEM_PYTHON_DIRS): Promise<string[]> {
  const minor = minorOf(want);
  const home = env.HOME ?? os.homedir();
  const out: string[] = [];
  const names = [`python${minor}`, 'python3'];
  for (const dir of (withoutShims(env.PATH) ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const n of names) out.push(path.join(dir, n));
  }
  const pyenv = env.PYENV_ROOT ?? path.join(home, '.pyenv');
  for (const v of await listDir(path.join(pyenv, 'versions'))) if (v === want || v.startsWith(`${minor}.`)) out.push(path.join(pyenv, 'versions', v, 'bin', `python${minor}`));
  for (const dir of systemDirs) out.push(path.join(dir, `python${minor}`));
  const uvRoot = env.UV_PYTHON_INSTALL_DIR ?? path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'uv', 'python');
  for (const d of await listDir(uvRoot)) if (d.startsWith(`cpython-${minor}.`)) out.push(path.join(uvRoot, d, 'bin', `python${minor}`));
  // An exact version's own folder first (pyenv's 3.11.7, uv's cpython-3.11.7-...).
  const exact = (p: string) => p.includes(`${path.sep}${want}${path.sep}`) || p.includes(`cpython-${want}-`);
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const p of [...out.filter(exact), ...out.filter((p) => !exact(p))]) {
    if (seen.has(p) || !(await executable(p))) continue;
    seen.add(p);
    unique.push(p);
  }
  return unique;
}

export interface InterpreterRequest {
  /** The user's --python. */
  python?: string;
  /** The snapshot's interpreter: its version and the path it was at (a bundle wrote both: untrusted); `from` names another source of the version (python_env.yaml). */
  recorded: { version: string; executable: unknown; from?: string } | null;
  /** repro's cache (a recorded path inside it is a bundle's file, never run). */
  cacheDir: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Searched after PATH and pyenv (SYSTEM_PYTHON_DIRS unless given). */
  systemDirs?: readonly string[];
}

/** THE interpreter of a rerun (see the file's comment), or null when the project records no Python and none was asked for. */
export async function planInterpreter(request: InterpreterRequest): Promise<PlannedInterpreter | null> {
  const { env } = request;
  if (request.python !== undefined) {
    const answer = await ask(request.python, env);
    return { path: request.python, version: answer?.version ?? null, prefixes: answer?.prefixes ?? [], base: answer?.base ?? request.python, chosenBy: 'option', reason: `--python ${request.python}` };
  }
  const recorded = request.recorded;
  if (recorded === null) return null;
  const want = recorded.version;
  const own = await hostInterpreter(undefined, recorded.executable, request.cacheDir);
  const list = [...(own ? [own] : []), ...(await candidates(want, env, request.systemDirs)).filter((p) => p !== own)].slice(0, MAX_ASKED);
  let sameMinor: { path: string; answer: Answer } | null = null;
  for (const p of list) {
    const answer = await ask(p, env);
    if (answer === null) continue;
    if (answer.version === want) return { path: p, version: answer.version, prefixes: answer.prefixes, base: answer.base ?? p, chosenBy: 'snapshot', reason: `${recorded.from ?? 'the snapshot'}'s Python ${want}${p === own ? ', at the path it recorded' : ''}` };
    if (sameMinor === null && minorOf(answer.version) === minorOf(want)) sameMinor = { path: p, answer };
  }
  if (sameMinor) return { path: sameMinor.path, version: sameMinor.answer.version, prefixes: sameMinor.answer.prefixes, base: sameMinor.answer.base ?? sameMinor.path, chosenBy: 'same-minor', reason: `no Python ${want} here; ${sameMinor.answer.version} has ${recorded.from ?? 'the snapshot'}'s ${minorOf(want)}` };
  const fallback = await findOnPath('python3', withoutShims(env.PATH));
  const answer = fallback ? await ask(fallback, env) : null;
  return {
    path: fallback ?? 'python3',
    version: answer?.version ?? null,
    prefixes: answer?.prefixes ?? [],
    base: answer?.base ?? fallback ?? 'python3',
    chosenBy: 'path',
    reason: `no Python ${minorOf(want)} here (searched PATH, pyenv, /usr/bin, /usr/local/bin, uv's Pythons): python3 on PATH${answer ? ` is ${answer.version}` : ' could not be asked'}`,
  };
}
