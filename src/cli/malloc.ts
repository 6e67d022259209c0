// Long byte streams (build, verify) allocate and free 1-4 MiB buffers over and over. glibc
// raises its mmap threshold to the size of the first such buffer freed; from then on they come
// from the heap, which fragments and does not shrink: a 1 GiB build's peak RSS was ~40 MB
// higher, and a 100,000-file build's main heap held ~68 MB, most of it free. A fixed threshold
// keeps them mmapped (returned to the system when freed), at a price: every such buffer is
// then fresh pages to fault in, and a build of the 256 MB bench corpus took ~7% longer (median
// of 6: 4.9 s against 4.6 s). Speed is the default; REPRO_MALLOC=lean asks for the lower peak.
// glibc reads MALLOC_MMAP_THRESHOLD_ only at start-up, so for these commands repro then
// re-executes itself once with it set: process.execve replaces the process image, keeping the
// pid, open descriptors and signals. musl and other libcs ignore the variable.

/** Bytes: glibc's own starting threshold, kept fixed instead of raised. */
export const MMAP_THRESHOLD = 128 * 1024;
const MARK = 'REPRO_MALLOC_SET';
const STREAMING_COMMANDS = new Set(['build', 'verify']);

export interface Reexec {
  args: string[];
  env: Record<string, string>;
}

/** The re-execution to do now, or null. Pure: decided from argv, env and what the runtime has. */
export function mallocReexec(argv: readonly string[], execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>, can: { platform: string; execve: boolean }): Reexec | null {
  if (can.platform !== 'linux' || !can.execve) return null;
  if (env.REPRO_MALLOC !== 'lean' || env[MARK] !== undefined || env.MALLOC_MMAP_THRESHOLD_ !== undefined) return null;
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  if (command === undefined || !STREAMING_COMMANDS.has(command)) return null;
  if (argv.includes('--help') || argv.includes('-h')) return null; // nothing streams: not worth a second start-up
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) next[k] = v;
  next.MALLOC_MMAP_THRESHOLD_ = String(MMAP_THRESHOLD);
  next[MARK] = '1';
  return { args: [argv[0]!, ...execArgv, ...argv.slice(1)], env: next };
}

/**
 * Re-executes for a streaming command (see above), or, in the re-executed process, takes the
 * variables back out of the environment so the processes repro starts do not inherit them.
 * A failed execve leaves the process as it was: glibc's default is slower to give memory
 * back, not wrong.
 */
export function tuneMalloc(): void {
  if (process.env[MARK] === '1') {
    delete process.env[MARK];
    delete process.env.MALLOC_MMAP_THRESHOLD_;
    return;
  }
  const execve = (process as { execve?: (file: string, args: string[], env: Record<string, string>) => never }).execve;
  const plan = mallocReexec(process.argv, process.execArgv, process.env, { platform: process.platform, execve: typeof execve === 'function' });
  if (!plan || !execve) return;
  try {
    execve.call(process, process.execPath, plan.args, plan.env);
  } catch {
    // carry on under glibc's default
  }
}
