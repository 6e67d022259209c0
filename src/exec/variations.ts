// exec --verify's variations: each a condition the entry point's result should not depend on,
// given one value in the plain run and another in a varied one. A pure plan from the facts of
// this machine and the run (machine-facts.ts gathers them): which variations apply here, what
// each plain and varied run is given, and why one that does not apply is left out. The runs
// themselves are verify-run.ts's; the backends apply the conditions (run-local.ts, run-docker.ts).
import type { RunConditions } from './backend.js';
import { ReproError } from '../core/errors.js';

export const VARIATION_IDS = ['hashseed', 'threads', 'affinity', 'path', 'order', 'tz', 'locale', 'hostname', 'cublas', 'devices'] as const;
export type VariationId = (typeof VARIATION_IDS)[number];

/** What each variation changes and what it exposes (--help and docs/VERIFY.md say the same). */
export const VARIATION_DOCS: Readonly<Record<VariationId, { title: string; exposes: string }>> = {
  hashseed: { title: 'PYTHONHASHSEED', exposes: 'iteration over sets and str-keyed hashes (set order, hash() of str)' },
  threads: { title: 'thread counts', exposes: 'reductions whose order follows the thread count (BLAS, OpenMP, torch intra-op): OMP/MKL/OPENBLAS/BLIS/NUMEXPR_NUM_THREADS 1 vs all cores' },
  affinity: { title: 'CPU affinity', exposes: 'libraries that size their pools from the CPUs they may run on (taskset -c, a container\'s cpuset)' },
  path: { title: 'run directory path', exposes: 'absolute paths written into outputs (a space and non-ASCII letters in the varied one)' },
  order: { title: 'file creation order', exposes: 'unsorted os.listdir, glob, Path.iterdir (the project copied onto a tmpfs in the opposite listing order)' },
  tz: { title: 'TZ', exposes: 'local time in outputs (a UTC+13:45 zone in the varied run)' },
  locale: { title: 'locale', exposes: 'number formatting and collation through the C locale (LC_ALL and LANG)' },
  hostname: { title: 'hostname', exposes: 'the machine\'s name in outputs (a UTS namespace or the container\'s)' },
  cublas: { title: 'CUBLAS_WORKSPACE_CONFIG', exposes: 'cuBLAS kernels that are deterministic only with a fixed workspace (GPU)' },
  devices: { title: 'GPU device order', exposes: 'results that depend on which GPU is device 0 (CUDA_VISIBLE_DEVICES reversed)' },
};

/** The thread-count variables the threads variation sets. */
export const THREAD_VARIABLES = ['OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'BLIS_NUM_THREADS', 'VECLIB_MAXIMUM_THREADS', 'NUMEXPR_NUM_THREADS'] as const;

/** Time zones few machines are in, written as POSIX rules so they need no zoneinfo files (an image may have none), with their UTC offsets in minutes. */
export const VARIED_TZ = '<+1345>-13:45';
const TZ_CANDIDATES: ReadonlyArray<[string, number]> = [[VARIED_TZ, 825], ['<-0330>3:30', -210], ['<+0545>-5:45', 345]];

/** A zone's UTC offsets (minutes) in January and July of `year`, or null when Intl does not know the name (a POSIX rule, say). */
export function zoneOffsets(tz: string | undefined, year: number): number[] | null {
  try {
    return [0, 6].map((month) => {
      const at = Date.UTC(year, month, 1, 12);
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(new Date(at));
      const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
      return Math.round((Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute')) - at) / 60000);
    });
  } catch {
    return null;
  }
}

/** The varied run's TZ: a candidate whose offset is none of the plain zone's (Pacific/Chatham is +13:45 in its summer, as VARIED_TZ is). */
export function variedZone(plain: string | undefined, year: number): string {
  const offsets = zoneOffsets(plain, year) ?? [];
  return (TZ_CANDIDATES.find(([tz, off]) => tz !== plain && !offsets.includes(off)) ?? TZ_CANDIDATES[1]!)[0];
}

/** Locales tried for the varied run, most telling first (a decimal comma, their own collation). */
const LOCALE_PREFERENCE = ['sk_SK.utf8', 'de_DE.utf8', 'fr_FR.utf8', 'cs_CZ.utf8', 'tr_TR.utf8'];

/** The run directory's name in the path variation's run: a space and letters beyond ASCII. */
export const VARIED_RUN_DIR = 'run dir ü Ω';
export const VARIED_HOSTNAME = 'repro-varied-host';

/** What the plan needs to know of this machine and of the plain run. */
export interface VariationFacts {
  backend: 'local' | 'docker';
  /** Local: whether the run is in bubblewrap (its namespaces give hostname and the reordered copy). */
  sandboxed: boolean;
  /** The CPUs this process may run on (affinity), in taskset's list form, and how many. */
  cpuList: number[];
  /** The plain run's environment. */
  env: Readonly<Record<string, string>>;
  /** GPUs the run is given. */
  gpus: number;
  /** Locales installed here (locale -a), for the local backend. */
  locales: readonly string[];
  /** A tmpfs folder with room for the project's copy, or why there is none. */
  tmpfs: { dir: string } | { reason: string };
  /** Whether taskset (util-linux) is installed (local affinity). */
  taskset: boolean;
  /** This machine's name: a container is given it in the plain runs (else each would get its own id). */
  hostName: string;
  /** The year whose January and July offsets the varied time zone must differ from. */
  year: number;
}

export interface PlannedVariation {
  id: VariationId;
  title: string;
  exposes: string;
  /** What the plain and the varied runs are given, in words. */
  plain: string;
  varied: string;
  /** Why it is left out here (null: it applies). */
  notApplicable: string | null;
  /** The conditions of varied run k (1, 2, …: another value each time where there are many). */
  conditions: (k: number) => RunConditions & { varyPath?: boolean };
}

export interface VariationPlan {
  /** What the plain run (and the control) is given: a fixed PYTHONHASHSEED when none was set, so the seed is a variation and not noise. */
  baseline: RunConditions;
  variations: PlannedVariation[];
}

/** The variations --vary/--no-vary select, in catalogue order; an unknown name is a usage error. */
export function selectVariations(vary: readonly string[] | undefined, noVary: readonly string[] | undefined): VariationId[] {
  const check = (flag: string, names: readonly string[]) => {
    for (const n of names) {
      if (!(VARIATION_IDS as readonly string[]).includes(n)) {
        throw new ReproError('E_USAGE', `${flag}: no variation is called ${JSON.stringify(n)}`, { hint: `The variations are ${VARIATION_IDS.join(', ')} (docs/VERIFY.md says what each exposes).`, details: { flag, name: n, known: [...VARIATION_IDS] } });
      }
    }
  };
  const list = (v: readonly string[] | undefined) => (v ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
  const want = list(vary);
  const skip = list(noVary);
  check('--vary', want);
  check('--no-vary', skip);
  const chosen = VARIATION_IDS.filter((id) => (want.length === 0 || want.includes(id)) && !skip.includes(id));
  if (chosen.length === 0) throw new ReproError('E_USAGE', '--vary and --no-vary leave no variation to run', { hint: 'Name at least one variation that --no-vary does not remove.', details: { vary: want, noVary: skip } });
  return chosen;
}

const shown = (v: string | undefined) => (v === undefined ? 'unset' : v === '' ? 'empty' : v);

/** The plan for the selected variations on this machine. */
export function planVariations(selected: readonly VariationId[], facts: VariationFacts): VariationPlan {
  const env = facts.env;
  // PYTHONHASHSEED unset (or "random") would make every run its own: the plain runs get 0.
  const recordedSeed = env.PYTHONHASHSEED;
  const seed = recordedSeed !== undefined && /^\d+$/.test(recordedSeed) ? Number(recordedSeed) : 0;
  const fixedSeed = recordedSeed === undefined || !/^\d+$/.test(recordedSeed);
  const baseline: RunConditions = { ...(fixedSeed ? { env: { PYTHONHASHSEED: '0' } } : {}), ...(facts.backend === 'docker' ? { hostname: facts.hostName } : {}) };
  const cpus = facts.cpuList.length;
  const local = facts.backend === 'local';
  const plan = (id: VariationId, plain: string, varied: string, notApplicable: string | null, conditions: PlannedVariation['conditions']): PlannedVariation => ({ id, ...VARIATION_DOCS[id], plain, varied, notApplicable, conditions });
  const all: Record<VariationId, () => PlannedVariation> = {
    hashseed: () => plan('hashseed', `PYTHONHASHSEED=${seed}${fixedSeed ? ' (none was set: fixed for the plain runs)' : ''}`, `PYTHONHASHSEED=${seed + 1}, ${seed + 2}, …`, null, (k) => ({ env: { PYTHONHASHSEED: String(seed + k) } })),
    threads: () => {
      const one = env.OMP_NUM_THREADS === '1';
      const value = one ? String(cpus) : '1';
      const plain = one ? 'OMP_NUM_THREADS=1 (as the run sets it)' : env.OMP_NUM_THREADS === undefined ? `libraries' default (all ${cpus} CPUs)` : `OMP_NUM_THREADS=${env.OMP_NUM_THREADS}`;
      return plan('threads', plain, `${THREAD_VARIABLES.join(', ')}=${value}`, cpus < 2 ? 'this machine gives the run one CPU: one thread and all cores are the same' : null, () => ({
        env: Object.fromEntries(THREAD_VARIABLES.map((v) => [v, value])),
      }));
    },
    affinity: () => {
      const first = facts.cpuList[0] ?? 0;
      const why = cpus < 2 ? 'this machine gives the run one CPU already' : local && !facts.taskset ? 'taskset (util-linux) is not installed' : null;
      return plan('affinity', `all ${cpus} CPUs the run may use`, local ? `taskset -c ${first}` : `cpuset ${first}`, why, () => ({ cpus: String(first) }));
    },
    path: () => plan('path', 'the run directory .../run', `the run directory .../${VARIED_RUN_DIR}`, local ? null : 'the project is at /project in the image', () => ({ varyPath: true })),
    order: () => {
      const why = !local ? 'the project is in the image, in the order it was built' : !facts.sandboxed ? 'needs the sandbox (the reordered copy is shown at the run\'s own path)' : 'reason' in facts.tmpfs ? facts.tmpfs.reason : null;
      return plan('order', 'files created as the copy lists them', 'files created in the opposite listing order (on a tmpfs)', why, () => ('dir' in facts.tmpfs ? { reorderedCopyIn: facts.tmpfs.dir } : {}));
    },
    tz: () => {
      const value = variedZone(env.TZ, facts.year);
      return plan('tz', `TZ=${shown(env.TZ)}`, `TZ=${value}`, null, () => ({ env: { TZ: value } }));
    },
    locale: () => {
      const current = (env.LC_ALL || env.LANG || 'C').toLowerCase().replace('-', '');
      const installed = facts.locales.map((l) => l.toLowerCase().replace('-', ''));
      const pick = local ? LOCALE_PREFERENCE.find((l) => installed.includes(l.toLowerCase()) && l.toLowerCase() !== current) : undefined;
      const value = pick ?? (current.startsWith('c.utf8') ? 'C' : 'C.UTF-8');
      return plan('locale', `LC_ALL=${shown(env.LC_ALL)} LANG=${shown(env.LANG)}`, `LC_ALL=LANG=${value}${pick ? '' : ' (no other locale is installed here)'}`, null, () => ({ env: { LC_ALL: value, LANG: value } }));
    },
    hostname: () => plan('hostname', local ? 'this machine\'s name' : 'this machine\'s name (the container is given it)', VARIED_HOSTNAME, local && !facts.sandboxed ? 'needs the sandbox\'s UTS namespace' : null, () => ({ hostname: VARIED_HOSTNAME })),
    cublas: () => {
      const set = env.CUBLAS_WORKSPACE_CONFIG;
      return plan('cublas', `CUBLAS_WORKSPACE_CONFIG=${shown(set)}`, set === undefined ? 'CUBLAS_WORKSPACE_CONFIG=:4096:8' : 'CUBLAS_WORKSPACE_CONFIG unset', facts.gpus === 0 ? 'no GPU is given to the run' : null, () => ({ env: { CUBLAS_WORKSPACE_CONFIG: set === undefined ? ':4096:8' : null } }));
    },
    devices: () => {
      const order = Array.from({ length: facts.gpus }, (_, i) => i);
      return plan('devices', `CUDA_VISIBLE_DEVICES=${shown(env.CUDA_VISIBLE_DEVICES)}`, `CUDA_VISIBLE_DEVICES=${[...order].reverse().join(',')}`, facts.gpus < 2 ? `needs two GPUs (the run is given ${facts.gpus})` : null, () => ({ env: { CUDA_VISIBLE_DEVICES: [...order].reverse().join(',') } }));
    },
  };
  return { baseline, variations: selected.map((id) => all[id]()) };
}

/** The conditions of a run under several variations at once: each one's, merged (the plain run's under them). */
export function combinedConditions(baseline: RunConditions, variations: readonly PlannedVariation[], k: number): RunConditions & { varyPath?: boolean } {
  let out: RunConditions & { varyPath?: boolean } = { ...baseline, env: { ...(baseline.env ?? {}) } };
  for (const v of variations) {
    const c = v.conditions(k);
    out = { ...out, ...c, env: { ...out.env, ...(c.env ?? {}) } };
  }
  return out;
}
