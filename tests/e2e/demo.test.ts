// The README's first command runs examples/demo.sh: it must keep telling the whole story. Each
// step's evidence is checked in its output, in order: the snapshot, the proof of the rebuild,
// the rerun that reproduces, the flipped byte refused before anything runs, the other seed NOT
// reproduced with the outputs named.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

it('npm run demo tells the whole story on examples/iris', () => {
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'examples', 'demo.sh'), '--all'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` }, timeout: 300_000 });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const out = r.stdout;
  const steps = [
    /== 1\. repro snapshot[^\n]*\n[\s\S]*python +3\.\d+\.\d+ \(CPython\)/,
    /verified: reproducible\. Rebuilt from a copy under 8 variations/,
    /provenance +statement bundles\/iris-demo-0\.1\.0\.provenance\.json/,
    /== 3\.[\s\S]*reproduced: every output matches the reference run/,
    /== 4\.[\s\S]*E_INTEGRITY[\s\S]*exit 4; ran: nothing/,
    /== 5\.[\s\S]*NOT reproduced: 2 of 2 outputs \(under another seed: parameter seed 7 vs 0\)\n  outputs\/model\.pkl  different \([^\n]*\)\n  outputs\/metrics\.json  different[^\n]*\n      line \d+: - [^\n]*\n      line \d+: \+ [^\n]*\nexit 1/,
    /== more on this machine\n(Docker|Docker:)[\s\S]*(Registry|registry)[\s\S]*Slurm/,
  ];
  let at = 0;
  for (const step of steps) {
    const m = step.exec(out.slice(at));
    expect(m, `${step} after offset ${at} in:\n${out}`).not.toBeNull();
    at += m!.index + m![0].length;
  }
});
