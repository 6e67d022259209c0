// repro's argv for itself (core/self-invocation.ts) against the CLI it calls: every flag the
// verification rebuild and a Slurm task emit is declared by that command in cli/program.ts (a
// renamed flag fails here, not on a cluster), and the --json envelope reads back what the CLI
// writes.
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/program.js';
import { renderJsonError, renderJsonSuccess } from '../../../src/cli/render/json.js';
import { ReproError } from '../../../src/core/errors.js';
import { readEnvelope, rebuildArgv, slurmTaskArgv, slurmTaskParams, type ShellWord } from '../../../src/core/self-invocation.js';

const program = buildProgram({ dispatch: () => {}, writeErr: () => {}, version: '0.0.0' });

/** The long and short flags `command` declares (commander's own record of them). */
function declared(command: string): Set<string> {
  const cmd = program.commands.find((c: Command) => c.name() === command)!;
  return new Set(cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))));
}

/** The flags in an argv: words that start with '-', up to a lone `--`. */
function flagsOf(argv: ShellWord[]): string[] {
  const words = argv.filter((w): w is string => typeof w === 'string');
  const end = words.indexOf('--');
  return (end < 0 ? words : words.slice(0, end)).filter((w) => w.startsWith('-') && !/^-?\d/.test(w) && !w.includes('='));
}

describe('self-invocation', () => {
  it('the verification rebuild emits only flags `repro build` declares', () => {
    const argv = rebuildArgv({ dir: '/c/p', outDir: '/c/o', codec: 'zstd', filesFrom: '/c/list', baseImage: `b@sha256:${'a'.repeat(64)}`, withRun: '/r' });
    expect(argv[0]).toBe('build');
    const flags = flagsOf(argv);
    expect(flags.length).toBeGreaterThanOrEqual(7);
    const known = declared('build');
    expect(flags.filter((f) => !known.has(f))).toEqual([]);
  });

  it('a Slurm task emits only flags `repro exec` declares, whatever it is asked to pass on', () => {
    const argv = slurmTaskArgv({ contentDigest: 'sha256:x', entry: 'main', strict: true, network: 'none', python: '/usr/bin/python3', passEnv: ['HF_TOKEN'], limits: { maxEntries: 5, maxTotalBytes: 10 }, resources: { timeLimitMs: 90_000, pids: 100, memoryBytes: 2 ** 30, fileSizeBytes: 2 ** 20 }, expose: ['/opt/tools'] });
    const flags = flagsOf(argv);
    expect(new Set(flags)).toEqual(new Set(['--backend', '--require-sandbox', '--expect-digest', '--out', '--json', '--strict', '--network', '--python', '--env', '--max-entries', '--max-bytes', '--time-limit', '--pids-limit', '--memory-limit', '--file-size-limit', '--expose']));
    const known = declared('exec');
    expect(flags.filter((f) => !known.has(f))).toEqual([]);
    expect(argv.at(-1)).toBe('main');
    // the -P flags a task reads from its arguments file are exec's too
    expect(declared('exec').has(slurmTaskParams([['a', 'b']]).toString().split('\0')[0]!)).toBe(true);
  });

  it('the envelope the CLI writes is the one read back; anything else is null', () => {
    expect(readEnvelope(renderJsonSuccess('build', { a: 1 }))).toEqual({ schemaVersion: 1, command: 'build', ok: true, result: { a: 1 } });
    const err = readEnvelope(renderJsonError('exec', new ReproError('E_ENV', 'no docker', { hint: 'start it' })));
    expect(err).toMatchObject({ ok: false, error: { code: 'E_ENV', message: 'no docker', hint: 'start it' } });
    for (const bad of ['', 'null', '[]', '{"schemaVersion":2,"command":"x","ok":true,"result":1}', '{"schemaVersion":1,"command":"x","ok":true}', '{"schemaVersion":1,"command":"x","ok":false,"error":{"message":"m"}}']) {
      expect(readEnvelope(bad), bad).toBeNull();
    }
  });
});
