// repro lint's rules: what the parser (templates/lint-determinism.py) found, judged for this
// project. Version-aware: the snapshot's installed torch, TensorFlow, numpy and scikit-learn and
// its CUDA decide which rules apply and what the fix is; GPU rules apply to a GPU project only.
// Each finding names the exec --verify variation that would expose it ("control": it changes
// from run to run with nothing varied), so a verify run can confirm it. Pure: facts in, findings out.
import semver from 'semver';
import type { VariationId } from './variations.js';
import { compareUtf8 } from '../core/utf8-order.js';

export const LINT_RULES = {
  'cudnn-benchmark': { variation: 'control', gpu: true, fix: 'set torch.backends.cudnn.benchmark = False (and cudnn.deterministic = True)' },
  'torch-deterministic': { variation: 'control', gpu: true, fix: 'call torch.use_deterministic_algorithms(True) before training' },
  'cublas-workspace': { variation: 'cublas', gpu: true, fix: 'set CUBLAS_WORKSPACE_CONFIG=:4096:8 (repro.yaml env:, or os.environ before torch is imported)' },
  'dataloader-workers': { variation: 'control', gpu: false, fix: 'pass worker_init_fn (seeding numpy and random from torch.initial_seed()) and generator=torch.Generator().manual_seed(SEED)' },
  'unseeded-rng': { variation: 'control', gpu: false, fix: 'seed it once at the start (random.seed, numpy.random.default_rng(SEED), torch.manual_seed)' },
  'seed-from-time': { variation: 'control', gpu: false, fix: 'take the seed from a parameter (repro.yaml: seed: {type: int, role: seed})' },
  'sklearn-random-state': { variation: 'control', gpu: false, fix: 'pass random_state=SEED (or seed numpy.random once)' },
  'set-iteration': { variation: 'hashseed', gpu: false, fix: 'iterate over sorted(the set)' },
  'str-hash': { variation: 'hashseed', gpu: false, fix: 'use hashlib (sha256) for a stable hash' },
  'unsorted-listing': { variation: 'order', gpu: false, fix: 'wrap the listing in sorted()' },
  'tf-op-determinism': { variation: 'control', gpu: false, fix: 'call tf.config.experimental.enable_op_determinism()' },
  'local-time': { variation: 'tz', gpu: false, fix: 'use UTC (time.gmtime, datetime.fromtimestamp(t, tz=timezone.utc))' },
  hostname: { variation: 'hostname', gpu: false, fix: 'keep the machine\'s name out of outputs' },
  'absolute-path': { variation: 'path', gpu: false, fix: 'write paths relative to the project' },
  locale: { variation: 'locale', gpu: false, fix: 'format numbers with str() or f-strings, and sort without locale.strxfrm' },
} as const satisfies Record<string, { variation: VariationId | 'control'; gpu: boolean; fix: string }>;

export type LintRule = keyof typeof LINT_RULES;

/** What the parser prints (templates/lint-determinism.py). */
export interface ParsedProject {
  files: number;
  unparsed: Array<{ file: string; why: string }>;
  findings: Array<{ file: string; line: number; rule: string; detail: string }>;
  imports: string[];
  seeds: string[];
  uses: Record<string, { file: string; line: number }>;
  gpu: boolean;
  deterministicAlgorithms: boolean;
  opDeterminism: boolean;
  setsCublas: boolean;
  torchImport?: { file: string; line: number };
  tfImport?: { file: string; line: number };
}

/** What decides which rules apply, from the snapshot and the manifest. */
export interface LintContext {
  /** Installed distributions (the snapshot's Python packages), by normalized name. */
  packages: Record<string, string>;
  /** The snapshot's CUDA runtime version, when it has one. */
  cuda: string | null;
  /** The manifest requires GPUs, or the snapshot saw one. */
  gpuProject: boolean;
  /** Variables the manifest (repro.yaml env:) sets for every run. */
  env: Record<string, string>;
}

export interface LintFinding {
  file: string;
  line: number;
  rule: LintRule;
  /** Why it makes results differ. */
  why: string;
  fix: string;
  /** The exec --verify variation that would expose it; control: it changes with nothing varied. */
  variation: VariationId | 'control';
  /** After exec --verify: confirmed (its variation changed an output), not observed (it did not), not tested (its variation did not run). */
  status?: 'confirmed' | 'not observed' | 'not tested';
}

const v = (packages: Record<string, string>, name: string) => semver.coerce(packages[name] ?? '')?.version ?? null;
const atLeast = (version: string | null, min: string) => version === null || semver.gte(version, min);

/** The findings of a parsed project under what its snapshot says is installed. */
export function judge(parsed: ParsedProject, ctx: LintContext): LintFinding[] {
  const out: LintFinding[] = [];
  const imports = new Set(parsed.imports);
  const seeds = new Set(parsed.seeds);
  const gpu = ctx.gpuProject || parsed.gpu;
  const add = (file: string, line: number, rule: LintRule, why: string, fix: string = LINT_RULES[rule].fix) => out.push({ file, line, rule, why, fix, variation: LINT_RULES[rule].variation });
  const torch = v(ctx.packages, 'torch');
  const tf = v(ctx.packages, 'tensorflow') ?? v(ctx.packages, 'tensorflow-cpu');
  const numpy = v(ctx.packages, 'numpy');
  for (const f of parsed.findings) {
    if (!(f.rule in LINT_RULES)) continue;
    const rule = f.rule as LintRule;
    if (LINT_RULES[rule].gpu && !gpu) continue;
    // scikit-learn without random_state draws from numpy's global generator: seeded, it repeats.
    if (rule === 'sklearn-random-state' && seeds.has('numpy')) continue;
    let fix: string = LINT_RULES[rule].fix;
    if (rule === 'cudnn-benchmark' && torch !== null && !atLeast(torch, '1.8.0')) fix = 'set torch.backends.cudnn.benchmark = False and torch.backends.cudnn.deterministic = True';
    if (rule === 'unseeded-rng' && numpy !== null && !atLeast(numpy, '1.17.0')) fix = 'call numpy.random.seed(SEED) (numpy before 1.17 has no default_rng)';
    add(f.file, f.line, rule, f.detail, fix);
  }
  // A library whose random functions are used and that is never seeded anywhere in the project.
  for (const [lib, at] of Object.entries(parsed.uses).sort()) {
    if (seeds.has(lib) || (lib === 'torch' && !imports.has('torch'))) continue;
    add(at.file, at.line, 'unseeded-rng', `${lib}'s global random generator is used and never seeded in the project: every run draws other numbers`, lib === 'numpy' && numpy !== null && !atLeast(numpy, '1.17.0') ? 'call numpy.random.seed(SEED)' : LINT_RULES['unseeded-rng'].fix);
  }
  // torch on a GPU project: deterministic algorithms, and with them cuBLAS's workspace.
  if (parsed.torchImport && gpu) {
    if (!parsed.deterministicAlgorithms) {
      const fix = torch !== null && !atLeast(torch, '1.8.0') ? (atLeast(torch, '1.7.0') ? 'call torch.set_deterministic(True) (torch 1.7) and set torch.backends.cudnn.deterministic = True' : 'set torch.backends.cudnn.deterministic = True (torch before 1.7 has no switch for every op)') : LINT_RULES['torch-deterministic'].fix;
      add(parsed.torchImport.file, parsed.torchImport.line, 'torch-deterministic', `torch is imported on a GPU project${torch ? ` (torch ${torch})` : ''} without torch.use_deterministic_algorithms(True): CUDA kernels may add in any order`, fix);
    } else if (!parsed.setsCublas && ctx.env.CUBLAS_WORKSPACE_CONFIG === undefined && (ctx.cuda === null || atLeast(semver.coerce(ctx.cuda)?.version ?? null, '10.2.0'))) {
      add(parsed.torchImport.file, parsed.torchImport.line, 'cublas-workspace', `torch.use_deterministic_algorithms(True) with CUBLAS_WORKSPACE_CONFIG unset: cuBLAS${ctx.cuda ? ` (CUDA ${ctx.cuda})` : ''} refuses or stays nondeterministic`);
    }
  }
  // TensorFlow: op determinism, by the switch its version has.
  if (parsed.tfImport && !parsed.opDeterminism && ctx.env.TF_DETERMINISTIC_OPS === undefined && (tf === null || atLeast(tf, '2.0.0'))) {
    const fix = tf !== null && !atLeast(tf, '2.8.0') ? `set TF_DETERMINISTIC_OPS=1 (TensorFlow ${tf} has no enable_op_determinism)` : LINT_RULES['tf-op-determinism'].fix;
    add(parsed.tfImport.file, parsed.tfImport.line, 'tf-op-determinism', `TensorFlow${tf ? ` ${tf}` : ''} is imported without op determinism enabled`, fix);
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || compareUtf8(a.rule, b.rule)));
}

/** Each finding's status after exec --verify: its variation changed an output (confirmed), ran and did not (not observed), or did not run. */
export function confirmFindings(findings: readonly LintFinding[], verify: { applied: readonly string[]; changed: ReadonlySet<string>; unstable: boolean; controlRan: boolean }): LintFinding[] {
  return findings.map((f) => {
    if (f.variation === 'control') return { ...f, status: verify.unstable ? 'confirmed' : verify.controlRan || verify.applied.length > 0 ? 'not observed' : 'not tested' };
    if (!verify.applied.includes(f.variation)) return { ...f, status: 'not tested' };
    return { ...f, status: verify.changed.has(f.variation) ? 'confirmed' : 'not observed' };
  });
}
