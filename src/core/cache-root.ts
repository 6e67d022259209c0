// Where repro keeps what it can rebuild: ~/.cache/repro, $XDG_CACHE_HOME/repro, or REPRO_CACHE.
// exec's bundle cache and the probes' memo files live under it.
import os from 'node:os';
import path from 'node:path';

export function cacheRoot(env: Readonly<Record<string, string | undefined>>): string {
  if (env.REPRO_CACHE) return path.resolve(env.REPRO_CACHE);
  const base = env.XDG_CACHE_HOME ?? path.join(env.HOME ?? os.homedir(), '.cache');
  return path.join(base, 'repro');
}
