// The small world a command sees. Below src/cli/, everything a result depends on (the
// environment, the working directory, the clock, the streams, progress) comes from here, so tests
// can pin every one of it. What code below reads directly changes no result: the process id and
// random bytes in temporary names, process.kill for process groups, the runtime's own versions
// (core/runtime.ts) and a retry's jitter.

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface ProgressReporter {
  /** `unit`: what `total` and the ticks count (bytes unless said). */
  start(label: string, total: number, unit?: 'bytes' | 'items'): void;
  tick(amount: number): void;
  stop(): void;
}

export interface Context {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  log: Logger;
  progress: ProgressReporter;
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };

export const noProgress: ProgressReporter = { start() {}, tick() {}, stop() {} };
