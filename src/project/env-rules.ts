// What a manifest's `env:` may not set: the dynamic loader's and glibc's variables that load or
// locate code (LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH, GCONV_PATH, …; glibc's own list of variables
// it drops for setuid programs, less TMPDIR and TZDIR). A bundle someone else built chooses its
// env, and any program that starts with it (a shell, a setuid bwrap) would run the bundle's code
// before its own. Refused at build (repro.yaml) and again at exec (a crafted bundle).
import { ReproError } from '../core/errors.js';

const LOADER_NAMES = new Set(['GCONV_PATH', 'GETCONF_DIR', 'HOSTALIASES', 'LOCALDOMAIN', 'LOCPATH', 'MALLOC_TRACE', 'NIS_PATH', 'NLSPATH', 'RESOLV_HOST_CONF', 'RES_OPTIONS']);

/** Whether `name` is a variable that makes a program load or look up code or data elsewhere. */
export function isLoaderVariable(name: string): boolean {
  return /^(LD_|DYLD_)/.test(name) || LOADER_NAMES.has(name);
}

/** The loader variables an env block sets, sorted. */
export function loaderVariables(env: Readonly<Record<string, string>>): string[] {
  return Object.keys(env).filter(isLoaderVariable).sort();
}

/** exec: a bundle whose manifest sets one is refused before anything runs. */
export function checkBundleEnv(env: Readonly<Record<string, string>>): void {
  const found = loaderVariables(env);
  if (found.length === 0) return;
  throw new ReproError('E_UNSAFE_ENTRY', `the bundle's manifest sets ${found.join(', ')} in env: loader variables load code before the entry point starts`, {
    hint: 'repro build refuses them, so this bundle was crafted or altered. Do not run it; ask its author for one built by repro.',
    details: { variables: found, rule: 'loader-variable' },
  });
}
