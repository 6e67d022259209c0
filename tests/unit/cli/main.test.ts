// The CLI's wiring, in process: argv -> the domain call with the options it should get -> what is
// printed and the exit status. The domain calls are replaced by spies, so this checks only the
// adapter layer (commander options, parsers, settle()); e2e tests run the real binary.
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ReproError } from '../../../src/core/errors.js';
import { runCli, type CliHost } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/io.js';
import { testContext } from '../../helpers/context.js';

const calls = vi.hoisted(() => ({
  runBuild: vi.fn(),
  runVerifiedBuild: vi.fn(),
  verifyBundle: vi.fn(),
  runExec: vi.fn(),
  readSnapshotOrBundle: vi.fn(),
  diffSnapshots: vi.fn(),
}));
vi.mock('../../../src/builder/build.js', () => ({ runBuild: calls.runBuild }));
vi.mock('../../../src/builder/verify-build.js', () => ({ runVerifiedBuild: calls.runVerifiedBuild }));
vi.mock('../../../src/bundle/verify.js', () => ({ verifyBundle: calls.verifyBundle }));
vi.mock('../../../src/exec/exec.js', () => ({ runExec: calls.runExec }));
vi.mock('../../../src/snapshot/io.js', () => ({ readSnapshotOrBundle: calls.readSnapshotOrBundle }));
vi.mock('../../../src/diff/diff-snapshots.js', () => ({ diffSnapshots: calls.diffSnapshots }));

const BUILT = {
  bundle: '/p/.repro/bundles/p-1.0.0.repro.tar.zst', name: 'p', version: '1.0.0', contentDigest: 'sha256:c', fileDigest: 'sha256:f', integrity: 'sha512-x',
  entries: 3, files: 2, contentBytes: 10, tarSize: 4096, fileSize: 300, compression: { codec: 'zstd', level: 3 }, lock: { status: 'written' },
  dockerfile: { included: false, reason: 'no base image' }, credentialsRemoved: [], durationMs: 5,
  builder: { node: '24.0.0', zlib: '1.3', zstd: '1.5.7', zstdEngine: 'native' },
};

function host(cwd = '/work') {
  const out = { stdout: '', stderr: '', ios: [] as CliIo[] };
  const h: CliHost = {
    version: '9.9.9',
    stdout: (t) => (out.stdout += t),
    stderr: (t) => (out.stderr += t),
    io: (json, progress) => {
      const io: CliIo = {
        ctx: testContext({ cwd, now: () => new Date('2026-01-02T03:04:05.678Z') }),
        json,
        stdout: (t) => (out.stdout += t),
        stderr: (t) => (out.stderr += t),
        streams: { stdout: new PassThrough(), stderr: new PassThrough() },
        self: { execPath: '/node', script: '/repro.js' },
        caller: { uid: 1000, gid: 1001 },
      };
      void progress;
      out.ios.push(io);
      return io;
    },
  };
  return { h, out };
}

beforeEach(() => {
  for (const fn of Object.values(calls)) fn.mockReset();
});

describe('build', () => {
  it('passes every flag to runBuild and prints one JSON envelope', async () => {
    calls.runBuild.mockResolvedValue(BUILT);
    const { h, out } = host();
    const code = await runCli(['build', 'proj', '--compression', 'gzip', '--locked', '-o', 'dist', '--base-image', 'b:1@sha256:0', '--build-network', 'host', '--json'], h);
    expect(code).toBe(0);
    expect(calls.runBuild).toHaveBeenCalledOnce();
    expect(calls.runBuild.mock.calls[0]![0]).toEqual({
      dir: 'proj', outDir: 'dist', compression: 'gzip', locked: true, verify: undefined, noLock: false, files: undefined,
      baseImage: 'b:1@sha256:0', image: undefined, buildNetwork: 'host', withRun: undefined,
    });
    expect(JSON.parse(out.stdout)).toEqual({ schemaVersion: 1, command: 'build', ok: true, result: BUILT });
    expect(out.stderr).toBe('');
  });

  it('--verify goes to the verified build, with the way to call repro itself', async () => {
    calls.runVerifiedBuild.mockResolvedValue({ ...BUILT, verify: { variations: [{ name: 'path' }], lock: { matches: null } } });
    const { h, out } = host();
    expect(await runCli(['build', '--verify'], h)).toBe(0);
    expect(calls.runBuild).not.toHaveBeenCalled();
    expect(calls.runVerifiedBuild.mock.calls[0]![2]).toEqual({ execPath: '/node', script: '/repro.js' });
    expect(out.stdout).toContain('verified: reproducible');
  });

  it('an error from the build is rendered once, with its code\'s exit status', async () => {
    calls.runBuild.mockRejectedValue(new ReproError('E_LOCK_MISMATCH', 'differs from repro.lock', { hint: 'rebuild', details: { differences: [{ entry: 'project/a', field: 'sha256', a: '1', b: '2' }] } }));
    const text = host();
    expect(await runCli(['build'], text.h)).toBe(1);
    expect(text.out.stdout).toBe('');
    expect(text.out.stderr).toBe('repro: error E_LOCK_MISMATCH: differs from repro.lock\nhint: rebuild\n  project/a  sha256: 1 -> 2\n');
    const json = host();
    expect(await runCli(['build', '--json'], json.h)).toBe(1);
    expect(JSON.parse(json.out.stdout)).toMatchObject({ command: 'build', ok: false, error: { code: 'E_LOCK_MISMATCH', hint: 'rebuild' } });
    expect(json.out.stderr).toBe('');
  });

  it('an unknown codec is a usage error before anything runs', async () => {
    const { h, out } = host();
    expect(await runCli(['build', '--compression', 'lz4', '--json'], h)).toBe(2);
    expect(calls.runBuild).not.toHaveBeenCalled();
    expect(JSON.parse(out.stdout)).toMatchObject({ command: 'build', ok: false, error: { code: 'E_USAGE' } });
  });
});

describe('verify', () => {
  it('reads --max-entries and --max-bytes into limits; defaults otherwise', async () => {
    calls.verifyBundle.mockResolvedValue({ name: 'p', version: '1', contentDigest: 'c', fileDigest: 'f', integrity: 'i', entries: 1, tarSize: 1, fileSize: 1, codec: 'zstd', digestMatched: null, manifest: { head: { sourceDateEpoch: 1, compression: { codec: 'zstd' } } } });
    const { h } = host('/here');
    expect(await runCli(['verify', 'b.tar.zst', '--max-entries', '5', '--max-bytes', '1000'], h)).toBe(0);
    expect(calls.verifyBundle.mock.calls[0]![0]).toBe('/here/b.tar.zst');
    expect(calls.verifyBundle.mock.calls[0]![1]).toMatchObject({ limits: { maxEntries: 5, maxTotalBytes: 1000 } });
    await runCli(['verify', 'b.tar.zst'], host().h);
    expect(calls.verifyBundle.mock.calls[1]![1]).toMatchObject({ limits: { maxEntries: 150_000, maxTotalBytes: 64 * 2 ** 30 } });
  });

  it.each([['--max-entries', '0'], ['--max-bytes', '-1'], ['--max-entries', '1e3']])('%s %s is a usage error (exit 2), never "no limit"', async (flag, value) => {
    const { h, out } = host();
    expect(await runCli(['verify', 'b', flag, value, '--json'], h)).toBe(2);
    expect(calls.verifyBundle).not.toHaveBeenCalled();
    expect(JSON.parse(out.stdout).error).toMatchObject({ code: 'E_USAGE', details: { flag, value } });
  });
});

describe('exec', () => {
  const RESULT = { runId: 'r', backend: 'local', exitCode: 0, durationMs: 1, runDir: '/work/runs/r', outputs: [], reproduced: null };

  it('passes parameters, backend, caller and a run id made from the clock', async () => {
    calls.runExec.mockResolvedValue(RESULT);
    const { h } = host();
    expect(await runCli(['exec', 'b.tar', 'train', '-P', 'seed=3', '-P', 'lr=0.1', '--backend', 'local', '--strict'], h)).toBe(0);
    const options = calls.runExec.mock.calls[0]![0];
    // A bundle argument is resolved first (a file here; a registry reference would be pulled).
    expect(options).toMatchObject({ bundle: '/work/b.tar', entry: 'train', params: [['seed', '3'], ['lr', '0.1']], backend: 'local', strict: true, user: '1000:1001' });
    expect(options.runId).toMatch(/^20260102T030405Z-[0-9a-f]{6}$/);
  });

  it('passes the entry point\'s own exit status through, before --expect-reproduced\'s verdict', async () => {
    calls.runExec.mockResolvedValue({ ...RESULT, exitCode: 3, reproduced: { reproduced: false, outputs: [] } });
    expect(await runCli(['exec', 'b.tar', '--expect-reproduced'], host().h)).toBe(3);
    calls.runExec.mockResolvedValue({ ...RESULT, reproduced: { reproduced: false, outputs: [] } });
    expect(await runCli(['exec', 'b.tar', '--expect-reproduced'], host().h)).toBe(1);
    expect(await runCli(['exec', 'b.tar'], host().h)).toBe(0);
  });

  it('an unknown backend is a usage error; nothing runs', async () => {
    const { h, out } = host();
    expect(await runCli(['exec', 'b.tar', '--backend', 'podman'], h)).toBe(2);
    expect(calls.runExec).not.toHaveBeenCalled();
    expect(out.stderr).toContain('E_USAGE');
  });
});

describe('diff', () => {
  it('exits 1 when the snapshots differ, 0 when identical: a result, not an error', async () => {
    const snap = { snapshotDigest: 'sha256:a', identity: { data: [], env: {} }, context: {} };
    calls.readSnapshotOrBundle.mockResolvedValue({ snapshot: snap });
    const side = { snapshotDigest: 'sha256:a', capturedAt: 't', hostname: 'h' };
    calls.diffSnapshots.mockReturnValue({ identical: false, a: side, b: side, summary: { breaking: 1, warning: 0, info: 0 }, changes: [{ section: 'python', field: 'version', kind: 'changed', a: '3.11', b: '3.12', severity: 'breaking', reason: 'minor' }] });
    const { h, out } = host();
    expect(await runCli(['diff', 'a.json', 'b.json'], h)).toBe(1);
    expect(out.stdout).toMatch(/^interpreter python version 3\.11 -> 3\.12  \[breaking: minor\]$/m);
    calls.diffSnapshots.mockReturnValue({ identical: true, a: side, b: side, summary: { breaking: 0, warning: 0, info: 0 }, changes: [] });
    expect(await runCli(['diff', 'a.json', 'b.json'], host().h)).toBe(0);
  });

  it('a bad --probe-timeout is a usage error', async () => {
    calls.readSnapshotOrBundle.mockResolvedValue({ snapshot: { identity: { data: [], env: {} }, context: {} } });
    expect(await runCli(['diff', 'a.json', '--probe-timeout', 'soon'], host().h)).toBe(2);
  });
});

describe('settling', () => {
  it('--help and --version exit 0', async () => {
    expect(await runCli(['--help'], host().h)).toBe(0);
    const v = host();
    expect(await runCli(['--version'], v.h)).toBe(0);
  });

  it('an unknown option names the command in the JSON envelope and prints nothing else', async () => {
    const { h, out } = host();
    expect(await runCli(['verify', 'b', '--bogus', '--json'], h)).toBe(2);
    expect(JSON.parse(out.stdout)).toMatchObject({ command: 'verify', ok: false, error: { code: 'E_USAGE', details: { commanderCode: 'commander.unknownOption' } } });
    expect(out.stderr).toBe('');
  });

  it('anything thrown that is not a ReproError is an internal bug: exit 70, with the stack', async () => {
    calls.runBuild.mockRejectedValue(new TypeError('boom'));
    const { h, out } = host();
    expect(await runCli(['build'], h)).toBe(70);
    expect(out.stderr).toMatch(/^repro: error E_INTERNAL: internal error: boom\n/);
    expect(out.stderr).toContain('TypeError: boom\n    at ');
  });
});
