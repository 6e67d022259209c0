// The bubblewrap argument list: what the sandbox shows the entry point, and what it never shows.
import { describe, expect, it } from 'vitest';
import { sandboxArgs } from '../../../src/exec/sandbox.js';
import { readMlproject } from '../../../src/project/read-mlproject.js';
import { renderCommand } from '../../../src/project/render.js';

const base = { runDir: '/tmp/run', workDir: '/tmp/run/project', network: 'none', env: { PATH: '/usr/bin' }, command: 'python x.py', readPaths: [] as string[] };

describe('sandboxArgs', () => {
  it('runs MLflow commands under bash and repro.yaml ones under /bin/sh', () => {
    expect(sandboxArgs({ ...base, shell: ['bash', '-c'] }, '/home/me').slice(-3)).toEqual(['bash', '-c', 'python x.py']);
    expect(sandboxArgs({ ...base, shell: ['/bin/sh', '-c'] }, '/home/me').slice(-3)).toEqual(['/bin/sh', '-c', 'python x.py']);
  });

  it('binds what the user named read-only, after the homes and /tmp are hidden', () => {
    const args = sandboxArgs({ ...base, shell: ['bash', '-c'], readPaths: ['/home/me/data.csv'] }, '/home/me');
    const bind = args.indexOf('--ro-bind', 1);
    expect(args.slice(bind, bind + 3)).toEqual(['--ro-bind', '/home/me/data.csv', '/home/me/data.csv']);
    expect(bind).toBeGreaterThan(args.lastIndexOf('--tmpfs'));
  });

  it('hostile bundle: a path default naming a host secret is never bound into the sandbox', () => {
    const m = readMlproject('entry_points:\n  main:\n    parameters:\n      key: {type: path, default: /etc/passwd}\n    command: "cat {key}"\n', '/');
    const r = renderCommand(m.entryPoints.main!, [], { rules: 'mlflow', callerDir: '/' });
    expect(r.command).toBe('cat /etc/passwd');
    expect(r.paths).toEqual([]);
    const args = sandboxArgs({ ...base, shell: ['bash', '-c'], readPaths: r.paths }, '/root');
    expect(args.filter((a) => a === '--ro-bind')).toHaveLength(1); // only / itself
  });
});
