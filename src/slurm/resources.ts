// What a rerun asks of Slurm, from exec's flags (as Slurm users write them) and the bundle's
// manifest (GPUs). Every value that goes into a `#SBATCH` line is checked against the shape
// Slurm accepts, so no flag value can add a line to the batch script; `--slurm-arg` values go to
// sbatch's own command line, verbatim, never into the script.
import { ReproError } from '../core/errors.js';

export interface SlurmResources {
  partition: string | null;
  /** Slurm's time format: MINUTES, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
  time: string | null;
  cpus: number | null;
  /** --mem: a size with an optional K/M/G/T suffix. */
  mem: string | null;
  account: string | null;
  qos: string | null;
  /** GPUs per task (--gres=gpu:N), from the manifest: null when the entry needs none. */
  gpus: number | null;
  /** Passed to sbatch verbatim, before the script. */
  extraArgs: string[];
}

export interface SlurmFlags {
  partition?: string;
  time?: string;
  cpus?: string;
  mem?: string;
  account?: string;
  qos?: string;
  slurmArg?: string[];
}

const NAME = /^[A-Za-z0-9_.,+-]{1,128}$/;
const TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/i;
const MEM = /^\d+[KMGT]?$/i;

function checked(flag: string, value: string | undefined, shape: RegExp, example: string): string | null {
  if (value === undefined) return null;
  if (!shape.test(value)) {
    throw new ReproError('E_USAGE', `${flag} ${JSON.stringify(value)} is not a value Slurm accepts`, { hint: `e.g. ${flag} ${example}`, details: { flag, value } });
  }
  return value;
}

export function parseSlurmResources(flags: SlurmFlags, gpus: number | null): SlurmResources {
  const cpus = checked('--cpus', flags.cpus, /^[1-9]\d{0,5}$/, '4');
  for (const arg of flags.slurmArg ?? []) {
    if (/[\n\r\0]/.test(arg)) throw new ReproError('E_USAGE', `--slurm-arg ${JSON.stringify(arg)} holds a line break`, { hint: 'Give each sbatch argument as its own --slurm-arg.', details: { value: arg } });
  }
  return {
    partition: checked('--partition', flags.partition, NAME, 'gpu'),
    time: checked('--time', flags.time, TIME, '2:00:00'),
    cpus: cpus === null ? null : Number(cpus),
    mem: checked('--mem', flags.mem, MEM, '16G'),
    account: checked('--account', flags.account, NAME, 'ml-lab'),
    qos: checked('--qos', flags.qos, NAME, 'normal'),
    gpus,
    extraArgs: [...(flags.slurmArg ?? [])],
  };
}

/** The flags that only mean something with --backend slurm (a usage error elsewhere). */
/** The exec flags (commander keys) that only mean something with --backend slurm. */
export const SLURM_FLAGS = ['partition', 'time', 'cpus', 'mem', 'account', 'qos', 'slurmArg', 'dryRun', 'queueTimeout', 'cancelOnInterrupt', 'remoteRepro'] as const;

/** --queue-timeout: seconds, or a number with s, m or h. */
export function parseDuration(flag: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value);
  const ms = m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 's' | 'm' | 'h'] : NaN;
  if (!Number.isFinite(ms) || ms <= 0) throw new ReproError('E_USAGE', `${flag} expects a duration such as 90s, 10m or 2h, got ${JSON.stringify(value)}`, { details: { flag, value } });
  return ms;
}
