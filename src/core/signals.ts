// The one signal table: a signal's number as this platform defines it (os.constants.signals), for
// the exit status a process killed by it reports (128 + N), as shells and `repro exec` do.
import os from 'node:os';

/** The number of signal `name` (SIGTERM -> 15); 1 for a name this platform does not know. */
export function signalNumber(name: string): number {
  return (os.constants.signals as Record<string, number | undefined>)[name] ?? 1;
}

/** The exit status of a process ended by `signal` (128 + its number). */
export function signalExitCode(signal: string): number {
  return 128 + signalNumber(signal);
}
