// The conditions a --verify rebuild changes, after reprotest: another absolute path (with a
// space and non-ASCII letters in it), files created in reverse order, other mtimes, umask 077,
// another time zone and locale, another working directory.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EntryList } from '../bundle/entry-table.js';
import { PROJECT_PREFIX } from '../bundle/layout.js';

export interface Variation {
  name: string;
  value: string;
}

export const VARIANT_ENV = { TZ: 'Pacific/Chatham', LC_ALL: 'sk_SK.UTF-8', LANG: 'sk_SK.UTF-8' } as const;
export const VARIANT_UMASK = '077';

export function describeVariations(copyRoot: string): Variation[] {
  return [
    { name: 'path', value: copyRoot },
    { name: 'creation order', value: 'reverse' },
    { name: 'mtimes', value: 'shifted per file, from 1994-05-06' },
    { name: 'umask', value: VARIANT_UMASK },
    { name: 'TZ', value: VARIANT_ENV.TZ },
    { name: 'LC_ALL', value: VARIANT_ENV.LC_ALL },
    { name: 'cwd', value: 'the copy\'s parent directory' },
  ];
}

/**
 * Copies the planned entries under `copyRoot` in reverse order with umask-077 modes
 * (0600 / 0700) and shifted mtimes; returns the project-relative paths, reversed.
 */
export async function copyVaried(entries: EntryList, copyRoot: string): Promise<string[]> {
  await fs.mkdir(copyRoot, { recursive: true, mode: 0o700 });
  const base = 768_182_400; // 1994-05-06T00:00:00Z
  const listed: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries.at(entries.length - 1 - i)!;
    if (entry.path === PROJECT_PREFIX || (entry.content && !entry.source)) continue; // generated entries are generated again
    const rel = entry.path.slice(PROJECT_PREFIX.length + 1);
    const dest = path.join(copyRoot, rel);
    if (entry.type === 'directory') {
      await fs.mkdir(dest, { recursive: true, mode: 0o700 });
      continue;
    }
    await fs.mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
    if (entry.type === 'symlink') {
      await fs.symlink(entry.target!, dest);
    } else {
      await fs.copyFile(entry.source!, dest);
      await fs.chmod(dest, entry.mode & 0o100 ? 0o700 : 0o600);
      const t = new Date((base + i * 7919) * 1000);
      await fs.utimes(dest, t, t);
    }
    listed.push(rel);
  }
  for (let k = entries.length - 1; k >= 0; k--) {
    const entry = entries.at(k)!;
    if (entry.type !== 'directory' || entry.path === PROJECT_PREFIX) continue;
    const t = new Date(base * 1000 - 86_400_000);
    await fs.utimes(path.join(copyRoot, entry.path.slice(PROJECT_PREFIX.length + 1)), t, t);
  }
  return listed;
}
