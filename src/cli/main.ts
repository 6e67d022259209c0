// The only file that touches process.*: it builds the context, wires signals and exit codes,
// and hands argv to the commander program.
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { removeTrackedTemps, runInterruptHandlers } from '../core/cleanup.js';
import { toReproError } from '../core/errors.js';
import type { Context, Logger } from '../core/context.js';
import { noProgress } from '../core/context.js';
import { reproVersion } from '../core/runtime.js';
import { buildProgram, renderHumanError, renderJsonError, usageError } from './program.js';
import { terminalProgress } from './progress.js';

const MIN_NODE = [22, 15];

function nodeTooOld(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major < MIN_NODE[0]! || (major === MIN_NODE[0] && minor < MIN_NODE[1]!);
}

function logger(verbose: boolean): Logger {
  return {
    info: (m) => process.stderr.write(`${m}\n`),
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
    debug: (m) => {
      if (verbose) process.stderr.write(`debug: ${m}\n`);
    },
  };
}

/**
 * V8 doubles the young generation each time a scavenge finds much of it alive, up to 32 MB per
 * semi-space: a build or verify that runs long (100,000 entries) ended up with ~100 MB more
 * committed than a short one, for no gain in speed (bench/scale.mjs, docs/RELIABILITY.md).
 * Keeping it at its first size makes peak memory flat in the number of entries. V8 reads this
 * flag each time it would grow the space, so setting it at start-up takes effect. Node.js
 * 22 and 24 (V8 12 and 13) know the flag; an engine that did not would print a warning.
 */
function boundYoungGeneration(): void {
  if (process.env.REPRO_V8_YOUNG_GROWTH === 'default') return;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

async function main(argv: string[]): Promise<void> {
  const wantsJson = argv.includes('--json');
  if (nodeTooOld()) {
    process.stderr.write(`repro needs Node.js >= ${MIN_NODE.join('.')}; this is ${process.versions.node}.\nhint: install Node 22.15 or later (nvm install 22), or run through npm scripts in the repro checkout, which use the Node from devDependencies.\n`);
    process.exitCode = 5;
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      removeTrackedTemps();
      // Stop what a command started (a child process, a container) before exiting.
      void runInterruptHandlers(10_000).finally(() => process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const)[signal]));
    });
  }
  const script = fileURLToPath(import.meta.url);
  const program = buildProgram({
    version: reproVersion(),
    caller: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
    writeErr: (t) => {
      if (!wantsJson) process.stderr.write(t);
    },
    setExitCode: (code) => {
      process.exitCode = code;
    },
    io: (json, progress) => {
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
        self: { execPath: process.execPath, script: path.resolve(script) },
      };
    },
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = 0;
        return;
      }
      const error = usageError(err);
      const command = argv.find((a) => !a.startsWith('-')) ?? 'repro';
      if (wantsJson) process.stdout.write(renderJsonError(program.commands.some((c) => c.name() === command) ? command : 'repro', error));
      process.exitCode = 2;
      return;
    }
    const error = toReproError(err);
    if (wantsJson) process.stdout.write(renderJsonError('repro', error));
    else process.stderr.write(renderHumanError(error));
    process.exitCode = error.exitCode;
  }
}

boundYoungGeneration();
await main(process.argv.slice(2));
// The command is done and everything it wrote is flushed (stdout and stderr are synchronous
// for files and pipes on Linux). A handle that outlives it (a socket to a Docker engine that
// stopped answering, say) must not keep the process alive: leave shortly after.
setTimeout(() => process.exit(), 500).unref();
