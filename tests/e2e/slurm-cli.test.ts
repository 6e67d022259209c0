// exec's Slurm flags through the built binary, without a cluster: what is refused before
// anything is asked of Slurm, and --dry-run, which needs no Slurm at all.
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
