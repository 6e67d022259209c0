// The lock's wheels fetched by repro itself, side by side and hashed as they arrive, when nothing
// about the lock or the machine could make pip choose another file: pip download fetches one file
// after another after ~0.7 s of start-up, which was most of `build --vendor`'s time on a local
// index (48 wheels: 1.2 s). wheel/fetch.ts tries this first and falls back to pip, whose report
// says what went wrong, on anything this does not handle or any failure:
//   - only these lock options: --index-url/-i and --extra-index-url (http/https),
//     --find-links/-f (an http/https page or an absolute folder), --no-index, --require-hashes,
//     --only-binary, --prefer-binary, --pre; every package pinned with == and hashed;
//   - no pip setting beyond the index ones (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS)
//     and harmless switches, in PIP_* variables or any pip.conf pip would read (global, XDG,
//     user, PIP_CONFIG_FILE, the interpreter's site); no proxy or netrc; a CA bundle (pip.conf's
//     cert) only where every source is plain http or Node.js is given one (NODE_EXTRA_CA_CERTS);
//   - for each package whose marker holds here, exactly one wheel that this interpreter installs
//     (its tags, its Requires-Python), of the pinned version, listed with a hash the lock names
//     or with none, among every index and find-links source: the one pip would pick too (pip
//     keeps those candidates, then takes the best-ranked; with one left there is no ranking).
// Every file is checked against the lock's hashes as it arrives; one that does not match is
// E_INTEGRITY (the index lists the locked hash and serves other bytes), nothing kept.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ReproError } from '../core/errors.js';
import { eachLimited } from '../core/each-limited.js';
import { sha256OfPath } from '../core/file-read.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { versionSatisfies } from '../lockfile/pep440.js';
import { evaluateMarker, type MarkerEnvironment } from '../lockfile/pep508.js';
import { parseRequirementLine, requirementLines } from '../lockfile/requirements.js';
import { splitCredentials, stripCredentials } from '../secrets/rules.js';
import { mismatchError, type FetchedWheel, type WheelFetcher } from '../wheel/fetch.js';
import { parseWheelName } from '../wheel/filename.js';
import { wheelFits, type InterpreterTags } from '../wheel/tags.js';
import { httpGet } from './http-get.js';
import { lockIndexes } from './sdist-fetch.js';
import { listLinks, pageFiles, type PageFile } from './simple.js';

const run = promisify(execFile);
/** A wheel's version is the pinned one, as pip's `==` compares (1.0 is 1.0.0; a pin without a local label takes any). */
const pinnedVersion = (version: string, pin: LockedPin) => versionSatisfies(version, `==${pin.version}`) === true;

/** Downloads at once. */
const WIDTH = 8;
/** Larger than any wheel on PyPI (the largest CUDA ones are ~4 GB). */
const MAX_WHEEL_BYTES = 16 * 1024 ** 3;
/** A download with no byte for this long is abandoned (pip's default timeout is 15 s). */
const IDLE_MS = 60_000;

/** pip settings in the environment that name where to fetch from: what this fetcher reads itself. */
const INDEX_VARS = new Set(['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_FIND_LINKS']);
/** pip settings that change nothing of which file is fetched or how (as PIP_X variables and pip.conf keys). */
const HARMLESS = new Set(['disable-pip-version-check', 'no-cache-dir', 'no-input', 'require-hashes', 'progress-bar', 'quiet', 'verbose', 'root-user-action', 'break-system-packages', 'no-color', 'cache-dir', 'prefer-binary', 'only-binary', 'timeout', 'default-timeout', 'retries']);
/** Settings about TLS only: nothing to them where every source is plain http or a folder. */
const TLS_ONLY = new Set(['cert', 'client-cert']);
/** What the HTTP client pip uses honours and Node's fetch does not. */
const NETWORK_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'NETRC'];
const TLS_VARS = ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];

const settingOf = (envVar: string) => envVar.slice(4).toLowerCase().replace(/_/g, '-');

/** The keys a pip.conf sets, in any section (an INI file: `key = value` lines). */
export function pipConfKeys(text: string): string[] {
  const keys: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z0-9_-]+)\s*[=:]/.exec(line);
    if (m && !/^\s*[#;]/.test(line)) keys.push(m[1]!.toLowerCase().replace(/_/g, '-'));
  }
  return keys;
}

/**
 * Why pip must fetch instead (its settings are in play), or null. A CA bundle (pip.conf's cert,
 * REQUESTS_CA_BUNDLE, as Debian-based images and TLS-inspecting networks set) is no reason when
 * `plain` (every source is an http:// URL or a folder: no TLS), or when NODE_EXTRA_CA_CERTS gives
 * Node.js a bundle too: every file is checked against the lock's hash, whoever vouched for the
 * connection.
 */
export function pipSettingsInPlay(env: Readonly<Record<string, string | undefined>>, prefix: string | null, plain: boolean, etc = '/etc'): string | null {
  const tls = plain || Boolean(env.NODE_EXTRA_CA_CERTS);
  const tolerated = (key: string) => HARMLESS.has(key) || (tls && TLS_ONLY.has(key));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || !k.startsWith('PIP_') || INDEX_VARS.has(k) || tolerated(settingOf(k))) continue;
    if (k === 'PIP_CONFIG_FILE' && v === os.devNull) continue; // pip then reads no configuration file at all
    if (k === 'PIP_CONFIG_FILE') continue; // read below, as pip reads it
    return `${k} is set`;
  }
  for (const k of [...NETWORK_VARS, ...(tls ? [] : TLS_VARS)]) if (env[k]) return `${k} is set`;
  const home = env.HOME ?? os.homedir();
  if (existsSync(path.join(home, '.netrc'))) return '~/.netrc exists';
  if (env.PIP_CONFIG_FILE === os.devNull) return null;
  const xdgHome = env.XDG_CONFIG_HOME || path.join(home, '.config');
  const xdgDirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':').filter((d) => d !== '');
  const files = [path.join(etc, 'pip.conf'), ...xdgDirs.map((d) => path.join(d, 'pip', 'pip.conf')), path.join(home, '.pip', 'pip.conf'), path.join(xdgHome, 'pip', 'pip.conf'), ...(env.PIP_CONFIG_FILE ? [env.PIP_CONFIG_FILE] : []), ...(prefix ? [path.join(prefix, 'pip.conf')] : []), ...(env.VIRTUAL_ENV ? [path.join(env.VIRTUAL_ENV, 'pip.conf')] : [])];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const key = pipConfKeys(text).find((k) => !tolerated(k));
    if (key !== undefined) return `pip reads ${key} from ${f}`;
  }
  return null;
}

/** A package the lock pins, with the sha256 hashes it allows. */
export interface LockedPin {
  name: string;
  version: string;
  hashes: Set<string>;
  marker: string | null;
}

/** Where the lock says to look. */
export interface LockSources {
  indexes: string[];
  findLinks: string[];
  pins: LockedPin[];
}

const words = (v: string | undefined) => (v ?? '').split(/\s+/).filter((w) => w !== '');

const OPTION = /^(--no-index|--require-hashes|--pre|--prefer-binary|--only-binary[=\s]+\S+|(-i|--index-url|--extra-index-url)[=\s]+(\S+)|(-f|--find-links)[=\s]+(\S+))$/;

/** The lock as this fetcher reads it, or why pip must read it instead. */
export function lockSources(text: string, env: Readonly<Record<string, string | undefined>>): LockSources | { unsure: string } {
  let noIndex = false;
  const findLinks: string[] = [];
  const pins: LockedPin[] = [];
  for (const line of requirementLines(text)) {
    if (line.startsWith('-')) {
      const m = OPTION.exec(line);
      if (!m) return { unsure: `the lock has the option ${JSON.stringify(line.split(/[=\s]/)[0])}` };
      if (m[1] === '--no-index') noIndex = true;
      else if (m[5] !== undefined) {
        if (!/^(https?:\/\/|\/)/.test(m[5])) return { unsure: `--find-links ${m[5]} is read against the lock's folder` };
        findLinks.push(m[5]);
      }
      continue;
    }
    const req = parseRequirementLine(line);
    if (!req || req.url !== null || req.editable || req.version === null) return { unsure: `${req?.name ?? JSON.stringify(line.slice(0, 60))} is not pinned with ==` };
    if (!/^==[^=]/.test(req.spec ?? '')) return { unsure: `${req.name} is not pinned with ==` }; // === compares strings: pip's
    const hashes = new Set(req.hashes.filter((h) => h.startsWith('sha256:')).map((h) => h.slice(7)));
    if (hashes.size === 0) return { unsure: `${req.name} has no sha256 hash` };
    if (pins.some((p) => p.name === req.name)) return { unsure: `${req.name} is on two lines` };
    pins.push({ name: req.name, version: req.version, hashes, marker: req.marker });
  }
  // The indexes pip asks, as the sdist fetcher reads them (the lock's, else PIP_INDEX_URL, else PyPI; then the extra ones).
  const indexes = noIndex ? [] : lockIndexes(text, env);
  for (const u of indexes) if (!/^https?:\/\//.test(u)) return { unsure: `the index ${stripCredentials(u)} is no http(s) URL` };
  // PIP_FIND_LINKS adds to the lock's, as pip's option default does.
  for (const f of words(env.PIP_FIND_LINKS)) {
    if (!/^(https?:\/\/|\/)/.test(f)) return { unsure: `PIP_FIND_LINKS names ${f}, read against the working folder` };
    findLinks.push(f);
  }
  return { indexes, findLinks, pins };
}

/** What the interpreter pip would run as says of itself: its tags, its marker environment, its prefix (for the site pip.conf). */
export interface PythonFacts {
  tags: InterpreterTags;
  markers: MarkerEnvironment;
  prefix: string;
}

const FACTS = [
  'import json, os, platform, sys',
  'try:',
  '    glibc = os.confstr("CS_GNU_LIBC_VERSION")',
  'except (ValueError, OSError, AttributeError):',
  '    glibc = None',
  'i = sys.implementation.version',
  'iv = "%d.%d.%d" % (i.major, i.minor, i.micro) + ("" if i.releaselevel == "final" else i.releaselevel[0] + str(i.serial))',
  'print(json.dumps({"implementation": sys.implementation.name, "version": list(sys.version_info[:2]), "glibc": glibc, "machine": platform.machine(), "prefix": sys.prefix, "markers": {"implementation_name": sys.implementation.name, "implementation_version": iv, "os_name": os.name, "platform_machine": platform.machine(), "platform_release": platform.release(), "platform_system": platform.system(), "platform_version": platform.version(), "python_full_version": platform.python_version(), "platform_python_implementation": platform.python_implementation(), "python_version": ".".join(platform.python_version_tuple()[:2]), "sys_platform": sys.platform}}))',
].join('\n');

export async function pythonFacts(python: string): Promise<PythonFacts> {
  const { stdout } = await run(python, ['-I', '-c', FACTS], { timeout: 30_000 });
  const raw = JSON.parse(stdout) as { implementation: string; version: [number, number]; glibc: string | null; machine: string; prefix: string; markers: MarkerEnvironment };
  const glibc = /^glibc (\d+)\.(\d+)/.exec(raw.glibc ?? '');
  return { tags: { implementation: raw.implementation, version: raw.version, glibc: glibc ? [Number(glibc[1]), Number(glibc[2])] : null, machine: raw.machine }, markers: raw.markers, prefix: raw.prefix };
}

/** A file one of the lock's sources offers: on an index or a find-links page (a URL; its sha256 when the page gives one), or in a find-links folder (a path, hashed here). */
interface Offer {
  file: PageFile | { filename: string; path: string; requiresPython: null };
  sha256: string | null;
  /** Bytes, where the index (PEP 700) or the folder says: for progress only. */
  size: number | null;
}

/** What chooseWheel needs of an offer. */
export interface Candidate {
  filename: string;
  sha256: string | null;
  requiresPython: string | null;
}

/**
 * The one wheel of `pin` pip would pick among the offers, or why this cannot say. As pip: the
 * wheels of the pinned version this interpreter takes (tags, Requires-Python); of those, the ones
 * whose listed hash the lock allows and the ones listed without a hash (all of them when none is
 * allowed); then pip ranks them. With one left there is nothing to rank.
 */
export function chooseWheel(pin: LockedPin, offers: readonly Candidate[], facts: Pick<PythonFacts, 'tags' | 'markers'>): { index: number; sha256: string | null; filename: string } | { unsure: string } {
  const fitting: number[] = [];
  for (const [i, o] of offers.entries()) {
    const wheel = parseWheelName(o.filename);
    if (!wheel || wheel.project !== pin.name || !pinnedVersion(wheel.version, pin) || !wheelFits(wheel, facts.tags)) continue;
    if (o.requiresPython !== null && o.requiresPython.trim() !== '') {
      const ok = versionSatisfies(facts.markers.python_full_version, o.requiresPython);
      if (ok === null) return { unsure: `${o.filename}'s Requires-Python ${JSON.stringify(o.requiresPython)} does not parse` };
      if (!ok) continue;
    }
    fitting.push(i);
  }
  const allowed = fitting.filter((i) => offers[i]!.sha256 !== null && pin.hashes.has(offers[i]!.sha256!));
  const kept = allowed.length > 0 ? fitting.filter((i) => offers[i]!.sha256 === null || pin.hashes.has(offers[i]!.sha256!)) : fitting;
  // The same file from two sources is one candidate: by its hash, or by its name when unhashed.
  const distinct = new Map<string, number>();
  for (const i of kept) {
    const key = offers[i]!.sha256 ?? `name:${offers[i]!.filename}`;
    if (!distinct.has(key)) distinct.set(key, i);
  }
  if (distinct.size === 1) {
    const i = [...distinct.values()][0]!;
    return { index: i, sha256: offers[i]!.sha256, filename: offers[i]!.filename };
  }
  return { unsure: distinct.size === 0 ? `no wheel of ${pin.name}==${pin.version} fits this interpreter` : `${distinct.size} wheels of ${pin.name}==${pin.version} fit this interpreter (pip ranks them)` };
}

/** Thrown inside to stop and hand the lock to pip, with the reason. */
class Unsure extends Error {}

export const fetchLockWheels: WheelFetcher = async (request) => {
  const sources = lockSources(request.requirementsText, request.env);
  if ('unsure' in sources) return sources;
  let facts: PythonFacts;
  try {
    facts = await pythonFacts(request.python);
  } catch (err) {
    return { unsure: `${request.python} did not describe itself (${(err as Error).message.split('\n')[0]})` };
  }
  const plain = [...sources.indexes, ...sources.findLinks].every((u) => u.startsWith('http://') || u.startsWith('/'));
  const settings = pipSettingsInPlay(request.env, facts.prefix, plain);
  if (settings) return { unsure: settings };
  const wanted: LockedPin[] = [];
  for (const pin of sources.pins) {
    if (pin.marker === null) {
      wanted.push(pin);
      continue;
    }
    const holds = evaluateMarker(pin.marker, facts.markers);
    if (holds === null) return { unsure: `${pin.name}'s marker ${JSON.stringify(pin.marker)} cannot be evaluated here` };
    if (holds) wanted.push(pin);
  }
  try {
    // The find-links sources, read once: a page's files, a folder's names (hashed only when a candidate).
    const pages = await Promise.all(sources.findLinks.filter((f) => /^https?:/.test(f)).map((f) => pageFiles(f)));
    const folders = await Promise.all(sources.findLinks.filter((f) => f.startsWith('/')).map(async (d) => ({ dir: d, names: await fs.readdir(d).catch(() => [] as string[]) })));
    const chosen: Array<{ pin: LockedPin; filename: string; offer: Offer }> = [];
    await eachLimited(wanted, WIDTH, async (pin) => {
      const offers: Offer[] = [];
      for (const index of sources.indexes) for (const f of (await listLinks(index, pin.name)) ?? []) offers.push({ file: f, sha256: f.sha256, size: f.size ?? null });
      for (const page of pages) for (const f of page(pin.name)) offers.push({ file: f, sha256: f.sha256, size: f.size ?? null });
      for (const { dir, names } of folders) {
        for (const name of names) {
          const wheel = parseWheelName(name);
          if (!wheel || wheel.project !== pin.name || !wheelFits(wheel, facts.tags) || !pinnedVersion(wheel.version, pin)) continue;
          const p = path.join(dir, name);
          offers.push({ file: { filename: name, path: p, requiresPython: null }, sha256: sha256OfPath(p), size: statSync(p).size });
        }
      }
      const pick = chooseWheel(pin, offers.map((o) => ({ filename: o.file.filename, sha256: o.sha256, requiresPython: o.file.requiresPython })), facts);
      if ('unsure' in pick) throw new Unsure(pick.unsure);
      chosen.push({ pin, filename: pick.filename, offer: offers[pick.index]! });
    });
    request.log.info(`${request.who}: fetching its ${chosen.length} wheels from ${sources.indexes.length + sources.findLinks.length} source${sources.indexes.length + sources.findLinks.length === 1 ? '' : 's'}, ${WIDTH} at a time, each checked against the lock as it arrives`);
    const wheels: FetchedWheel[] = [];
    // Bytes where every file's size is known (PEP 700 indexes, folders), else wheels.
    const sizes = chosen.map((c) => c.offer.size);
    const inBytes = sizes.every((n) => n !== null);
    const progress = request.progress;
    progress?.start(`fetching ${chosen.length} wheels`, inBytes ? sizes.reduce<number>((a, n) => a + n!, 0) : chosen.length, inBytes ? 'bytes' : 'items');
    try {
      await eachLimited(chosen, WIDTH, async (c) => {
        let ticked = 0;
        const onBytes = inBytes && progress ? (n: number) => {
          // Never past what the index said (a file larger than it said is the hash check's to refuse).
          const step = Math.min(n, c.offer.size! - ticked);
          if (step > 0) progress.tick(step);
          ticked += Math.max(0, step);
        } : undefined;
        const got = await fetchOne(c.pin, c.offer, c.filename, request.store, request.lock, onBytes);
        if (inBytes) {
          if (c.offer.size! > ticked) progress?.tick(c.offer.size! - ticked);
        } else progress?.tick(1);
        wheels.push(got);
      });
    } finally {
      progress?.stop();
    }
    return { wheels: wheels.sort((a, b) => compareUtf8(a.file, b.file)) };
  } catch (err) {
    if (err instanceof Unsure) return { unsure: err.message };
    if (err instanceof ReproError && err.code === 'E_INTEGRITY') throw err;
    return { unsure: `${(err as Error).message.split('\n')[0]}` };
  }
};

/** The wheel in the store (<store>/<sha256>/<file>): found there with its hash, else fetched (or copied from a find-links folder), checked against the lock as it arrives, and put there. */
async function fetchOne(pin: LockedPin, offer: Offer, filename: string, store: string, lock: string, onBytes?: (n: number) => void): Promise<FetchedWheel> {
  if (offer.sha256 !== null) {
    const source = path.join(store, offer.sha256, filename);
    const have = await fs.stat(source).then((s) => (s.isFile() ? s.size : null), () => null);
    if (have !== null && sha256OfPath(source) === offer.sha256) return { file: filename, source, sha256: offer.sha256, size: have, package: pin.name };
  }
  const tmp = path.join(store, `.${filename}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const got = 'path' in offer.file ? await copyHashed(offer.file.path, tmp) : await downloadHashed(offer.file.url, tmp, onBytes);
    if (!pin.hashes.has(got.sha256)) throw mismatchError(lock, [{ package: pin.name, expected: [...pin.hashes], got: got.sha256 }]);
    const dir = path.join(store, got.sha256);
    await fs.mkdir(dir, { recursive: true });
    const source = path.join(dir, filename);
    await fs.rename(tmp, source);
    return { file: filename, source, sha256: got.sha256, size: got.size, package: pin.name };
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

async function copyHashed(from: string, to: string): Promise<{ sha256: string; size: number }> {
  await fs.copyFile(from, to);
  return { sha256: sha256OfPath(to), size: (await fs.stat(to)).size };
}

/** Streams a URL into a file, hashing it on the way (a wheel can be gigabytes: never held whole). */
async function downloadHashed(resolved: string, to: string, onBytes?: (n: number) => void): Promise<{ sha256: string; size: number }> {
  const { url, authorization } = splitCredentials(new URL(resolved));
  const res = await httpGet(url.toString(), { authorization, idleMs: IDLE_MS });
  if (res.status !== 200) {
    res.cancel();
    throw new Error(`${stripCredentials(resolved)}: HTTP ${res.status}`);
  }
  const hash = createHash('sha256');
  let size = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > MAX_WHEEL_BYTES) return done(new Error(`${stripCredentials(resolved)}: more than ${MAX_WHEEL_BYTES} bytes`));
      hash.update(chunk);
      onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  await pipeline(res.body, counted, createWriteStream(to, { flags: 'wx', mode: 0o644 }));
  return { sha256: hash.digest('hex'), size };
}
