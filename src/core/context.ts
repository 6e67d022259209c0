// The small world a command sees. Nothing below src/cli/ reads process.*, the clock or
// randomness directly: it gets them from here, so tests can pin every one of them.

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface ProgressReporter {
  start(label: string, total: number): void;
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
