// MLflow's own example and test projects (../shared/mlflow-compat/cases.json, computed with
// MLflow's MLproject code): `repro build` + `repro exec BUNDLE ENTRY -P ... --backend local`
// must run the command `mlflow run --env-manager local` runs, start the same programs with the
// same argv, and refuse where MLflow refuses (exit 2 or 3, nothing started). The programs
// (python, cat, wc, ...) are argv recorders on PATH, in a directory the sandbox is told to show
// (--expose: it shows nothing of the host outside /usr otherwise), and they report on stderr,
// which exec passes through.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../../helpers/cli.js';

const CASES_FILE = path.resolve(REPO_ROOT, '..', 'shared', 'mlflow-compat', 'cases.json');

interface Case {
  name: string;
  project: string;
  entry: string;
  params: string[];
  cwd_files: Record<string, string>;
  why: string;
  expected: { outcome: 'ran'; command: string; argv: string[][]; exit: number } | { outcome: 'refused'; error: string };
}
interface Cases {
  shims: string[];
  projects: Record<string, { source: string; files: Record<string, string> }>;
  cases: Case[];
}

const data = JSON.parse(readFileSync(CASES_FILE, 'utf8')) as Cases;
const work = mkdtempSync('/var/tmp/repro-mlflow-compat-');
const shims = path.join(work, 'bin');
mkdirSync(shims);
for (const name of data.shims) {
  const file = path.join(shims, name);
  // The recorder prints its own name and arguments as one JSON line on stderr, then exits 0.
  writeFileSync(file, `#!/bin/sh\nexec /usr/bin/python3 -c 'import json,sys; sys.stderr.write("ARGV " + json.dumps(sys.argv[1:]) + "\\n")' ${name} "$@"\n`);
  chmodSync(file, 0o755);
}
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
}

const builds = new Map<string, Promise<{ code: number | null; bundle: string | null; stderr: string }>>();

/** Each project is built once; cases share its bundle. */
function bundleOf(name: string): Promise<{ code: number | null; bundle: string | null; stderr: string }> {
  let p = builds.get(name);
  if (!p) {
    p = (async () => {
      const dir = path.join(work, 'projects', name);
      writeFiles(dir, data.projects[name]!.files);
      const r = await runCli(['build', dir, '--output', path.join(work, 'bundles', `${name}.repro.tar.zst`), '--json', '--no-progress'], { cwd: work });
      return { code: r.code, bundle: r.code === 0 ? (r.json().result.bundle as string) : null, stderr: r.stderr };
    })();
    builds.set(name, p);
  }
  return p;
}

describe("MLflow's own projects run as `mlflow run` runs them", () => {
  it('the shared case file is there, with all its cases', () => {
    expect(existsSync(CASES_FILE), `${CASES_FILE} (../shared beside the checkout)`).toBe(true);
    expect(data.cases.length).toBeGreaterThanOrEqual(72);
  });

  it.concurrent.each(data.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const cwd = path.join(work, 'cwd', c.name);
    mkdirSync(cwd, { recursive: true });
    writeFiles(cwd, c.cwd_files);
    const sub = (s: string) => s.replaceAll('@CWD@', cwd);
    const built = await bundleOf(c.project);
    if (built.code !== 0) {
      // MLflow refuses the whole project when it loads it: so does repro build.
      expect(c.expected.outcome, `build refused (${built.code}): ${built.stderr}`).toBe('refused');
      expect([2, 3]).toContain(built.code);
      return;
    }
    const args = ['exec', built.bundle!, c.entry, ...c.params.flatMap((p) => ['-P', sub(p)]), '--backend', 'local', '--expose', shims, '--json', '--no-progress', '--out', path.join(work, 'runs', c.name)];
    const r = await runCli(args, { cwd, env: { PATH: `${shims}:${process.env.PATH}` } });
    const started = r.stderr.split('\n').filter((l) => l.startsWith('ARGV ')).map((l) => JSON.parse(l.slice(5)) as string[]);
    if (c.expected.outcome === 'refused') {
      expect([2, 3], r.stderr).toContain(r.code);
      expect(started).toEqual([]);
      return;
    }
    expect(r.code, r.stderr).toBe(c.expected.exit);
    expect(r.json().result.command).toBe(sub(c.expected.command));
    const sorted = (a: string[][]) => [...a].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
    expect(sorted(started)).toEqual(sorted(c.expected.argv.map((argv) => argv.map(sub))));
  });
});
