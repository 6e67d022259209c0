// SIGKILL at 50 random moments during `repro build` and during exec's extraction into the
// cache. After every kill: nothing at the output path that is not a complete, valid bundle; no
// cache entry that is not complete (every file of the manifest there, with its hash); every
// index entry pointing at a complete entry. Every fifth kill is followed by an unkilled run
// that must succeed and sweep the dead process's temps.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/bundle/manifest.js';
import { verifyBundle } from '../../src/bundle/verify.js';
import { CLI, runCli } from '../helpers/cli.js';
import { makeProject, tempDir } from '../helpers/project.js';

const KILLS = 50;
/** Runs vary with the machine's load (CI runs files side by side): at least this many must be cut short. */
const MIN_KILLED = 15;
const TEMP = '.repro-tmp-';

/** A seeded generator (mulberry32): the same moments every run, REPRO_KILL_SEED to vary them. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function killAfter(args: string[], ms: number, env: Record<string, string> = {}): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore', env: { ...process.env, ...env } });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.kill('SIGKILL');
    }, ms);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: killed && signal === 'SIGKILL' });
    });
  });
}

async function timeOf(work: () => Promise<unknown>): Promise<number> {
  const t = Date.now();
  await work();
  return Date.now() - t;
}

function moments(durationMs: number, seed: number): number[] {
  const next = random(seed);
  // From start-up to a little past the end, so kills land before, during and after the work.
  return Array.from({ length: KILLS }, () => Math.round(next() * durationMs * 1.1));
}

async function bigProject(): Promise<string> {
  const files: Record<string, Buffer | string> = { 'run.sh': 'exit 0\n' };
  let seed = 1;
  for (let i = 0; i < 40; i++) {
    const b = Buffer.alloc(1 << 20);
    for (let j = 0; j < b.length; j += 4) b.writeUInt32LE((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), j);
    files[`data/part-${String(i).padStart(2, '0')}.bin`] = b;
  }
  return makeProject(files);
}

/** A cache entry is complete when every entry of its manifest is there, files with their hash. */
async function assertCompleteEntry(entryDir: string): Promise<void> {
  const manifest = parseManifest(await fs.readFile(path.join(entryDir, 'repro.bundle.json')));
  for (const e of manifest.entries) {
    const p = path.join(entryDir, ...e.path.split('/'));
    const st = await fs.lstat(p);
    if (e.type === 'file') {
      expect(st.size, e.path).toBe(e.size);
      expect(createHash('sha256').update(await fs.readFile(p)).digest('hex'), e.path).toBe(e.sha256);
    } else if (e.type === 'directory') expect(st.isDirectory(), e.path).toBe(true);
    else expect(await fs.readlink(p), e.path).toBe(e.target);
  }
}

describe('SIGKILL at 50 random moments', () => {
  it('during build: never a partial bundle at the output path; the next build succeeds', async () => {
    const root = await bigProject();
    const out = path.join(tempDir(), 'out');
    const name = 'proj-0.0.0.repro.tar.zst';
    const args = ['build', root, '-o', out, '--no-lock', '--no-progress'];
    const full = await timeOf(() => runCli(args));
    await fs.rm(out, { recursive: true, force: true });
    let tempsSeen = 0;
    let complete = 0;
    let killed = 0;
    for (const [i, ms] of moments(full, Number(process.env.REPRO_KILL_SEED ?? 50)).entries()) {
      if ((await killAfter(args, ms)).killed) killed++;
      for (const n of await fs.readdir(out).catch(() => [] as string[])) {
        if (n.startsWith(TEMP)) {
          tempsSeen++;
          continue;
        }
        expect(n).toBe(name);
        await verifyBundle(path.join(out, n)); // anything at the output path is complete
        complete++;
      }
      if (i % 5 === 4) {
        const next = await runCli(args);
        expect(next.code, next.stderr).toBe(0);
        expect((await fs.readdir(out)).filter((n) => n.startsWith(TEMP))).toEqual([]);
      }
      await fs.rm(path.join(out, name), { force: true }); // each kill starts without a bundle
    }
    console.info(`build: ${killed} of ${KILLS} runs killed (full run ${full} ms); ${tempsSeen} dead temps seen and swept, ${complete} complete bundles found`);
    expect(killed).toBeGreaterThanOrEqual(MIN_KILLED); // the rest ended before their moment: harmless
    expect(tempsSeen).toBeGreaterThan(0);
  }, 600_000);

  it("during exec's extraction: the cache never holds a partial entry; the next exec succeeds", async () => {
    const root = await bigProject();
    const built = await runCli(['build', root, '-o', path.join(tempDir(), 'b'), '--no-lock', '--json']);
    expect(built.code, built.stderr).toBe(0);
    const bundle = built.json().result.bundle as string;
    const work = tempDir();
    const cache = path.join(work, 'cache');
    const env = { REPRO_CACHE: cache };
    let runs = 0;
    const args = () => ['exec', bundle, 'run.sh', '--backend', 'local', '--out', path.join(work, `run-${runs++}`), '--no-progress'];
    const full = await timeOf(() => runCli(args(), { env }));
    await fs.rm(cache, { recursive: true, force: true });
    let tempsSeen = 0;
    let complete = 0;
    let killed = 0;
    for (const [i, ms] of moments(full, Number(process.env.REPRO_KILL_SEED ?? 50) + 1).entries()) {
      if ((await killAfter(args(), ms, env)).killed) killed++;
      const bundles = path.join(cache, 'bundles');
      for (const n of await fs.readdir(bundles).catch(() => [] as string[])) {
        if (n.startsWith(TEMP)) {
          tempsSeen++;
          continue;
        }
        expect(n).toMatch(/^[0-9a-f]{64}$/);
        await assertCompleteEntry(path.join(bundles, n));
        complete++;
      }
      for (const n of await fs.readdir(path.join(cache, 'index')).catch(() => [] as string[])) {
        if (n.startsWith(TEMP)) continue;
        const digest = (await fs.readFile(path.join(cache, 'index', n), 'utf8')).trim();
        await assertCompleteEntry(path.join(bundles, digest.replace('sha256:', '')));
      }
      if (i % 5 === 4) {
        const next = await runCli(args(), { env });
        expect(next.code, next.stderr).toBe(0);
        expect((await fs.readdir(bundles)).filter((n) => n.startsWith(TEMP))).toEqual([]);
      }
      // Start the next kill from an empty cache again (dead temps stay, for the sweep to find).
      for (const n of await fs.readdir(bundles).catch(() => [] as string[])) if (!n.startsWith(TEMP)) await fs.rm(path.join(bundles, n), { recursive: true, force: true });
      await fs.rm(path.join(cache, 'index'), { recursive: true, force: true });
    }
    console.info(`exec: ${killed} of ${KILLS} runs killed (full run ${full} ms); ${tempsSeen} dead extraction temps seen and swept, ${complete} complete entries found`);
    expect(killed).toBeGreaterThanOrEqual(MIN_KILLED); // the rest ended before their moment: harmless
    expect(tempsSeen).toBeGreaterThan(0);
  }, 600_000);
});
