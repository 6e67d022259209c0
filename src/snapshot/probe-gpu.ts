// GPU identity. NVIDIA through nvidia-smi (devices, driver, and the CUDA version the driver
// supports), the CUDA toolkit through nvcc and version.json, cuDNN through its header; AMD
// through rocm-smi. The CUDA a framework was built with comes from the Python probe: the
// three are kept apart because a mismatch between them is what breaks runs.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { memoByBinary } from './binary-memo.js';
import { findOnPath, runTool, type ToolResult } from './run-tool.js';

export interface GpuDevice {
  name: string;
  memoryTotalMiB: number | null;
  computeCapability: string | null;
  architecture: string | null;
}

export interface GpuIdentity {
  vendor: 'nvidia' | 'amd';
  driver: string | null;
  /** The newest CUDA the driver can run ("CUDA Version" in nvidia-smi). */
  cudaDriver: string | null;
  count: number;
  devices: GpuDevice[];
  /** The CUDA toolkit installed on the machine (nvcc, /usr/local/cuda/version.json). */
  toolkit: { nvcc: string | null; versionJson: string | null };
  /** cuDNN from its header (cudnn_version.h), when installed system-wide. */
  cudnn: string | null;
}

export interface GpuContext {
  uuids: string[];
  pciBusIds: string[];
  memoryFreeMiB: number[];
}

export interface GpuProbeResult {
  identity: GpuIdentity | null;
  context: GpuContext | null;
  /** Why identity is null, or what part failed. */
  notes: string[];
}

const QUERY = ['index', 'name', 'uuid', 'pci.bus_id', 'driver_version', 'memory.total', 'memory.free', 'compute_cap'];

const ARCHITECTURES: Array<[number, string]> = [
  [12, 'Blackwell'], [10, 'Blackwell'], [9, 'Hopper'], [8.9, 'Ada Lovelace'], [8, 'Ampere'], [7.5, 'Turing'], [7, 'Volta'], [6, 'Pascal'], [5, 'Maxwell'], [3, 'Kepler'],
];

export function architectureOf(capability: string | null): string | null {
  const cc = capability === null ? NaN : Number.parseFloat(capability);
  if (!Number.isFinite(cc)) return null;
  return ARCHITECTURES.find(([min]) => cc >= min)?.[1] ?? null;
}

const num = (s: string | undefined): number | null => {
  const n = Number.parseFloat(s ?? '');
  return Number.isFinite(n) ? n : null;
};
const clean = (s: string | undefined): string | null => {
  const t = (s ?? '').trim();
  return t === '' || /^\[?(N\/A|Not Supported)\]?$/i.test(t) ? null : t;
};

/** Parses `nvidia-smi --query-gpu=<QUERY> --format=csv,noheader,nounits`. */
export function parseNvidiaQuery(stdout: string, fields: readonly string[] = QUERY): { devices: GpuDevice[]; driver: string | null; context: GpuContext } {
  const rows = stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^No devices/i.test(l));
  const at = (cols: string[], field: string) => cols[fields.indexOf(field)];
  const devices: GpuDevice[] = [];
  const context: GpuContext = { uuids: [], pciBusIds: [], memoryFreeMiB: [] };
  let driver: string | null = null;
  for (const row of rows) {
    const cols = row.split(',').map((c) => c.trim());
    if (cols.length < fields.length) throw new Error(`unexpected nvidia-smi row: ${row.slice(0, 120)}`);
    const cc = fields.includes('compute_cap') ? clean(at(cols, 'compute_cap')) : null;
    devices.push({ name: at(cols, 'name')!, memoryTotalMiB: num(at(cols, 'memory.total')), computeCapability: cc, architecture: architectureOf(cc) });
    driver ??= clean(at(cols, 'driver_version'));
    context.uuids.push(at(cols, 'uuid') ?? '');
    context.pciBusIds.push(at(cols, 'pci.bus_id') ?? '');
    context.memoryFreeMiB.push(num(at(cols, 'memory.free')) ?? 0);
  }
  return { devices, driver, context };
}

/** "CUDA Version: 13.0" from plain nvidia-smi output (or `-q`); null when N/A or absent. */
export function parseCudaDriverVersion(stdout: string): string | null {
  const m = /CUDA Version\s*:\s*([0-9]+(?:\.[0-9]+)*)/.exec(stdout);
  return m ? m[1]! : null;
}

/** "release 13.0, V13.0.88" from `nvcc --version`. */
export function parseNvccVersion(stdout: string): string | null {
  const m = /release\s+[0-9.]+,\s*V([0-9][0-9.]*)/.exec(stdout) ?? /release\s+([0-9][0-9.]*)/.exec(stdout);
  return m ? m[1]! : null;
}

export function parseCudnnHeader(text: string): string | null {
  const get = (k: string) => new RegExp(`#define\\s+CUDNN_${k}\\s+(\\d+)`).exec(text)?.[1];
  const [major, minor, patch] = [get('MAJOR'), get('MINOR'), get('PATCHLEVEL')];
  return major === undefined ? null : `${major}.${minor ?? 0}.${patch ?? 0}`;
}

const CUDNN_HEADERS = [
  '/usr/include/cudnn_version.h',
  '/usr/include/x86_64-linux-gnu/cudnn_version.h',
  '/usr/include/aarch64-linux-gnu/cudnn_version.h',
  '/usr/local/cuda/include/cudnn_version.h',
];

export interface GpuProbeOptions {
  timeoutMs: number;
  env: Readonly<Record<string, string | undefined>>;
  /** Root for file lookups (/usr/local/cuda, headers); tests point it at a fixture tree. */
  fsRoot?: string;
  /** Where `nvcc --version` answers are remembered per binary (see binary-memo). */
  cacheDir?: string;
}

export async function probeGpu(options: GpuProbeOptions): Promise<GpuProbeResult> {
  // Tools that are not on PATH are not spawned at all: most machines have none of them.
  const found = new Map<string, string | null>();
  for (const name of ['nvidia-smi', 'nvcc', 'rocm-smi']) found.set(name, await findOnPath(name, options.env.PATH));
  const absent = (cmd: string): ToolResult => ({ ok: false, status: 'absent', reason: `${cmd} not found` });
  const tool = async (cmd: string, args: string[]): Promise<ToolResult> =>
    found.get(cmd) === null ? absent(cmd) : runTool(cmd, args, { timeoutMs: options.timeoutMs, env: options.env });
  // The toolkit's version is a property of the nvcc binary: remembered, not asked every time.
  const nvccVersion = async (cmd: string, binary: string | null): Promise<ToolResult> => {
    let failed: ToolResult | null = null;
    const stdout = await memoByBinary(options.cacheDir, binary, 'nvcc --version', (v): v is string => typeof v === 'string', async () => {
      const r = await tool(cmd, ['--version']);
      if (r.ok) return r.stdout;
      failed = r;
      return null;
    });
    return stdout !== null ? { ok: true, stdout, stderr: '' } : (failed ?? absent(cmd));
  };
  const root = options.fsRoot ?? '/';
  const [query, plain, nvcc, versionJson, cudnn] = await Promise.all([
    queryNvidia(tool),
    tool('nvidia-smi', []),
    nvccVersion('nvcc', found.get('nvcc') ?? null).then(async (r) => {
      if (r.ok || r.status !== 'absent') return r;
      const fallback = path.join(root, 'usr/local/cuda/bin/nvcc');
      return (await fs.access(fallback).then(() => true).catch(() => false)) ? nvccVersion(fallback, fallback) : r;
    }),
    readJsonVersion(path.join(root, 'usr/local/cuda/version.json')),
    firstHeader(CUDNN_HEADERS.map((h) => path.join(root, h)).concat(options.env.CUDA_HOME ? [path.join(options.env.CUDA_HOME, 'include/cudnn_version.h')] : [])),
  ]);
  const notes: string[] = [];
  const toolkit = { nvcc: nvcc.ok ? parseNvccVersion(nvcc.stdout) : null, versionJson };
  if (!nvcc.ok && nvcc.status !== 'absent') notes.push(`nvcc: ${nvcc.reason}`);
  if (!query.ok) {
    notes.push(query.reason.startsWith('nvidia-smi') ? query.reason : `nvidia-smi: ${query.reason}`);
    const amd = await probeAmd(tool);
    if (amd) return { identity: { ...amd, toolkit, cudnn }, context: null, notes };
    return { identity: null, context: null, notes };
  }
  let parsed;
  try {
    parsed = parseNvidiaQuery(query.stdout, query.fields);
  } catch (err) {
    notes.push(`nvidia-smi printed something unexpected: ${(err as Error).message}`);
    return { identity: null, context: null, notes };
  }
  if (parsed.devices.length === 0) {
    notes.push('nvidia-smi found no GPU');
    return { identity: null, context: null, notes };
  }
  if (!plain.ok) notes.push(`nvidia-smi (CUDA version): ${plain.reason}`);
  return {
    identity: {
      vendor: 'nvidia',
      driver: parsed.driver,
      cudaDriver: plain.ok ? parseCudaDriverVersion(plain.stdout) : null,
      count: parsed.devices.length,
      devices: parsed.devices,
      toolkit,
      cudnn,
    },
    context: parsed.context,
    notes,
  };
}

type Tool = (cmd: string, args: string[]) => Promise<ToolResult>;

/** Older drivers do not know compute_cap: ask again without it. */
async function queryNvidia(tool: Tool): Promise<({ ok: true; stdout: string } | { ok: false; reason: string }) & { fields: string[] }> {
  const first = await tool('nvidia-smi', [`--query-gpu=${QUERY.join(',')}`, '--format=csv,noheader,nounits']);
  if (first.ok) return { ok: true, stdout: first.stdout, fields: QUERY };
  if (!/compute_cap/.test(`${first.stdout ?? ''}${first.stderr ?? ''}`)) return { ok: false, reason: first.reason, fields: QUERY };
  const fields = QUERY.filter((f) => f !== 'compute_cap');
  const second = await tool('nvidia-smi', [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits']);
  return second.ok ? { ok: true, stdout: second.stdout, fields } : { ok: false, reason: second.reason, fields };
}

async function readJsonVersion(file: string): Promise<string | null> {
  try {
    const doc = JSON.parse(await fs.readFile(file, 'utf8')) as { cuda?: { version?: string } };
    return typeof doc.cuda?.version === 'string' ? doc.cuda.version : null;
  } catch {
    return null;
  }
}

async function firstHeader(files: string[]): Promise<string | null> {
  for (const f of files) {
    const text = await fs.readFile(f, 'utf8').catch(() => null);
    if (text !== null) {
      const v = parseCudnnHeader(text);
      if (v) return v;
    }
  }
  return null;
}

async function probeAmd(tool: Tool): Promise<Omit<GpuIdentity, 'toolkit' | 'cudnn'> | null> {
  const r = await tool('rocm-smi', ['--showproductname', '--showdriverversion', '--json']);
  if (!r.ok) return null;
  try {
    const doc = JSON.parse(r.stdout) as Record<string, Record<string, string>>;
    const cards = Object.entries(doc).filter(([k]) => k.startsWith('card'));
    if (cards.length === 0) return null;
    const driver = doc.system?.['Driver version'] ?? null;
    return {
      vendor: 'amd',
      driver,
      cudaDriver: null,
      count: cards.length,
      devices: cards.map(([, c]) => ({ name: c['Card series'] ?? c['Card SKU'] ?? 'AMD GPU', memoryTotalMiB: null, computeCapability: c['GFX Version'] ?? null, architecture: null })),
    };
  } catch {
    return null;
  }
}
