// renv.lock (R's renv, any lockfile version): JSON with the R version, its repositories (name and
// URL), and one entry per package: Package, Version, and where it came from (Source: Repository
// with the repository's name, GitHub/GitLab/Bitbucket with the remote's user, repo and commit,
// Bioconductor, Local or unknown). renv's "Hash" is an md5 of the package's DESCRIPTION record
// that renv computes, not a digest of the archive that is downloaded: it proves no bytes, so it
// is not recorded as a hash, and a package from a repository has MISSING_HASH. The file is
// someone else's: every field is checked for its type; what is not a string is left out.
import { stripCredentials } from '../secrets/rules.js';
import type { LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);

/** Where an entry came from, as a source string (credentials cut from any URL). */
function sourceOf(entry: Json, repositories: Map<string, string>): string | null {
  const source = str(entry.Source);
  const remote = str(entry.RemoteType)?.toLowerCase() ?? source?.toLowerCase();
  if (remote === 'github' || remote === 'gitlab' || remote === 'bitbucket') {
    const user = str(entry.RemoteUsername);
    const repo = str(entry.RemoteRepo);
    const sha = str(entry.RemoteSha);
    return user && repo ? `${remote}:${user}/${repo}${sha ? `@${sha}` : ''}` : remote;
  }
  if (source === 'Repository') {
    const name = str(entry.Repository);
    const url = name ? repositories.get(name) : undefined;
    return url ? stripCredentials(url) : name;
  }
  if (source === 'Bioconductor') return 'bioconductor';
  if (source === 'Local') return 'local';
  return source;
}

export function parseRenvLock(text: string, file = 'renv.lock'): ParsedLock {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`);
  }
  const root = obj(doc);
  const packagesObj = obj(root?.Packages);
  if (!root || !packagesObj) throw new Error(`${file}: no "Packages" object, so not a renv lockfile`);
  const repositories = new Map<string, string>();
  const repos = obj(root.R)?.Repositories;
  if (Array.isArray(repos)) for (const r of repos) if (str(obj(r)?.Name) && str(obj(r)?.URL)) repositories.set(str(obj(r)!.Name)!, str(obj(r)!.URL)!);
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const [key, value] of Object.entries(packagesObj)) {
    const entry = obj(value);
    if (!entry) continue;
    const name = str(entry.Package) ?? key;
    const version = str(entry.Version);
    const source = sourceOf(entry, repositories);
    const local = source === 'local';
    packages.push({ name, version, source, hashes: [], ...(local ? { platform: 'local' } : {}) });
    if (version === null) warnings.push({ code: 'UNPINNED', message: `${name}: no version recorded`, package: name });
    else if (local) warnings.push({ code: 'LOCAL_PATH', message: `${name}: installed from a local source`, package: name });
    else if (source && /^(github|gitlab|bitbucket):/.test(source) && !source.includes('@')) warnings.push({ code: 'UNPINNED', message: `${name}: from ${source} without a commit`, package: name });
  }
  const fromRepositories = packages.filter((p) => p.source !== null && !/^(github|gitlab|bitbucket):|^local$/.test(p.source)).length;
  if (fromRepositories > 0) warnings.push({ code: 'MISSING_HASH', message: `${fromRepositories} package${fromRepositories === 1 ? '' : 's'} from R repositories with no archive hash (renv's Hash is an md5 of the DESCRIPTION record, not of the downloaded archive)` });
  return { format: 'renv.lock', packages, warnings };
}

export const renvReader: LockReader = { format: 'renv.lock', matches: (n) => n === 'renv.lock', read: (f, text) => parseRenvLock(text, f) };
