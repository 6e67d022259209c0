// Determinism environment variables: a documented allowlist plus names asked for with --env.
// A name that looks like a secret is recorded as present-and-redacted, even when asked for by
// name; so is a value that carries a credential (a URL with user:token@, a known token form).
import { isSecretName, looksLikeCredential } from '../secrets/rules.js';

/** The variables that change what training computes or how it can be repeated. */
export const DETERMINISM_VARS = [
  'PYTHONHASHSEED',
  'CUBLAS_WORKSPACE_CONFIG',
  'CUDA_VISIBLE_DEVICES',
  'CUDA_LAUNCH_BLOCKING',
  'CUDA_DEVICE_ORDER',
  'NVIDIA_TF32_OVERRIDE',
  'TORCH_CUDNN_V8_API_DISABLED',
  'TORCH_USE_CUDA_DSA',
  'TF_DETERMINISTIC_OPS',
  'TF_CUDNN_DETERMINISTIC',
  'TF_ENABLE_ONEDNN_OPTS',
  'XLA_FLAGS',
  'JAX_ENABLE_X64',
  'JAX_DEFAULT_MATMUL_PRECISION',
  'OMP_NUM_THREADS',
  'MKL_NUM_THREADS',
  'OPENBLAS_NUM_THREADS',
  'OPENBLAS_CORETYPE',
  'VECLIB_MAXIMUM_THREADS',
  'NUMEXPR_NUM_THREADS',
  'MKL_CBWR',
  'KMP_DETERMINISTIC_REDUCTION',
  'TZ',
  'LANG',
  'LC_ALL',
  'LC_NUMERIC',
  'LC_COLLATE',
  'SOURCE_DATE_EPOCH',
] as const;

export const THREAD_VARS = new Set(['OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'VECLIB_MAXIMUM_THREADS', 'NUMEXPR_NUM_THREADS']);

export type EnvValue = string | { redacted: true };

/** Allowlisted and requested variables that are set; unset ones are simply absent. */
export function captureEnv(env: Readonly<Record<string, string | undefined>>, extra: readonly string[] = []): Record<string, EnvValue> {
  const out: Record<string, EnvValue> = {};
  for (const name of new Set<string>([...DETERMINISM_VARS, ...extra])) {
    const value = env[name];
    if (value === undefined) continue;
    out[name] = isSecretName(name) || looksLikeCredential(value) ? { redacted: true } : value;
  }
  return out;
}
