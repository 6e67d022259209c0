// The snapshot's defaults, in a leaf module: the CLI shows them in --help without loading the
// probes, and snapshot, exec's drift check and the Dockerfile planner read the same values.

/** Where `repro snapshot` writes, and where a bundle carries its snapshot (under project/). */
export const DEFAULT_SNAPSHOT_FILE = 'repro.snapshot.json';

/** Each probe's time limit, and the longer one for importing PyTorch/TensorFlow/JAX. */
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
export const DEFAULT_IMPORT_TIMEOUT_MS = 60_000;
