// The process around the CLI, and the only module besides bin.ts and malloc.ts that reads the
// real environment, argv, working directory and streams (below, commands get them through
// core/context.ts): it checks the Node.js version, sets V8's memory flags (v8-flags.ts), wires signals to the
// cleanup handlers, builds each command's context from the real environment and streams, runs
// main.ts and sets the exit code it returns.
import { foldText } from './render/text.js';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { removeTrackedTemps, runInterruptHandlers } from '../core/cleanup.js';
import type { Context, Logger } from '../core/context.js';
import { ERROR_CODES } from '../core/errors.js';
import { noProgress } from '../core/context.js';
import { reproVersion } from '../core/runtime.js';
import { signalExitCode } from '../core/signals.js';
import { inert } from '../core/inert.js';
import type { CliIo } from './io.js';
import { runCli } from './main.js';
import { terminalProgress } from './progress.js';
import { v8Flags } from './v8-flags.js';

const MIN_NODE = [22, 15];
/** How long a signal waits for what a command started (a child, a container) to stop. */
const INTERRUPT_GRACE_MS = 10_000;

function nodeTooOld(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major < MIN_NODE[0]! || (major === MIN_NODE[0] && minor < MIN_NODE[1]!);
}

/** Log lines on a terminal are folded to at most this many columns (or the terminal's width). */
const LOG_WIDTH = 100;

function logger(verbose: boolean): Logger {
  // On a terminal, long messages fold at spaces; piped or captured, each stays one line for grep.
  const fold = (text: string) => (process.stderr.isTTY ? foldText(text, Math.min(LOG_WIDTH, process.stderr.columns || LOG_WIDTH)) : text);
  return {
    // Messages name bundles, references and registry answers someone else chose: made inert.
    info: (m) => process.stderr.write(`${fold(inert(m))}\n`),
    warn: (m) => process.stderr.write(`${fold(`warning: ${inert(m)}`)}\n`),
    debug: (m) => {
      if (verbose) process.stderr.write(`${fold(`debug: ${inert(m)}`)}\n`);
    },
  };
}

/** V8's memory flags (v8-flags.ts), set before any command allocates. */
function tuneV8(): void {
  for (const flag of v8Flags(process.env, process.execArgv)) v8.setFlagsFromString(flag);
}

function commandIo(json: boolean, progress: boolean): CliIo {
  const ctx: Context = {
    cwd: process.cwd(),
    env: process.env,
    now: () => new Date(),
    log: json ? logger(false) : logger(Boolean(process.env.REPRO_DEBUG)),
    progress: progress && !json && process.stderr.isTTY ? terminalProgress(process.stderr) : noProgress,
  };
  return {
    ctx,
    json,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    streams: { stdout: process.stdout, stderr: process.stderr },
    // --verify's child rebuild starts here, past bin.ts: no second malloc decision or compile cache.
    self: { execPath: process.execPath, script: path.resolve(fileURLToPath(import.meta.url)) },
    caller: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
  };
}

async function start(argv: string[]): Promise<number> {
  if (nodeTooOld()) {
    process.stderr.write(`repro needs Node.js >= ${MIN_NODE.join('.')}; this is ${process.versions.node}.\nhint: install Node 22.15 or later (nvm install 22), or run through npm scripts in the repro checkout, which use the Node from devDependencies.\n`);
    return ERROR_CODES.E_ENV; // the environment cannot run repro
  }
  const stop = (status: number) => {
    removeTrackedTemps();
    // Stop what a command started (a child process, a container) before exiting.
    void runInterruptHandlers(INTERRUPT_GRACE_MS).finally(() => process.exit(status));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signalExitCode(signal)));
  // A reader that went away (`repro verify --json | true`, `repro exec ... | head -1`) ends the
  // command quietly, as SIGPIPE ends other tools in a pipeline (status 141), never with a stack.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') stop(signalExitCode('SIGPIPE'));
      else throw err;
    });
  }
  return runCli(argv, {
    version: reproVersion(),
    io: commandIo,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
}

tuneV8();
process.exitCode = await start(process.argv.slice(2));
// The command is done and everything it wrote is flushed (stdout and stderr are synchronous
// for files and pipes on Linux). A handle that outlives it (a socket to a Docker engine that
// stopped answering, say) must not keep the process alive: leave shortly after.
setTimeout(() => process.exit(), 500).unref();
