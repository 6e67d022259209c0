// Outputs come back from a container through the engine's archive API, as tar streams, and the
// stream is hostile input: each is read with the bundle reader's limits (entry count, bytes, PAX
// size), every name must stay under the output it was asked for (no '..', no absolute path, no
// way through a link written earlier in the same stream), files are created with O_EXCL and
// links are made as links (read-output.ts refuses them later, never following). A FIFO, device
// or other special file in the stream makes that output refused, with its kind; nothing is
// created for it. The same path works for an engine on another machine (DOCKER_HOST=ssh://...).
import { closeSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Header } from 'tar';
import type { TarLimits } from '../bundle/limits.js';
import { readTar } from '../bundle/tar-read.js';
import { isReproError, ReproError } from '../core/errors.js';
import { lstatOrNull } from '../core/file-read.js';
import type { ContainerFiles } from '../docker/containers.js';
import type { RefusedKind } from '../run-record/record.js';

/** A tar of the outputs' directories (each parent first), owned by the caller, to put into /project before the start. */
/** `mode`: 0755 when the container runs as their owner; 0777 when it runs as the image's own user, whose uid repro does not know. */
export function outputDirsTar(dirs: readonly string[], uid: number, gid: number, mode = 0o755): Buffer {
  const all = new Set<string>();
  for (const d of dirs) {
    const parts = d.split('/');
    for (let i = 1; i <= parts.length; i++) all.add(parts.slice(0, i).join('/'));
  }
  const blocks = [...all].sort().map((d) => {
    const block = Buffer.alloc(512);
    new Header({ path: `${d}/`, type: 'Directory', mode, uid, gid, size: 0, mtime: new Date(0) }).encode(block, 0);
    return block;
  });
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

const KIND: Record<string, RefusedKind> = { FIFO: 'fifo', CharacterDevice: 'device', BlockDevice: 'device', Socket: 'socket' };

/** Where `rel` may be written under `root`: every parent a real directory (made here if absent), never a link. */
function safeParent(root: string, rel: string): void {
  const parts = rel.split('/').slice(0, -1);
  let dir = root;
  for (const part of parts) {
    dir = path.join(dir, part);
    const st = lstatOrNull(dir);
    if (st === null) mkdirSync(dir, { mode: 0o755 });
    else if (!st.isDirectory()) throw new ReproError('E_UNSAFE_ENTRY', `an output archive writes through ${JSON.stringify(path.relative(root, dir))}, which is not a directory`, { details: { entry: rel } });
  }
}

/**
 * Takes output `rel` (a safe path under `containerDir`, /project) out of the container into
 * `workDir`. Returns the kind of special file that made it refused, or null.
 */
export async function collectOutput(files: ContainerFiles, workDir: string, rel: string, limits: TarLimits, containerDir = '/project'): Promise<RefusedKind | null> {
  return (await collectTree(files, workDir, rel, limits, containerDir))?.kind ?? null;
}

/**
 * collectOutput, saying also which entry was refused (its archive name): the stream stops there,
 * so whatever came after it is missing too.
 */
export async function collectTree(files: ContainerFiles, workDir: string, rel: string, limits: TarLimits, containerDir = '/project'): Promise<{ kind: RefusedKind; entry: string } | null> {
  const stream = await files.get(`${containerDir}/${rel}`);
  if (stream === null) return null; // not there: recorded as missing
  const root = path.join(workDir, path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel));
  const base = path.posix.basename(rel);
  mkdirSync(root, { recursive: true });
  let fd: number | null = null;
  const closeFile = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
  };
  try {
    await readTar(
      stream as AsyncIterable<Buffer>,
      {
        entry(e) {
          const name = e.path;
          if (name !== base && !name.startsWith(`${base}/`)) throw new ReproError('E_UNSAFE_ENTRY', `the engine's archive of ${rel} holds ${JSON.stringify(name)}`, { details: { entry: name } });
          if (name.split('/').some((p) => p === '..' || p === '.' || p === '') || path.isAbsolute(name)) throw new ReproError('E_UNSAFE_ENTRY', `unsafe name in an output archive: ${JSON.stringify(name)}`, { details: { entry: name } });
          safeParent(root, name);
          const target = path.join(root, ...name.split('/'));
          if (e.type === 'directory') {
            if (!lstatOrNull(target)?.isDirectory()) mkdirSync(target, { mode: 0o755 });
            return () => {};
          }
          if (e.type === 'symlink') {
            symlinkSync(e.target ?? '', target); // kept as a link: read-output.ts refuses it, never follows it
            return () => {};
          }
          fd = openSync(target, 'wx', 0o644); // O_EXCL: never through something already there
          const out = fd;
          return (slice: Buffer) => {
            let done = 0;
            while (done < slice.length) done += writeSync(out, slice, done);
          };
        },
        entryEnd: closeFile,
      },
      limits,
    );
  } catch (err) {
    closeFile();
    const type = isReproError(err) ? String(err.details.type ?? '') : '';
    if (isReproError(err) && err.code === 'E_UNSAFE_ENTRY' && type !== '') return { kind: KIND[type] ?? 'other', entry: String(err.details.entry ?? rel) };
    throw err;
  }
  return null;
}
