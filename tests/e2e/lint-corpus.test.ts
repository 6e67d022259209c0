// repro lint's precision and recall, measured on the determinism corpus (tests/fixtures/
// determinism-corpus: small scripts on numpy and scikit-learn, each with its declared cause, and
// clean controls) against ground truth from reruns: repro exec --verify on each. The ground truth
// is checked against each script's declared cause first, so the corpus says what it claims; then
// every finding is a true positive when exec --verify confirmed it, a false positive when its
// variation ran and changed nothing; every observed cause without a confirmed finding is a miss.
// The figures are written to .cache/lint-corpus.json (the note and docs/VERIFY.md quote them).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { ML_PYTHON, ML_REASON, SKIP_ML } from '../helpers/ml-python.js';
import { makeProject, tempDir } from '../helpers/project.js';
import { allowedCpus } from '../../src/snapshot/probe-os.js';

const CORPUS = path.join(REPO_ROOT, 'tests', 'fixtures', 'determinism-corpus');
const SCRIPTS = readdirSync(CORPUS).filter((f) => f.endsWith('.py')).sort();

/** Six parts of labelled rows: a folder whose listing order matters to the scripts that do not sort it. */
function data(): Record<string, string> {
  const out: Record<string, string> = {};
  for (let p = 0; p < 6; p++) {
    const rows = Array.from({ length: 12 }, (_, i) => {
      const label = (p + i) % 3;
      return `${[0, 1, 2, 3].map((j) => (label * 1.3 + j * 0.2 + ((p * 7 + i * 3 + j) % 11) / 10).toFixed(2)).join(',')},${label}`;
    });
    out[`data/part-${String.fromCharCode(97 + p)}.csv`] = `${rows.join('\n')}\n`;
  }
  return out;
}

describe.skipIf(SKIP_ML)(`repro lint against reruns: the determinism corpus${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  it(`${SCRIPTS.length} scripts: the ground truth matches each declared cause; precision and recall measured`, async () => {
    const cache = tempDir();
    const rows: Array<{ script: string; declared: string[]; observed: string[]; findings: Array<{ rule: string; variation: string; status: string }> }> = [];
    for (const script of SCRIPTS) {
      const source = readFileSync(path.join(CORPUS, script), 'utf8');
      const declared = /^# causes: (.+)$/m.exec(source)![1]!.split(/\s+/).filter((c) => c !== 'none');
      const root = await makeProject({ 'repro.yaml': 'name: corpus\nversion: 1.0.0\nentry_points:\n  main:\n    command: python main.py\noutputs: [out]\n', 'main.py': source, ...data() });
      const built = await runCli(['build', root, '--json'], { env: { REPRO_CACHE: cache } });
      expect(built.code, built.stderr).toBe(0);
      const r = await runCli(['exec', built.json().result.bundle, '--backend', 'local', '--python', ML_PYTHON!, '--verify', '--out', path.join(tempDir(), script), '--json'], { env: { REPRO_CACHE: cache } });
      expect([0, 1], `${script}: ${r.stderr.slice(-1500)}`).toContain(r.code);
      const report = r.json().result;
      expect(report.exitCode, script).toBe(0);
      const applied: string[] = report.variations.filter((v: { notApplicable: string | null }) => v.notApplicable === null).map((v: { id: string }) => v.id);
      const observed = [...new Set<string>([...report.outputs.flatMap((o: { changedBy: string[] }) => o.changedBy), ...(report.outputs.some((o: { verdict: string }) => o.verdict === 'unstable') ? ['control'] : [])])].sort();
      // The ground truth is the declared cause, where this machine can vary it.
      expect(observed, script).toEqual(declared.filter((c) => c === 'control' || applied.includes(c)).sort());
      rows.push({ script, declared, observed, findings: report.lint.findings.map((f: { rule: string; variation: string; status: string }) => ({ rule: f.rule, variation: f.variation, status: f.status })) });
    }
    const confirmed = rows.flatMap((r) => r.findings.filter((f) => f.status === 'confirmed'));
    const refuted = rows.flatMap((r) => r.findings.filter((f) => f.status === 'not observed'));
    const causes = rows.flatMap((r) => r.observed.map((c) => ({ script: r.script, cause: c, found: r.findings.some((f) => f.variation === c && f.status === 'confirmed') })));
    const precision = confirmed.length / (confirmed.length + refuted.length);
    const recall = causes.filter((c) => c.found).length / causes.length;
    const figures = {
      scripts: rows.length,
      cpus: allowedCpus().length,
      findings: confirmed.length + refuted.length,
      truePositives: confirmed.length,
      falsePositives: refuted.map((f, i) => ({ ...f, script: rows.find((r) => r.findings.includes(refuted[i]!))?.script })),
      observedCauses: causes.length,
      missed: causes.filter((c) => !c.found),
      precision,
      recall,
      rows,
    };
    mkdirSync(path.join(REPO_ROOT, '.cache'), { recursive: true });
    writeFileSync(path.join(REPO_ROOT, '.cache', 'lint-corpus.json'), `${JSON.stringify(figures, null, 2)}\n`);
    // The bait is what it claims: harmless code flagged, and causes no lint rule sees.
    expect(refuted.length).toBeGreaterThan(0);
    expect(figures.missed.map((m) => m.script)).toContain('dict_fromkeys_set.py');
    // Each clean control has no confirmed finding and nothing observed.
    for (const r of rows.filter((x) => x.declared.length === 0)) expect(r.observed, r.script).toEqual([]);
    expect(precision).toBeGreaterThanOrEqual(0.8);
    expect(recall).toBeGreaterThanOrEqual(0.7);
  }, 600_000);
});

describe('repro lint (the command)', () => {
  it('a directory and the bundle built from it give the same findings; exit 1 with findings, 0 without; --json', async () => {
    const root = await makeProject({ 'repro.yaml': 'name: l\nversion: 1.0.0\nentry_points:\n  main:\n    command: python3 main.py\n', 'main.py': 'import os\nfor f in os.listdir("."):\n    print(f)\n' });
    const dir = await runCli(['lint', root]);
    expect(dir.code).toBe(1);
    expect(dir.stdout).toContain('main.py:2  unsorted-listing  os.listdir() lists in the file system\'s order');
    expect(dir.stdout).toContain('fix: wrap the listing in sorted(); exposed by --vary order');
    const cache = tempDir();
    const built = await runCli(['build', root, '--json'], { env: { REPRO_CACHE: cache } });
    const fromBundle = await runCli(['lint', built.json().result.bundle, '--json'], { env: { REPRO_CACHE: cache } });
    expect(fromBundle.code).toBe(1);
    expect(fromBundle.json().result.findings.map((f: { file: string; line: number; rule: string }) => `${f.file}:${f.line} ${f.rule}`)).toEqual(['main.py:2 unsorted-listing']);
    const gh = await runCli(['lint', root, '--format', 'github']);
    expect(gh.stdout).toContain(`::warning file=${path.join(root, 'main.py').replace(/:/g, '%3A').replace(/,/g, '%2C')},line=2,title=repro lint%3A unsorted-listing::os.listdir() lists`);
    const clean = await makeProject({ 'main.py': 'import os\nfor f in sorted(os.listdir(".")):\n    print(f)\n' });
    const ok = await runCli(['lint', clean]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('1 Python file: no known source of nondeterminism\n');
  });
});
