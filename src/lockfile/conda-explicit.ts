// conda's explicit specs (`conda list --explicit`, conda-lock render): a line `@EXPLICIT`, then
// one package URL a line, `#<md5>` or `#sha256:<hex>` after it when the writer recorded one. The
// file may be named anything (spec-file.txt, conda-linux-64.lock), so it is recognised by that
// line, not by its name: a requirements-looking name holding one is read as what it is. Name,
// version and build come from the package's file name; a file:// URL is recorded as local, never
// opened.
import { stripCredentials } from '../secrets/rules.js';
import type { LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';

/** Whether `text` is an explicit spec: its first line that is neither blank nor a comment is @EXPLICIT. */
export function isExplicitSpec(text: string): boolean {
  for (const line of text.slice(0, 64 * 1024).split(/\r?\n/)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    return t === '@EXPLICIT';
  }
  return false;
}

const PACKAGE_FILE = /^(.+)-([^-]+)-([^-]+)\.(tar\.bz2|conda)$/;

/** A conda package URL's name, version and subdir (from its file name, as conda names them), and the URL without the file; null when it is not one. */
export function condaPackageUrl(url: string): { name: string; version: string; subdir: string | null; base: string } | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const segments = parsed.pathname.split('/');
  const m = PACKAGE_FILE.exec(decodeURIComponent(segments.at(-1) ?? ''));
  if (!m) return null;
  return { name: m[1]!, version: m[2]!, subdir: segments.at(-2) || null, base: url.slice(0, url.lastIndexOf('/') + 1) };
}

export function parseCondaExplicit(text: string, file = 'spec-file.txt'): ParsedLock {
  if (!isExplicitSpec(text)) throw new Error(`${file}: not a conda explicit spec (no @EXPLICIT line first)`);
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  let platform: string | null = null;
  let explicit = false;
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const t = line.trim();
    const declared = /^#\s*platform:\s*(\S+)/.exec(t);
    if (declared) platform = declared[1]!;
    if (t === '' || t.startsWith('#')) continue;
    if (t === '@EXPLICIT') {
      explicit = true;
      continue;
    }
    if (!explicit) continue;
    const [url = '', fragment = null] = t.split('#') as [string, string?];
    const parsed = condaPackageUrl(url);
    if (!parsed) {
      warnings.push({ code: 'UNPARSED_LINE', message: `line ${i + 1} is not a conda package URL: ${t.slice(0, 120)}` });
      continue;
    }
    const { name } = parsed;
    const hashes = fragment === null ? [] : /^[0-9a-f]{32}$/i.test(fragment) ? [`md5:${fragment.toLowerCase()}`] : /^sha256:[0-9a-f]{64}$/i.test(fragment) ? [fragment.toLowerCase()] : [];
    const pkg: LockPackage = { name, version: parsed.version, source: stripCredentials(parsed.base), hashes, platform: parsed.subdir ?? platform ?? 'unknown' };
    packages.push(pkg);
    if (url.startsWith('file:')) warnings.push({ code: 'LOCAL_PATH', message: `${name} comes from a local file ${new URL(url).pathname}`, package: name });
    else if (hashes.length === 0) warnings.push({ code: 'MISSING_HASH', message: `${name} has no #md5 or #sha256 (conda list --explicit --md5 records them)`, package: name });
  }
  return { format: 'conda-explicit', packages, warnings };
}

export const condaExplicitReader: LockReader = { format: 'conda-explicit', matches: () => false, read: (f, t) => parseCondaExplicit(t, f.split('/').pop()) };
