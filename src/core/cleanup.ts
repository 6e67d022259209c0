// Paths to remove if the process is interrupted (Ctrl-C, SIGTERM) before it finishes with
// them. Writers register their temp files here; src/cli/process.ts wires the signals.
import { rmSync } from 'node:fs';

const pending = new Set<string>();

export function trackTemp(path: string): () => void {
  pending.add(path);
  return () => pending.delete(path);
}

/** Removes every tracked path synchronously (safe inside a signal handler). */
export function removeTrackedTemps(): void {
  for (const p of pending) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      // best effort: a later build removes stale temps of dead processes
    }
  }
  pending.clear();
}

const interruptHandlers = new Set<() => Promise<void>>();
let interrupted = false;

/** True once the process was interrupted: work still in flight must not record a result. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** Work to undo if the process is interrupted (stop a child, remove a container). */
export function onInterrupt(fn: () => Promise<void>): () => void {
  interruptHandlers.add(fn);
  return () => interruptHandlers.delete(fn);
}

/** Runs every interrupt handler, giving them at most `ms` together. */
export async function runInterruptHandlers(ms: number): Promise<void> {
  interrupted = true;
  const all = Promise.allSettled([...interruptHandlers].map((fn) => fn()));
  interruptHandlers.clear();
  await Promise.race([all, new Promise((r) => setTimeout(r, ms).unref())]);
}
