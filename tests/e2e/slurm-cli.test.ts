// exec's Slurm flags through the built binary, without a cluster: what is refused before
// anything is asked of Slurm, and --dry-run, which needs no Slurm at all.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { buildWithCli } from '../helpers/build.js';
import { tempDir } from '../helpers/project.js';

const bundle = () => buildWithCli({ 'repro.yaml': 'name: flags\nversion: 1.0.0\nentry_points:\n  main:\n    command: "echo {seed}"\n    parameters:\n      seed: {type: int, default: 0}\n' });

describe('repro exec --backend slurm: flags', () => {
  it('Slurm flags without --backend slurm, and --no-sandbox with it, are usage errors (exit 2)', async () => {
    const b = await bundle();
    const a = await runCli(['exec', b, '--partition', 'gpu', '--time', '10', '--json']);
    expect(a.code).toBe(2);
    expect(a.json().error.message).toBe('--partition, --time only mean something with --backend slurm');
    const n = await runCli(['exec', b, '--backend', 'slurm', '--no-sandbox', '--json']);
    expect(n.code).toBe(2);
    expect(n.json().error.message).toContain('--no-sandbox cannot be combined with --backend slurm');
  });

  it('sbatch injection: a flag value that is not what Slurm accepts is refused before any script is written', async () => {
    const b = await bundle();
    const r = await runCli(['exec', b, '--backend', 'slurm', '--partition', 'gpu\n#SBATCH --wrap=id', '--dry-run', '--json', '--out', path.join(tempDir(), 'j')]);
    expect(r.code).toBe(2);
    expect(r.json().error.message).toMatch(/--partition .* is not a value Slurm accepts/);
  });

  it('a badly typed sweep value fails (exit 2) before anything is submitted', async () => {
    const b = await bundle();
    const r = await runCli(['exec', b, '--backend', 'slurm', '--sweep', 'seed=1,x', '--json', '--out', path.join(tempDir(), 'j')], { env: { SLURM_CONF: '/nonexistent' } });
    expect(r.code).toBe(2);
    expect(r.json().error.message).toMatch(/seed/);
  });

  it('hostile bundle on a node without bubblewrap: --require-sandbox (what every Slurm task passes) refuses to run it unconfined', async () => {
    const b = await buildWithCli({ 'repro.yaml': 'name: unconfined\nversion: 1.0.0\nentry_points:\n  main:\n    command: "/usr/bin/touch ran.txt"\noutputs:\n  - ran.txt\n' });
    const env = { PATH: '/nonexistent' }; // no bwrap to be found
    const refused = path.join(tempDir(), 'refused');
    const r = await runCli(['exec', b, '--backend', 'local', '--require-sandbox', '--out', refused, '--json'], { env });
    expect(r.code).toBe(5);
    expect(r.json().error.message).toMatch(/^no sandbox here \(bubblewrap \(bwrap\) is not installed.*--require-sandbox refuses to run the entry point unconfined$/);
    expect(existsSync(refused)).toBe(false);
    // without it, --backend local runs unconfined (with a warning), as it always has
    const ran = path.join(tempDir(), 'ran');
    const u = await runCli(['exec', b, '--backend', 'local', '--out', ran, '--json'], { env });
    expect(u.code, u.stderr).toBe(0);
    expect(existsSync(path.join(ran, 'project', 'ran.txt'))).toBe(true);
    const both = await runCli(['exec', b, '--require-sandbox', '--no-sandbox', '--json'], { env });
    expect(both.code).toBe(2);
  });

  it('--dry-run needs no Slurm: it prints the sbatch command and the script', async () => {
    const b = await bundle();
    const out = path.join(tempDir(), 'j');
    const r = await runCli(['exec', b, '--backend', 'slurm', '--sweep', 'seed=0..3', '--max-parallel', '2', '--qos', 'long', '--out', out, '--dry-run', '--json'], { env: { PATH: '/usr/bin:/bin' } });
    expect(r.code, r.stderr).toBe(0);
    const res = r.json().result;
    expect(res.sbatch).toEqual(['sbatch', '--parsable', `${out}/batch.sh`]);
    expect(res.script).toContain('#SBATCH --array=0-3%2');
    expect(res.script).toContain('#SBATCH --qos=long');
  });
});
