// The batch script: the same plan gives the same bytes, every value the user or the bundle chose
// reaches the node as one word of text (bash itself checks), and nothing can add a line to it.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchScript, safeJobName, type BatchPlan } from '../../../src/slurm/script.js';
import { parseSlurmResources } from '../../../src/slurm/resources.js';
import { slurmTaskArgv, slurmTaskParams } from '../../../src/core/self-invocation.js';
import { tempDir } from '../../helpers/project.js';

const EVIL = `$(touch PWNED) \`touch PWNED2\` "; touch PWNED3 ' \\ \n#SBATCH --wrap=x * ~ {a,b} %a`;

function plan(over: Partial<BatchPlan> = {}): BatchPlan {
  return {
    jobName: safeJobName('iris'),
    jobDir: '/shared/runs/sweep-1',
    points: [{ dir: '/shared/runs/sweep-1/0', params: [['seed', '0']] }, { dir: '/shared/runs/sweep-1/1', params: [['seed', '1']] }],
    maxParallel: 4,
    resources: parseSlurmResources({ partition: 'gpu', time: '2:00:00', cpus: '4', mem: '16G', account: 'lab', qos: 'normal' }, 1),
    repro: ['/opt/node/bin/node', '/opt/repro/dist/cli/bin.js'],
    cache: '/shared/cache',
    staged: '/shared/cache/slurm/abc.repro.tar.zst',
    reference: null,
    contentDigest: 'sha256:abc',
    task: slurmTaskArgv({ contentDigest: 'sha256:abc', entry: 'main' }),
    ...over,
  };
}

describe('batchScript', () => {
  it('is deterministic: the same plan gives the same bytes', () => {
    expect(batchScript(plan())).toBe(batchScript(plan()));
    expect(batchScript(plan())).not.toBe(batchScript(plan({ maxParallel: 2 })));
  });

  it('writes the scheduler options as Slurm users write them', () => {
    const s = batchScript(plan());
    for (const line of ['#SBATCH --job-name=repro-iris', '#SBATCH --output="/shared/runs/sweep-1/logs/%a.out"', '#SBATCH --array=0-1%4', '#SBATCH --no-requeue', '#SBATCH --partition=gpu', '#SBATCH --time=2:00:00', '#SBATCH --cpus-per-task=4', '#SBATCH --mem=16G', '#SBATCH --gres=gpu:1', '#SBATCH --account=lab', '#SBATCH --qos=normal']) {
      expect(s.split('\n')).toContain(line);
    }
    const single = batchScript(plan({ points: [{ dir: '/shared/runs/slurm-1/0', params: [] }], resources: parseSlurmResources({}, null) }));
    expect(single).not.toContain('--array');
    expect(single).not.toContain('--gres');
    expect(single).toContain('#SBATCH --output="/shared/runs/sweep-1/logs/0.out"');
  });

  it('falls back to the registry reference when the staged bundle is not on the node, else says why', () => {
    expect(batchScript(plan({ reference: 'reg.example/iris@sha256:abc' }))).toContain("bundle=reg.example/iris@sha256:abc # not on a file system this node shares");
    expect(batchScript(plan())).toContain('REPRO_CACHE must be on a file system the nodes share');
  });

  it('shell injection: parameter values, entry names and paths full of shell syntax reach repro as single words', () => {
    const dir = tempDir();
    const argv = path.join(dir, 'argv.sh');
    // a stand-in for repro that prints each argument it got on its own NUL-terminated field
    writeFileSync(argv, '#!/bin/bash\nprintf "%s\\0" "$@"\n');
    chmodSync(argv, 0o755);
    mkdirSync(path.join(dir, 'job', 'logs'), { recursive: true });
    writeFileSync(path.join(dir, 'bundle'), '');
    const script = batchScript(plan({
      jobDir: path.join(dir, 'job'),
      points: [{ dir: path.join(dir, 'job', '0'), params: [['tag', EVIL]] }, { dir: path.join(dir, 'job', '1'), params: [['tag', 'plain']] }],
      repro: [argv],
      staged: path.join(dir, 'bundle'),
      task: slurmTaskArgv({ contentDigest: 'sha256:abc', entry: `main; touch PWNED4` }),
    }));
    writeFileSync(path.join(dir, 'batch.sh'), script);
    // what run-slurm writes beside it at submission: each task's -P arguments, fixed then the point's
    mkdirSync(path.join(dir, 'job', 'args'));
    writeFileSync(path.join(dir, 'job', 'args', '0'), slurmTaskParams([['note', EVIL], ['tag', EVIL]]));
    execFileSync('bash', [path.join(dir, 'batch.sh')], { cwd: dir, env: { PATH: process.env.PATH, SLURM_ARRAY_TASK_ID: '0' } });
    const args = readFileSync(path.join(dir, 'job', 'logs', '0.json'), 'utf8').split('\0').slice(0, -1);
    expect(args).toEqual(['exec', '--backend', 'local', '--require-sandbox', '--expect-digest', 'sha256:abc', '--out', path.join(dir, 'job', '0'), '--json', '-P', `note=${EVIL}`, '-P', `tag=${EVIL}`, '--', path.join(dir, 'bundle'), 'main; touch PWNED4']);
    for (const f of ['PWNED', 'PWNED2', 'PWNED3', 'PWNED4']) expect(() => readFileSync(path.join(dir, f))).toThrow();
    // no value reached a #SBATCH line
    expect(script.split('\n').filter((l) => l.startsWith('#SBATCH')).every((l) => !l.includes('wrap'))).toBe(true);
  });

  it('attack (issue 27, finding 6): a -P credential is never in the batch script slurmctld keeps; a task without its arguments file stops (exit 3)', () => {
    const secret = 'postgres://u:hunter2@db/x';
    const script = batchScript(plan({ points: [{ dir: '/shared/runs/sweep-1/0', params: [['db', secret]] }] }));
    expect(script).not.toContain('hunter2');
    expect(script).not.toContain('lr=0.1');
    expect(slurmTaskParams([['db', secret]]).toString()).toBe(`-P\0db=${secret}\0`);
    const dir = tempDir();
    mkdirSync(path.join(dir, 'job', 'logs'), { recursive: true });
    writeFileSync(path.join(dir, 'bundle'), '');
    writeFileSync(path.join(dir, 'batch.sh'), batchScript(plan({ jobDir: path.join(dir, 'job'), points: [{ dir: path.join(dir, 'job', '0'), params: [] }], repro: ['/bin/true'], staged: path.join(dir, 'bundle') })));
    const r = spawnSync('bash', [path.join(dir, 'batch.sh')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("the task's arguments file");
  });

  it('refuses a job directory that cannot be written on a #SBATCH line', () => {
    expect(() => batchScript(plan({ jobDir: '/shared/a"b' }))).toThrow(/cannot be written on a #SBATCH line/);
    expect(() => batchScript(plan({ jobDir: '/shared/100%' }))).toThrow(/#SBATCH/);
  });
});

describe('parseSlurmResources', () => {
  it('sbatch injection: a flag value with a line break or shell syntax is refused, never written to the script', () => {
    expect(() => parseSlurmResources({ partition: 'gpu\n#SBATCH --wrap=id' }, null)).toThrow(/not a value Slurm accepts/);
    expect(() => parseSlurmResources({ account: 'a;id' }, null)).toThrow(/--account/);
    expect(() => parseSlurmResources({ time: '1 hour' }, null)).toThrow(/--time/);
    expect(() => parseSlurmResources({ mem: '16 GB' }, null)).toThrow(/--mem/);
    expect(() => parseSlurmResources({ cpus: '0' }, null)).toThrow(/--cpus/);
    expect(() => parseSlurmResources({ slurmArg: ['--comment=a\nb'] }, null)).toThrow(/line break/);
  });

  it('accepts every time format sbatch documents', () => {
    for (const t of ['90', '30:00', '2:00:00', '1-12', '1-12:30', '1-12:30:00', 'UNLIMITED']) expect(parseSlurmResources({ time: t }, null).time).toBe(t);
  });

  it('passes --slurm-arg through verbatim, in order', () => {
    expect(parseSlurmResources({ slurmArg: ['--constraint=a100', '--exclusive', '--comment=two words'] }, null).extraArgs).toEqual(['--constraint=a100', '--exclusive', '--comment=two words']);
  });
});

describe('slurmTaskArgv with exec --verify', () => {
  it('the node runs the whole verification with the runs and the variations chosen at submission', () => {
    const argv = slurmTaskArgv({ contentDigest: 'sha256:abc', entry: 'main', verify: { runs: 3, vary: ['hashseed', 'tz'] } });
    const words = argv.filter((w): w is string => typeof w === 'string');
    expect(words.slice(words.indexOf('--verify'), words.indexOf('--verify') + 5)).toEqual(['--verify', '--runs', '3', '--vary', 'hashseed,tz']);
    expect(slurmTaskArgv({ contentDigest: 'sha256:abc', entry: 'main' })).not.toContain('--verify');
  });
});
