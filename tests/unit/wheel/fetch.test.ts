import { describe, expect, it } from 'vitest';
import { shardRequirements } from '../../../src/wheel/fetch.js';

const h = (c: string) => c.repeat(64);
const lock = (names: string[], head: string[] = []) => `${[...head, ...names.map((n, i) => `${n}==1.${i} \\\n    --hash=sha256:${h(String(i % 10))}`)].join('\n')}\n`;
const EIGHT = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

describe('shardRequirements (the lock shared between pips fetching side by side)', () => {
  it('puts each package in one shard, round-robin, and every option line in all', () => {
    const shards = shardRequirements(lock(EIGHT, ['--no-index', '--find-links http://127.0.0.1:8000/', '--index-url https://pypi.org/simple']), 2)!;
    expect(shards).toHaveLength(2);
    for (const s of shards) expect(s.split('\n').slice(0, 3)).toEqual(['--no-index', '--find-links http://127.0.0.1:8000/', '--index-url https://pypi.org/simple']);
    expect(shards[0]).toMatch(new RegExp(`^a==1\\.0\\s+--hash=sha256:${h('0')}$`, 'm'));
    expect(shards[1]).toMatch(new RegExp(`^b==1\\.1\\s+--hash=sha256:${h('1')}$`, 'm'));
    const names = shards.flatMap((s) => [...s.matchAll(/^([a-h])==/gm)].map((m) => m[1]));
    expect(names.sort()).toEqual(EIGHT);
  });

  it('keeps markers and hashes on their package\'s line, and drops comments', () => {
    const text = `# a comment\n${lock(EIGHT.slice(0, 7))}torch==2.5.1 ; sys_platform == "linux" \\\n    --hash=sha256:${h('f')}  # the big one\n`;
    const all = shardRequirements(text, 2)!.join('\n');
    expect(all).toContain(`torch==2.5.1 ; sys_platform == "linux"      --hash=sha256:${h('f')}`);
    expect(all).not.toContain('comment');
    expect(all).not.toContain('the big one');
  });

  it('makes no more shards than there are four packages for', () => {
    expect(shardRequirements(lock(EIGHT), 4)).toHaveLength(2);
    expect(shardRequirements(lock([...EIGHT, ...EIGHT.map((n) => `${n}${n}`)]), 4)).toHaveLength(4);
    expect(shardRequirements(lock(EIGHT.slice(0, 7)), 2)).toBeNull();
  });

  it('is null when another folder would change what pip fetches: a relative --find-links (read against the lock\'s folder)', () => {
    expect(shardRequirements(lock(EIGHT, ['--find-links ./wheels']), 2)).toBeNull();
    expect(shardRequirements(lock(EIGHT, ['-f wheels']), 2)).toBeNull();
    expect(shardRequirements(lock(EIGHT, ['--find-links /abs/wheels']), 2)).toHaveLength(2);
  });

  it('is null for includes and editables (every shard would fetch them), unknown options, and a package on two lines', () => {
    for (const head of [['-r other.txt'], ['--requirement other.txt'], ['-c constraints.txt'], ['-e .'], ['--use-feature fast-deps'], ['--index-url ./local']]) {
      expect(shardRequirements(lock(EIGHT, head), 2), head[0]).toBeNull();
    }
    expect(shardRequirements(lock([...EIGHT, 'A']), 2)).toBeNull();
  });
});
