// From argv to an exit code: parse with the commander program, run the command it names, and
// settle. settle() is the one place that turns an outcome or an error into an exit status and
// renders it: the outcome's own code (1 for "compared and different", exec's passed-through
// status), else the error code's status from ERROR_CODES (usage 2 ... internal 70). Nothing here
// touches the process: process.ts hands in streams, context and caller, and sets the exit code.
import { CommanderError } from 'commander';
import { ReproError, toReproError } from '../core/errors.js';
import type { CliIo, CommandOutcome, Invocation } from './io.js';
import { buildProgram } from './program.js';
import { renderJsonError, renderJsonSuccess } from './render/json.js';
import { renderHumanError } from './render/text.js';
import { errorAnnotations, outcomeAnnotations } from './render/github.js';
import { inert } from '../core/inert.js';

export interface CliHost {
  version: string;
  /** The command's io: context, streams, caller, how to call repro itself. */
  io: (json: boolean, progress: boolean) => CliIo;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const QUIET_EXITS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** Runs one command line and returns the exit status the process should end with. */
export async function runCli(argv: readonly string[], host: CliHost): Promise<number> {
  const wantsJson = argv.includes('--json') || argv.includes('--format=json') || argv.some((a, i) => a === '--format' && argv[i + 1] === 'json');
  let invocation: Invocation | undefined;
  const program = buildProgram({
    version: host.version,
    dispatch: (inv) => (invocation = inv),
    writeErr: (text) => {
      if (!wantsJson) host.stderr(text);
    },
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    const named = argv.find((a) => !a.startsWith('-')) ?? 'repro';
    const command = program.commands.some((c) => c.name() === named) ? named : 'repro';
    return settle({ command, json: wantsJson, error: err }, host);
  }
  if (!invocation) return settle({ command: 'repro', json: wantsJson, outcome: { result: null, text: '' } }, host);
  const io = host.io(invocation.json, invocation.progress);
  try {
    return settle({ command: invocation.command, json: invocation.json, github: invocation.format === 'github', cwd: io.ctx.cwd, outcome: await invocation.run(io) }, io);
  } catch (err) {
    return settle({ command: invocation.command, json: invocation.json, github: invocation.format === 'github', cwd: io.ctx.cwd, error: err }, io);
  }
}

type Ending = { command: string; json: boolean; github?: boolean; cwd?: string } & ({ outcome: CommandOutcome; error?: never } | { error: unknown; outcome?: never });

/** The one place an outcome or an error becomes output and an exit status. */
export function settle(end: Ending, out: Pick<CliHost, 'stdout' | 'stderr'>): number {
  if (end.outcome) {
    out.stdout(end.json ? renderJsonSuccess(end.command, end.outcome.result) : inert(end.outcome.text));
    if (end.github) out.stdout(outcomeAnnotations(end.command, end.outcome.result));
    return end.outcome.exitCode ?? 0;
  }
  if (end.error instanceof CommanderError) {
    if (QUIET_EXITS.has(end.error.code)) return 0;
    // commander has already printed its message (to stderr, and only without --json).
    const error = usageError(end.error);
    if (end.json) out.stdout(renderJsonError(end.command, error));
    return error.exitCode;
  }
  const error = toReproError(end.error);
  if (end.json) out.stdout(renderJsonError(end.command, error));
  else out.stderr(inert(renderHumanError(error)));
  // Workflow commands go to stdout, where the runner reads them.
  if (end.github) out.stdout(errorAnnotations(end.command, error, end.cwd ?? '.'));
  if (!end.json && error.code === 'E_INTERNAL' && typeof error.details.stack === 'string') out.stderr(`${error.details.stack}\n`);
  return error.exitCode;
}

/** commander's own parse errors are E_USAGE (exit 2), as an envelope with --json. */
function usageError(err: CommanderError): ReproError {
  return new ReproError('E_USAGE', err.message.replace(/^error: /, ''), {
    hint: 'Run `repro --help` or `repro <command> --help` for usage.',
    details: { commanderCode: err.code },
  });
}
