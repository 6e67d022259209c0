// What a command module gets from the CLI: the core context plus how to print and how to
// call repro itself (for --verify's child rebuild).
import type { Context } from '../core/context.js';
import type { SelfCommand } from '../builder/verify-build.js';

export interface CliIo {
  ctx: Context;
  json: boolean;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The process's own streams, for child output that must stream live (exec). */
  streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  self: SelfCommand;
}

/** What a command returns: data for --json, text for people. */
export interface CommandOutcome<T = unknown> {
  result: T;
  text: string;
  /** 0 unless the command compared things and found them different (1). */
  exitCode?: number;
}
