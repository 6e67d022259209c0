// The bubblewrap invocation: what the sandbox shows the entry point, what it never shows, and
// what reaches bwrap itself (nothing the bundle chose, no secret on any command line).
import { describe, expect, it } from 'vitest';
import { BWRAP_ENV, ENTRY_SCRIPT, sandboxInvocation, type SandboxedCommand } from '../../../src/exec/sandbox.js';
import { readMlproject } from '../../../src/project/read-mlproject.js';
import { renderCommand } from '../../../src/project/render.js';

const base: SandboxedCommand = { runDir: '/tmp/run', workDir: '/tmp/run/project', network: 'none', env: { PATH: '/usr/bin' }, shell: ['bash', '-c'], command: 'python x.py', readPaths: [] };

/** The arguments bwrap reads from fd 3. */
const argsOf = (run: SandboxedCommand) => sandboxInvocation('/usr/bin/bwrap', run).fds[0]!.toString().split('\0').slice(0, -1);
const pairs = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [[args[i + 1], args[i + 2]]] : []));

describe('sandboxInvocation', () => {
  it('runs the command from a file only the sandbox sees, under bash for MLflow and /bin/sh for repro.yaml', () => {
    const inv = sandboxInvocation('/usr/bin/bwrap', base);
    expect(inv.argv).toEqual(['/usr/bin/bwrap', '--args', '3', 'bash', ENTRY_SCRIPT]);
    expect(sandboxInvocation('/usr/bin/bwrap', { ...base, shell: ['/bin/sh', '-c'] }).argv.slice(-2)).toEqual(['/bin/sh', ENTRY_SCRIPT]);
    expect(inv.fds[3]!.toString()).toBe('python x.py\n');
  });

  it('attack: a -P secret and an --env value are on no command line: bwrap gets them on fd 3, the shell reads a file', () => {
    const run = { ...base, command: "python x.py --token 'hf_abcdefghijklmnopqrstuvwxyz012345'", env: { PATH: '/usr/bin', API_KEY: 's3cr3t-value' } };
    const inv = sandboxInvocation('/usr/bin/bwrap', run);
    expect(inv.argv.join(' ')).not.toMatch(/hf_|s3cr3t/);
    expect(inv.fds[0]!.toString()).not.toContain('hf_');
    expect(argsOf(run)).not.toContain(run.command);
  });

  it('attack: the bundle\'s env (LD_PRELOAD, GCONV_PATH) is never bwrap\'s own environment', () => {
    const inv = sandboxInvocation('/usr/bin/bwrap', { ...base, env: { PATH: '/usr/bin', LD_PRELOAD: './evil.so', GCONV_PATH: '.' } });
    expect(inv.env).toEqual(BWRAP_ENV);
    const args = argsOf({ ...base, env: { LD_PRELOAD: './evil.so' } });
    // inside, after --clearenv, as the entry point's own variable
    expect(args.indexOf('--setenv')).toBeGreaterThan(args.indexOf('--clearenv'));
  });

  it('an allowlist, not the host: /usr and /etc\'s chosen files read-only, the places sockets and keys live emptied, all capabilities dropped', () => {
    const args = argsOf(base);
    expect(pairs(args, '--ro-bind').map(([src]) => src)).not.toContain('/');
    expect(pairs(args, '--ro-bind')).toContainEqual(['/usr', '/usr']);
    for (const dir of ['/tmp', '/run', '/var', '/home', '/root', '/opt']) expect(args.join(' ')).toContain(`--tmpfs ${dir}`);
    const etc = pairs(args, '--ro-bind-try').map(([src]) => src);
    expect(etc.every((p) => p!.startsWith('/etc/'))).toBe(true);
    for (const secret of ['/etc/shadow', '/etc/ssh', '/etc/sudoers', '/etc/munge', '/etc/docker']) expect(etc).not.toContain(secret);
    expect(args.join(' ')).toContain('--ro-bind-data 4 /etc/passwd');
    expect(args.join(' ')).toContain('--cap-drop ALL');
    expect(args).toContain('--unshare-all');
    expect(args).not.toContain('--share-net');
    expect(pairs(args, '--bind')).toEqual([['/tmp/run', '/tmp/run']]);
  });

  it('a generated /etc/passwd: root, and the caller when it is not root', () => {
    expect(sandboxInvocation('/b', base, { uid: 1000, gid: 1000 }).fds[1]!.toString()).toContain('repro:x:1000:1000:repro:/tmp:/bin/sh');
    expect(sandboxInvocation('/b', base, { uid: 0, gid: 0 }).fds[1]!.toString()).not.toContain('repro:');
  });

  it('binds what the user named read-only, after the hidden directories', () => {
    const args = argsOf({ ...base, readPaths: ['/home/me/data.csv'] });
    const at = args.lastIndexOf('--ro-bind');
    expect(args.slice(at, at + 3)).toEqual(['--ro-bind', '/home/me/data.csv', '/home/me/data.csv']);
    expect(at).toBeGreaterThan(args.lastIndexOf('--tmpfs'));
  });

  it('hostile bundle: a path default naming a host secret is never bound into the sandbox', () => {
    const m = readMlproject('entry_points:\n  main:\n    parameters:\n      key: {type: path, default: /etc/shadow}\n    command: "cat {key}"\n', '/');
    const r = renderCommand(m.entryPoints.main!, [], { rules: 'mlflow', callerDir: '/' });
    expect(r.command).toBe('cat /etc/shadow');
    expect(r.paths).toEqual([]);
    expect(pairs(argsOf({ ...base, readPaths: r.paths }), '--ro-bind').map(([src]) => src)).not.toContain('/etc/shadow');
  });

  it('--network host: the network namespace is shared and resolv.conf readable', () => {
    const args = argsOf({ ...base, network: 'host' });
    expect(args).toContain('--share-net');
  });
});

describe('the rerun interpreter in the sandbox', () => {
  it('its prefixes are bound read-only, python and python3 run it from INTERPRETER_BIN (executable shims, not links)', async () => {
    const { sandboxInvocation, INTERPRETER_BIN, interpreterShim } = await import('../../../src/exec/sandbox.js');
    const inv = sandboxInvocation('/usr/bin/bwrap', { runDir: '/tmp/r', workDir: '/tmp/r/w', network: 'none', env: {}, shell: ['/bin/sh', '-c'], command: 'python x.py', readPaths: [], interpreter: { path: "/root/.pyenv/versions/3.11.7/bin/python3.11", prefixes: ['/root/.pyenv/versions/3.11.7', '/usr'] } });
    const args = inv.fds[0]!.toString().split('\0');
    const at = args.indexOf('/root/.pyenv/versions/3.11.7');
    expect(args.slice(at - 1, at + 2)).toEqual(['--ro-bind', '/root/.pyenv/versions/3.11.7', '/root/.pyenv/versions/3.11.7']);
    expect(args.filter((a, i) => a === '--ro-bind' && args[i + 1] === '/usr' && args[i + 2] === '/usr')).toHaveLength(1); // the system bind only
    expect(args.join(' ')).toContain(`--perms 0555 --ro-bind-data 7 ${INTERPRETER_BIN}/python --perms 0555 --ro-bind-data 8 ${INTERPRETER_BIN}/python3`);
    expect(inv.fds.slice(4).map(String)).toEqual([interpreterShim('/root/.pyenv/versions/3.11.7/bin/python3.11'), interpreterShim('/root/.pyenv/versions/3.11.7/bin/python3.11')]);
  });

  it("attack: an interpreter whose prefix is /, a top-level folder or where sockets live is never bound (no /var/run/docker.sock, no /home)", async () => {
    const { bindablePrefix } = await import('../../../src/exec/sandbox.js');
    for (const p of ['/', '/home', '/opt', '/var/run', '/var/run/x', '/run/user/0', '/proc/1', '/dev/shm', '/etc/py', 'relative/venv', '/usr/local']) expect(bindablePrefix(p), p).toBe(false);
    for (const p of ['/opt/conda', '/root/.pyenv/versions/3.11.7', '/tmp/x/venv', '/home/me/.venv']) expect(bindablePrefix(p), p).toBe(true);
    const { hiddenInSandbox } = await import('../../../src/exec/sandbox.js');
    for (const p of ['/dev/shm/cache/envs', '/run/user/0/x', '/proc', '/etc/repro']) expect(hiddenInSandbox(p), p).toBe(true);
    for (const p of ['/devices/x', '/tmp/x', '/usr/local', '/home/me/.cache/repro']) expect(hiddenInSandbox(p), p).toBe(false);
  });

  it("the shim quotes the interpreter's path for sh", async () => {
    const { interpreterShim } = await import('../../../src/exec/sandbox.js');
    expect(interpreterShim("/tmp/it's/python")).toBe(`#!/bin/sh\nexec '/tmp/it'\\''s/python' "$@"\n`);
  });
});

describe('sandboxInvocation under exec --verify', () => {
  it('the hostname variation: a name in the sandbox\'s own UTS namespace, after --unshare-all; none asked, none set', () => {
    const args = argsOf({ ...base, hostname: 'repro-varied-host' });
    expect(args[args.indexOf('--hostname') + 1]).toBe('repro-varied-host');
    expect(args.indexOf('--hostname')).toBeGreaterThan(args.indexOf('--unshare-all'));
    expect(argsOf(base)).not.toContain('--hostname');
  });

  it('the order variation: the reordered copy bound writable over the usual path, after the run directory; other overlays stay read-only', () => {
    const args = argsOf({ ...base, overlays: [{ source: '/dev/shm/repro-verify-x/project', dest: '/tmp/run/project', writable: true }, { source: '/cache/nm', dest: '/tmp/run/project/node_modules' }] });
    const bind = args.lastIndexOf('--bind');
    expect(args.slice(bind, bind + 3)).toEqual(['--bind', '/dev/shm/repro-verify-x/project', '/tmp/run/project']);
    expect(bind).toBeGreaterThan(args.indexOf('/tmp/run'));
    expect(pairs(args, '--ro-bind')).toContainEqual(['/cache/nm', '/tmp/run/project/node_modules']);
  });
});
