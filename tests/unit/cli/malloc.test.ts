import { describe, expect, it } from 'vitest';
import { mallocReexec, MMAP_THRESHOLD } from '../../../src/cli/malloc.js';

const linux = { platform: 'linux', execve: true };
const argv = (...rest: string[]) => ['/usr/bin/node', '/opt/repro/dist/cli/bin.js', ...rest];

describe('mallocReexec: when repro re-executes itself with a fixed glibc mmap threshold (REPRO_MALLOC=lean)', () => {
  const lean = { REPRO_MALLOC: 'lean' };
  it('does for build and verify, with the same arguments, Node flags kept, the environment kept', () => {
    const plan = mallocReexec(argv('build', '.', '--json'), ['--enable-source-maps'], { ...lean, PATH: '/bin', SOURCE_DATE_EPOCH: '0', UNSET: undefined }, linux);
    expect(plan).toEqual({
      args: ['/usr/bin/node', '--enable-source-maps', '/opt/repro/dist/cli/bin.js', 'build', '.', '--json'],
      env: { REPRO_MALLOC: 'lean', PATH: '/bin', SOURCE_DATE_EPOCH: '0', MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD), REPRO_MALLOC_SET: '1' },
    });
    expect(mallocReexec(argv('--no-progress', 'verify', 'b.tar.zst'), [], lean, linux)?.args.at(-1)).toBe('b.tar.zst');
  });

  it('does not for other commands (exec start-up stays one process), help or no command', () => {
    for (const a of [argv('exec', 'b.tar.zst'), argv('snapshot'), argv('--help'), argv('build', '--help'), argv('verify', '-h'), argv()]) expect(mallocReexec(a, [], lean, linux)).toBeNull();
  });

  it('does not unless asked, not twice, not over a threshold the user chose, not off Linux or without execve', () => {
    expect(mallocReexec(argv('build'), [], {}, linux)).toBeNull(); // speed is the default
    expect(mallocReexec(argv('build'), [], { REPRO_MALLOC: 'default' }, linux)).toBeNull();
    expect(mallocReexec(argv('build'), [], { ...lean, REPRO_MALLOC_SET: '1' }, linux)).toBeNull();
    expect(mallocReexec(argv('build'), [], { ...lean, MALLOC_MMAP_THRESHOLD_: '65536' }, linux)).toBeNull();
    expect(mallocReexec(argv('build'), [], lean, { platform: 'darwin', execve: true })).toBeNull();
    expect(mallocReexec(argv('build'), [], lean, { platform: 'linux', execve: false })).toBeNull();
  });
});
