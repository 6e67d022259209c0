// The snapshot's time limits, in a leaf module: the CLI shows them in --help without loading the
// probes, and snapshot and exec's drift check read the same values. (The file's name is
// bundle/layout.ts's SNAPSHOT_FILE: a bundle carries it.)

/** Each probe's time limit, and the longer one for importing PyTorch/TensorFlow/JAX. */
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
export const DEFAULT_IMPORT_TIMEOUT_MS = 60_000;
