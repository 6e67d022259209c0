// The variables of the snapshot's determinism set that a rerun gets as recorded: the ones that
// decide numerics (BLAS and OpenMP core types and thread counts, PYTHONHASHSEED,
// CUBLAS_WORKSPACE_CONFIG, TF/JAX switches, locale and TZ). A clean environment would otherwise
// drop them, and the rerun would differ from the run it repeats on the same machine with no drift
// said. Device placement (CUDA_VISIBLE_DEVICES, CUDA_DEVICE_ORDER) is not given: it names the
// recording machine's devices. A bundle wrote the snapshot: only names of the set, only plain
// strings (a redacted value stays unset), bounded.
import { DETERMINISM_VARS } from '../snapshot/probe-env.js';
import type { Snapshot } from '../snapshot/snapshot.js';

const NOT_GIVEN = new Set(['CUDA_VISIBLE_DEVICES', 'CUDA_DEVICE_ORDER']);
const GIVEN: ReadonlySet<string> = new Set(DETERMINISM_VARS.filter((n) => !NOT_GIVEN.has(n)));
const MAX_VALUE = 4096;

/** The recorded determinism variables a rerun is given, by name. */
export function recordedEnvironment(snapshot: Snapshot | null): Record<string, string> {
  const out: Record<string, string> = {};
  const env = snapshot?.identity.env;
  if (!env || typeof env !== 'object') return out;
  for (const [name, value] of Object.entries(env)) {
    if (!GIVEN.has(name) || typeof value !== 'string' || value.length > MAX_VALUE || value.includes('\0')) continue;
    out[name] = value;
  }
  return out;
}
