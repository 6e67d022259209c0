// The local backend's sandbox: bubblewrap (Debian's `bubblewrap`), built from an allowlist, not
// from a read-only host. The entry point sees only what a run needs, read-only: /usr and the
// merged-/usr links, /sys, a few files of /etc (the loader's cache, CA certificates, time zones,
// fonts, alternatives), a generated /etc/passwd and /etc/group, and the paths the user named;
// fresh tmpfs for /tmp, /run, /var, /home, /root, /mnt, /media, /srv and /opt; a private /dev and
// /proc; every namespace unshared (no network unless --network); every capability dropped, even
// for a root caller; only the run directory writable. So no host unix socket (Docker's, D-Bus,
// ssh-agent, munge) is reachable: no directory that holds one is bound.
//
// bwrap itself starts with a fixed, minimal environment and reads its whole argument list from a
// pipe (--args), and the command from another (--ro-bind-data): nothing the bundle chose reaches
// bwrap's own environment (no LD_PRELOAD into the host side), and no -P value or --env secret
// appears in any process's command line (/proc/PID/cmdline is readable by every local user).
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { findOnPath } from '../snapshot/run-tool.js';

export interface Sandbox {
  kind: 'bubblewrap';
  bwrap: string;
}

/** Variables of this machine an entry point gets without asking: none that can hold a secret. */
export const ENV_ALLOWLIST = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'LC_NUMERIC', 'TZ', 'TERM'] as const;

/** bwrap's own environment: fixed, whatever the caller's or the bundle's. */
export const BWRAP_ENV: Readonly<Record<string, string>> = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

/** Top-level directories bound read-only (or re-created as the links they are on merged-/usr systems). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/sys'];
/** What of /etc a run reads: the loader, certificates, time, fonts, Debian's alternatives and Python's config. */
const ETC_ALLOWLIST = [
  'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'alternatives', 'ssl', 'ca-certificates', 'ca-certificates.conf', 'pki', 'crypto-policies',
  'localtime', 'timezone', 'fonts', 'os-release', 'lsb-release', 'debian_version', 'hosts', 'host.conf', 'nsswitch.conf', 'gai.conf',
  'mime.types', 'protocols', 'services', 'locale.alias', 'locale.conf', 'bash.bashrc', 'profile', 'inputrc', 'matplotlibrc',
];
/** Where the entry point's command is, inside the sandbox (never in the writable run directory). */
export const ENTRY_SCRIPT = '/run/repro/entry.sh';
/** Emptied: whatever the host keeps there (sockets, keys, other users' files) is not the run's. */
const HIDDEN_DIRS = ['/tmp', '/run', '/var', '/home', '/root', '/mnt', '/media', '/srv', '/opt'];

/** bubblewrap, when it is installed and works here (user namespaces allowed), or why not. */
export async function findSandbox(env: Readonly<Record<string, string | undefined>>): Promise<Sandbox | { reason: string }> {
  const bwrap = await findOnPath('bwrap', env.PATH);
  if (!bwrap) return { reason: 'bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)' };
  const probe = spawnSync(bwrap, [...systemBinds(), '--dev', '/dev', '--unshare-all', '--cap-drop', 'ALL', '--die-with-parent', '/bin/true'], { timeout: 5000, encoding: 'utf8', env: BWRAP_ENV });
  if (probe.status !== 0) return { reason: `bubblewrap does not work here: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}` };
  return { kind: 'bubblewrap', bwrap };
}

/** The variables of `host` named in `names` that are set. */
export function pickEnvironment(host: Readonly<Record<string, string | undefined>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) if (host[name] !== undefined) out[name] = host[name]!;
  return out;
}

/**
 * The environment an entry point runs with, on either local flavour: the allowlisted variables of
 * this machine, then exec's defaults (the bundle's SOURCE_DATE_EPOCH, the snapshot's recorded
 * determinism variables), then what --env passes, then the manifest's env.
 */
export function cleanEnvironment(host: Readonly<Record<string, string | undefined>>, manifestEnv: Readonly<Record<string, string>>, passed: readonly string[], defaults: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...pickEnvironment(host, ENV_ALLOWLIST), ...defaults, ...pickEnvironment(host, passed), HOME: '/tmp', ...manifestEnv };
}

export interface SandboxedCommand {
  runDir: string;
  workDir: string;
  network: string;
  env: Record<string, string>;
  /** The shell and its -c (bash for MLflow's rules, /bin/sh for repro.yaml). */
  shell: readonly string[];
  command: string;
  /** Files and directories the user named as path parameters: bound read-only at the same place. */
  readPaths: readonly string[];
  /** What runs the shell inside the sandbox (prlimit and its limits), if anything. */
  prefix?: readonly string[];
  /** The rerun's one interpreter (snapshot/find-python.ts): its prefixes readable, `python` and `python3` in INTERPRETER_BIN run it. */
  interpreter?: { path: string; prefixes: readonly string[] };
  /** Folders of this machine shown at a path inside the run directory: read-only (the locked node_modules as the project's) unless writable (exec --verify's reordered copy). */
  overlays?: ReadonlyArray<{ source: string; dest: string; writable?: boolean }>;
  /** The host name inside the sandbox's UTS namespace (exec --verify's hostname variation); else the host's. */
  hostname?: string;
}

/** Where the rerun's `python` and `python3` are, inside the sandbox: first on the entry point's PATH. */
export const INTERPRETER_BIN = '/run/repro/bin';
/** The names that run the rerun's interpreter (the .py convention runs `python`, which Debian does not have). */
export const INTERPRETER_NAMES = ['python', 'python3'] as const;

/** A shim that runs `python` (not a link: a venv's interpreter finds its pyvenv.cfg only by the path it was started as). */
export function interpreterShim(python: string): string {
  return `#!/bin/sh\nexec '${python.replace(/'/g, `'\\''`)}' "$@"\n`;
}

/** Whether a path is under one the system binds already give (read-only). */
const underSystem = (p: string) => SYSTEM_DIRS.some((d) => p === d || p.startsWith(`${d}/`));
/** Where sockets and devices live: an interpreter's prefix there is never bound (nor a top-level folder, nor /). */
const NEVER_BOUND = ['/run', '/var/run', '/proc', '/dev', '/etc'];

/** Whether a path is where the sandbox never shows a run anything of the host's (/run, /proc, /dev and /etc are its own). */
export function hiddenInSandbox(p: string): boolean {
  const clean = path.posix.normalize(p);
  return NEVER_BOUND.some((d) => clean === d || clean.startsWith(`${d}/`));
}

/** Whether an interpreter's prefix may be bound read-only into the sandbox. */
export function bindablePrefix(p: string): boolean {
  const clean = path.posix.normalize(p);
  if (!path.posix.isAbsolute(clean) || clean.split('/').filter(Boolean).length < 2) return false;
  return !hiddenInSandbox(clean) && !underSystem(clean);
}

/** How bwrap is started: its argv (no secret in it), its environment, and what it reads from each extra fd (3, 4, …). */
export interface SandboxInvocation {
  argv: string[];
  env: Readonly<Record<string, string>>;
  /** fd 3 holds the NUL-separated arguments (--args 3); the next ones the data files. */
  fds: Buffer[];
}

/** The read-only system: each top-level directory bound, or re-created as the link it is. */
function systemBinds(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (st.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  return args;
}

/** The allowlisted /etc entries present here (python3.* config directories included). */
function etcBinds(network: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync('/etc');
  } catch {
    return [];
  }
  const wanted = new Set([...ETC_ALLOWLIST, ...(network !== 'none' ? ['resolv.conf'] : [])]);
  return names.filter((n) => wanted.has(n) || /^python3(\.\d+)?$/.test(n)).sort().flatMap((n) => ['--ro-bind-try', `/etc/${n}`, `/etc/${n}`]);
}

/** A minimal passwd and group: root, and the caller when it is not root, both at home in /tmp. */
function identityFiles(uid: number, gid: number): { passwd: string; group: string } {
  const passwd = ['root:x:0:0:root:/tmp:/bin/sh', ...(uid !== 0 ? [`repro:x:${uid}:${gid}:repro:/tmp:/bin/sh`] : []), 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin'];
  const group = ['root:x:0:', ...(gid !== 0 ? [`repro:x:${gid}:`] : []), 'nogroup:x:65534:'];
  return { passwd: `${passwd.join('\n')}\n`, group: `${group.join('\n')}\n` };
}

/** The bwrap invocation that runs `command` under its shell in the sandbox. */
export function sandboxInvocation(bwrap: string, run: SandboxedCommand, who: { uid: number; gid: number } = { uid: 0, gid: 0 }): SandboxInvocation {
  const args = [...systemBinds()];
  for (const dir of HIDDEN_DIRS) args.push('--tmpfs', dir);
  args.push(...etcBinds(run.network));
  const ids = identityFiles(who.uid, who.gid);
  args.push('--ro-bind-data', '4', '/etc/passwd', '--ro-bind-data', '5', '/etc/group');
  args.push('--dev', '/dev', '--proc', '/proc');
  // What the user named in a path parameter is readable where the command was told it is, even
  // under a hidden directory; never what a bundle's default names.
  for (const p of run.readPaths) args.push('--ro-bind', p, p);
  // The interpreter exec planned, readable where it is (pyenv's under /root, a venv under /home),
  // and run by the names scripts use.
  const shims: Buffer[] = [];
  if (run.interpreter) {
    for (const p of run.interpreter.prefixes) if (bindablePrefix(p)) args.push('--ro-bind', p, p);
    args.push('--dir', INTERPRETER_BIN);
    INTERPRETER_NAMES.forEach((name, i) => {
      args.push('--perms', '0555', '--ro-bind-data', String(7 + i), `${INTERPRETER_BIN}/${name}`);
      shims.push(Buffer.from(interpreterShim(run.interpreter!.path)));
    });
  }
  args.push('--bind', run.runDir, run.runDir);
  // After the run directory: these are mounted over folders of it, read-only.
  for (const o of run.overlays ?? []) args.push(o.writable ? '--bind' : '--ro-bind', o.source, o.dest);
  args.push('--dir', path.posix.dirname(ENTRY_SCRIPT), '--ro-bind-data', '6', ENTRY_SCRIPT);
  args.push('--chdir', run.workDir, '--unshare-all');
  if (run.hostname !== undefined) args.push('--hostname', run.hostname);
  if (run.network !== 'none') args.push('--share-net');
  args.push('--cap-drop', 'ALL', '--die-with-parent', '--new-session', '--clearenv');
  for (const [k, v] of Object.entries(run.env)) args.push('--setenv', k, v);
  // bwrap takes options from --args, the command from its own argv: the shell and the script's
  // path, neither of them a secret.
  return {
    argv: [bwrap, '--args', '3', ...(run.prefix ?? []), run.shell[0]!, ENTRY_SCRIPT],
    env: BWRAP_ENV,
    fds: [Buffer.from(args.map((a) => `${a}\0`).join('')), Buffer.from(ids.passwd), Buffer.from(ids.group), Buffer.from(`${run.command}\n`), ...shims],
  };
}
