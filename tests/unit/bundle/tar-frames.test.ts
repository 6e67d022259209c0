import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Parser, type ReadEntry } from 'tar';
import type { SourceEntry } from '../../../src/bundle/entry-table.js';
import { writeTarFrames, type ManifestContent } from '../../../src/bundle/tar-frames.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, Buffer>): { dir: string; entries: SourceEntry[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-frames-'));
  dirs.push(dir);
  const entries: SourceEntry[] = [];
  for (const [name, bytes] of Object.entries(files)) {
    const source = path.join(dir, name);
    writeFileSync(source, bytes);
    const st = statSync(source);
    entries.push({ path: `project/${name}`, type: 'file', mode: 0o644, size: bytes.length, source, stat: { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino } });
  }
  return { dir, entries };
}

const manifest = (text: string): ManifestContent => ({ size: Buffer.byteLength(text), chunks: () => [Buffer.from(text)] });

/** The tar as the writer lays it out in frames of `frameBytes`, and the most frames it held at once. */
async function write(entries: SourceEntry[], frameBytes: number, m = manifest('{"m":1}\n')): Promise<{ tar: Buffer; held: number; frames: number }> {
  const parts: Buffer[] = [];
  let out = 0;
  let held = 0;
  let frames = 0;
  await writeTarFrames(m, entries, {
    mtime: 0,
    nextFrame: () => {
      out++;
      held = Math.max(held, out);
      return Buffer.alloc(frameBytes, 0xee); // not zeroed: the writer must write every byte it sends
    },
    onFrame: async (frame, length) => {
      frames++;
      parts.push(Buffer.from(frame.subarray(0, length)));
      await new Promise((r) => setImmediate(r));
      out--;
    },
  });
  return { tar: Buffer.concat(parts), held, frames };
}

async function readTar(tar: Buffer): Promise<Array<{ path: string; bytes: Buffer }>> {
  const got: Array<{ path: string; bytes: Buffer }> = [];
  const parser = new Parser({ strict: true });
  parser.on('entry', (e: ReadEntry) => {
    const chunks: Buffer[] = [];
    e.on('data', (c: Buffer) => chunks.push(c));
    e.on('end', () => got.push({ path: e.path, bytes: Buffer.concat(chunks) }));
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
    parser.end(tar);
  });
  return got;
}

const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));

describe('writeTarFrames', () => {
  it('lays out the same bytes whatever the frame size: files that fit a frame, span two, or many', async () => {
    const files = { 'a.py': bytes(700, 1), 'b.bin': bytes(5000, 2), 'c.txt': bytes(1, 3), 'd.dat': bytes(70_000, 4), 'e.py': bytes(512, 5) };
    const { entries } = project(files);
    const whole = await write(entries, 1 << 20);
    for (const frameBytes of [512, 1024, 1536, 4096, 65_536]) expect((await write(entries, frameBytes)).tar.equals(whole.tar), `frames of ${frameBytes}`).toBe(true);
    const read = await readTar(whole.tar);
    expect(read.map((e) => e.path)).toEqual(['repro.bundle.json', ...Object.keys(files).map((n) => `project/${n}`)]);
    for (const [name, b] of Object.entries(files)) expect(read.find((e) => e.path === `project/${name}`)!.bytes.equals(b)).toBe(true);
  });

  it('holds at most a few frames while a large file is read, handing each on as it fills', async () => {
    const { entries } = project({ 'big.bin': bytes(200_000, 7) });
    const { held, frames } = await write(entries, 4096);
    expect(frames).toBeGreaterThan(48);
    expect(held).toBeLessThanOrEqual(3);
  });

  for (const [what, size] of [['a file that fits the frame', 800], ['a file larger than the frame', 9000]] as const) {
    it(`refuses ${what} that grew after it was planned (E_CHANGED_DURING_BUILD)`, async () => {
      const { entries } = project({ 'x.bin': bytes(size, 1) });
      writeFileSync(entries[0]!.source!, bytes(size + 10, 1));
      entries[0]!.stat = { ...entries[0]!.stat!, size: size + 10, mtimeMs: statSync(entries[0]!.source!).mtimeMs }; // the same stat as planned: only the read can tell
      await expect(write(entries, 4096)).rejects.toMatchObject({ code: 'E_CHANGED_DURING_BUILD' });
    });

    it(`refuses ${what} that shrank after it was planned`, async () => {
      const { entries } = project({ 'x.bin': bytes(size, 1) });
      writeFileSync(entries[0]!.source!, bytes(size - 5, 1));
      entries[0]!.stat = { ...entries[0]!.stat!, size: size - 5, mtimeMs: statSync(entries[0]!.source!).mtimeMs };
      await expect(write(entries, 4096)).rejects.toMatchObject({ code: 'E_CHANGED_DURING_BUILD' });
    });

    it(`refuses ${what} rewritten at the same size since it was planned (its mtime moved)`, async () => {
      const { entries } = project({ 'x.bin': bytes(size, 1) });
      writeFileSync(entries[0]!.source!, bytes(size, 9));
      utimesSync(entries[0]!.source!, new Date(2001, 1, 1), new Date(2001, 1, 1));
      await expect(write(entries, 4096)).rejects.toMatchObject({ code: 'E_CHANGED_DURING_BUILD' });
    });
  }

  it('names a file that vanished since it was planned', async () => {
    const { entries } = project({ 'gone.py': bytes(10, 1) });
    rmSync(entries[0]!.source!);
    await expect(write(entries, 4096)).rejects.toMatchObject({ code: expect.stringMatching(/^E_/), message: expect.stringContaining('gone.py') });
  });
});
