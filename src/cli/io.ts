// What a command module gets from the CLI: the core context plus how to print, who is calling
// (exec runs containers as the caller) and how to call repro itself (--verify's child rebuild).
import type { Context } from '../core/context.js';
import type { SelfCommand } from '../core/self-invocation.js';

export interface CliIo {
  ctx: Context;
  json: boolean;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The process's own streams, for child output that must stream live (exec). */
  streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  self: SelfCommand;
  caller: { uid: number; gid: number };
}

/** What a command returns: data for --json, text for people. */
export interface CommandOutcome<T = unknown> {
  result: T;
  text: string;
  /** 0 unless the command compared things and found them different (1), or exec passes its entry point's status through. */
  exitCode?: number;
}

/** A parsed command line: which command, how it prints, and the call that runs it. */
export type OutputFormat = 'text' | 'json' | 'github';

export interface Invocation {
  command: string;
  json: boolean;
  /** --format: json is the same as --json; github adds workflow commands to the text. */
  format: OutputFormat;
  progress: boolean;
  run: (io: CliIo) => Promise<CommandOutcome>;
}
