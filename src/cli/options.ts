// Options more than one command takes, declared once each. Their defaults and the help text that
// shows them are read from the constants the code uses, so the two cannot drift apart.
import { Option, type Command } from 'commander';
import { DEFAULT_LIMITS } from '../bundle/limits.js';
import { DEFAULT_IMPORT_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS } from '../snapshot/defaults.js';

/** --json, --format and --no-progress: every command. */
export function outputOptions(cmd: Command, json = 'print one JSON document on stdout'): Command {
  return cmd
    .option('--json', json)
    .addOption(new Option('--format <format>', 'text (default); json (the same as --json); github: the text plus GitHub Actions workflow commands (::error file=…::) for each difference, lock mismatch or verify problem, shown on the pull request').choices(['text', 'json', 'github']))
    .option('--no-progress', 'never show a progress bar');
}

/** --max-entries and --max-bytes: every command that reads a bundle. */
export function limitOptions(cmd: Command): Command {
  return cmd
    .option('--max-entries <n>', `refuse bundles with more entries than this (default ${DEFAULT_LIMITS.maxEntries})`)
    .option('--max-bytes <n>', `refuse bundles that unpack to more bytes than this (default ${DEFAULT_LIMITS.maxTotalBytes / 2 ** 30} GiB)`);
}

/** The options that steer the environment probes, shared by snapshot and diff. */
export function probeOptions(cmd: Command, what = ''): Command {
  return cmd
    .option('--python <path>', `the Python interpreter to describe${what}`)
    .option('--no-import', `do not import PyTorch/TensorFlow/JAX (faster; no framework CUDA versions)${what}`)
    .option('--probe-timeout <ms>', 'time limit for each probe', String(DEFAULT_PROBE_TIMEOUT_MS))
    .option('--import-timeout <ms>', 'time limit for importing the ML frameworks', String(DEFAULT_IMPORT_TIMEOUT_MS));
}

/**
 * An option whose name starts with --no- but takes a value of its own (exec --no-vary NAMES):
 * commander would read it as the negation of its --no-less twin and store the value there.
 */
export class LiteralOption extends Option {
  constructor(flags: string, description?: string) {
    super(flags, description);
    this.negate = false;
  }

  override attributeName(): string {
    return this.name().replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  }
}
