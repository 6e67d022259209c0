// exec --verify's plan: which variations apply on which machine and backend, what the plain and
// varied runs are given, and how --vary/--no-vary select them.
import { describe, expect, it } from 'vitest';
import { combinedConditions, planVariations, selectVariations, THREAD_VARIABLES, VARIATION_IDS, VARIED_TZ, zoneOffsets, type VariationFacts } from '../../../src/exec/variations.js';
import { allowedCpus } from '../../../src/snapshot/probe-os.js';
import { ReproError } from '../../../src/core/errors.js';

const facts: VariationFacts = { backend: 'local', sandboxed: true, cpuList: [0, 1, 2, 3], env: { PATH: '/usr/bin', LANG: 'C.UTF-8', TZ: 'UTC' }, gpus: 0, locales: ['C', 'C.utf8', 'POSIX', 'sk_SK.utf8'], tmpfs: { dir: '/dev/shm' }, taskset: true, hostName: 'box', year: 2026 };
const byId = (f: VariationFacts, ids = [...VARIATION_IDS]) => Object.fromEntries(planVariations(ids, f).variations.map((v) => [v.id, v]));

describe('selectVariations', () => {
  it('every variation by default, in catalogue order; --vary narrows, --no-vary removes, commas or repeats', () => {
    expect(selectVariations(undefined, undefined)).toEqual([...VARIATION_IDS]);
    expect(selectVariations(['tz,hashseed'], undefined)).toEqual(['hashseed', 'tz']);
    expect(selectVariations(['tz', 'locale'], ['tz'])).toEqual(['locale']);
    expect(selectVariations(undefined, ['path,order'])).not.toContain('order');
  });

  it('an unknown name is a usage error that lists the known ones; nothing left is one too', () => {
    const err = (() => {
      try {
        selectVariations(['seed'], undefined);
      } catch (e) {
        return e as ReproError;
      }
    })();
    expect(err).toBeInstanceOf(ReproError);
    expect(err!.code).toBe('E_USAGE');
    expect(err!.hint).toContain('hashseed');
    expect(() => selectVariations(['tz'], ['tz'])).toThrow(/leave no variation/);
  });
});

describe('planVariations', () => {
  it('PYTHONHASHSEED unset: the plain runs get 0 and the varied ones 1, 2, …; a recorded seed is kept and varied from', () => {
    const plan = planVariations(['hashseed'], facts);
    expect(plan.baseline.env).toEqual({ PYTHONHASHSEED: '0' });
    expect(plan.variations[0]!.conditions(1).env).toEqual({ PYTHONHASHSEED: '1' });
    expect(plan.variations[0]!.conditions(2).env).toEqual({ PYTHONHASHSEED: '2' });
    const recorded = planVariations(['hashseed'], { ...facts, env: { PYTHONHASHSEED: '42' } });
    expect(recorded.baseline.env).toBeUndefined();
    expect(recorded.variations[0]!.conditions(1).env).toEqual({ PYTHONHASHSEED: '43' });
    expect(planVariations(['hashseed'], { ...facts, env: { PYTHONHASHSEED: 'random' } }).baseline.env).toEqual({ PYTHONHASHSEED: '0' });
  });

  it('threads: one thread where the run had the default, all cores where it had one; affinity pins the first allowed CPU', () => {
    const v = byId(facts);
    expect(v.threads!.conditions(1).env).toEqual(Object.fromEntries(THREAD_VARIABLES.map((n) => [n, '1'])));
    expect(byId({ ...facts, env: { OMP_NUM_THREADS: '1' } }).threads!.conditions(1).env!.OMP_NUM_THREADS).toBe('4');
    expect(byId({ ...facts, cpuList: [2, 3] }).affinity!.conditions(1)).toEqual({ cpus: '2' });
  });

  it('one CPU: threads and affinity do not apply, and say why; no taskset: affinity does not', () => {
    const v = byId({ ...facts, cpuList: [0] });
    expect(v.threads!.notApplicable).toMatch(/one CPU/);
    expect(v.affinity!.notApplicable).toMatch(/one CPU/);
    expect(byId({ ...facts, taskset: false }).affinity!.notApplicable).toMatch(/taskset/);
  });

  it('the order and hostname variations need the sandbox; order a tmpfs too; path and order do not apply in a container', () => {
    const unconfined = byId({ ...facts, sandboxed: false });
    expect(unconfined.order!.notApplicable).toMatch(/sandbox/);
    expect(unconfined.hostname!.notApplicable).toMatch(/UTS/);
    expect(unconfined.path!.notApplicable).toBeNull();
    expect(byId({ ...facts, tmpfs: { reason: '/dev/shm is not a tmpfs' } }).order!.notApplicable).toBe('/dev/shm is not a tmpfs');
    expect(byId(facts).order!.conditions(1)).toEqual({ reorderedCopyIn: '/dev/shm' });
    const docker = byId({ ...facts, backend: 'docker', sandboxed: false });
    expect(docker.path!.notApplicable).toMatch(/image/);
    expect(docker.order!.notApplicable).toMatch(/image/);
    expect(docker.hostname!.notApplicable).toBeNull();
  });

  it('a container\'s plain runs are given this machine\'s name (else each run gets its own id)', () => {
    expect(planVariations(['tz'], { ...facts, backend: 'docker' }).baseline.hostname).toBe('box');
    expect(planVariations(['tz'], facts).baseline.hostname).toBeUndefined();
  });

  it('locale: a telling installed locale (sk_SK) when there is one, else C against C.UTF-8; TZ a POSIX rule no machine is in', () => {
    expect(byId(facts).locale!.conditions(1).env).toEqual({ LC_ALL: 'sk_SK.utf8', LANG: 'sk_SK.utf8' });
    expect(byId({ ...facts, locales: ['C', 'C.utf8'] }).locale!.conditions(1).env).toEqual({ LC_ALL: 'C', LANG: 'C' });
    expect(byId({ ...facts, env: { LC_ALL: 'C' }, locales: [] }).locale!.conditions(1).env).toEqual({ LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' });
    expect(byId(facts).tz!.conditions(1).env).toEqual({ TZ: VARIED_TZ });
    expect(byId({ ...facts, env: { TZ: VARIED_TZ } }).tz!.conditions(1).env!.TZ).not.toBe(VARIED_TZ);
    // Pacific/Chatham is +13:45 in its summer: the varied zone must differ from it all year.
    expect(byId({ ...facts, env: { TZ: 'Pacific/Chatham' } }).tz!.conditions(1).env!.TZ).toBe('<-0330>3:30');
    expect(byId({ ...facts, env: { TZ: 'America/St_Johns' } }).tz!.conditions(1).env!.TZ).toBe(VARIED_TZ);
  });

  it('GPU variations only where the run is given GPUs: cuBLAS workspace set or unset, device order reversed with two or more', () => {
    expect(byId(facts).cublas!.notApplicable).toMatch(/no GPU/);
    const gpu = byId({ ...facts, gpus: 2 });
    expect(gpu.cublas!.conditions(1).env).toEqual({ CUBLAS_WORKSPACE_CONFIG: ':4096:8' });
    expect(byId({ ...facts, gpus: 1, env: { CUBLAS_WORKSPACE_CONFIG: ':16:8' } }).cublas!.conditions(1).env).toEqual({ CUBLAS_WORKSPACE_CONFIG: null });
    expect(gpu.devices!.conditions(1).env).toEqual({ CUDA_VISIBLE_DEVICES: '1,0' });
    expect(byId({ ...facts, gpus: 1 }).devices!.notApplicable).toMatch(/two GPUs/);
  });
});

describe('combinedConditions', () => {
  it('every variation\'s conditions over the plain run\'s, variables merged', () => {
    const plan = planVariations(['hashseed', 'tz', 'affinity', 'path', 'hostname'], facts);
    const c = combinedConditions(plan.baseline, plan.variations, 1);
    expect(c).toEqual({ env: { PYTHONHASHSEED: '1', TZ: VARIED_TZ }, cpus: '0', varyPath: true, hostname: 'repro-varied-host' });
    expect(combinedConditions(plan.baseline, [], 1)).toEqual({ env: { PYTHONHASHSEED: '0' } });
  });
});

describe('allowedCpus', () => {
  it('reads Cpus_allowed_list ranges and lists', () => {
    expect(allowedCpus('Name:\tx\nCpus_allowed_list:\t0-2,5,7-8\n')).toEqual([0, 1, 2, 5, 7, 8]);
    expect(allowedCpus('Cpus_allowed_list:\t3\n')).toEqual([3]);
    expect(allowedCpus('').length).toBeGreaterThan(0);
  });
});

describe('zoneOffsets', () => {
  it('January and July offsets of an IANA zone; null for a name Intl does not know', () => {
    expect(zoneOffsets('Pacific/Chatham', 2026)).toEqual([825, 765]);
    expect(zoneOffsets('UTC', 2026)).toEqual([0, 0]);
    expect(zoneOffsets('<+1345>-13:45', 2026)).toBeNull();
  });
});
