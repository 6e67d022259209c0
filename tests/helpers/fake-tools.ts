// Fake executables on PATH for probes: nvidia-smi and nvcc that replay real (or derived)
// output from tests/fixtures/gpu/<case>/, one that hangs, one that prints garbage; python and
// git that hang. Real formats, no GPU needed.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';
import { tempDir } from './project.js';

export const GPU_FIXTURES = path.join(REPO_ROOT, 'tests', 'fixtures', 'gpu');

async function script(dir: string, name: string, body: string): Promise<void> {
  const file = path.join(dir, name);
  await fs.writeFile(file, `#!/bin/sh\n${body}\n`);
  await fs.chmod(file, 0o755);
}

export type NvidiaCase = 'h100' | 'a100x8' | 'no-cuda' | 'old-driver' | 'hang' | 'garbage';

/** A bin directory with a fake nvidia-smi (and nvcc when the case has one). */
export async function fakeGpuBin(kind: NvidiaCase): Promise<string> {
  const bin = tempDir('repro-fakebin-');
  const fx = path.join(GPU_FIXTURES, kind);
  if (kind === 'hang') {
    await script(bin, 'nvidia-smi', 'sleep 30');
  } else if (kind === 'garbage') {
    await script(bin, 'nvidia-smi', 'echo "%%%% NVML: Unknown Error %%%%"; echo "\\0\\1\\2 not csv"');
  } else if (kind === 'old-driver') {
    await script(bin, 'nvidia-smi', `case "$*" in
  *compute_cap*) cat '${fx}/nvidia-smi-query-refused.stdout'; exit 2;;
  *--query-gpu*) cat '${fx}/nvidia-smi-query.stdout';;
  *) cat '${fx}/nvidia-smi.stdout';;
esac`);
  } else {
    await script(bin, 'nvidia-smi', `case "$*" in
  *--query-gpu*) cat '${fx}/nvidia-smi-query.stdout';;
  *) cat '${fx}/nvidia-smi.stdout';;
esac`);
  }
  const nvcc = path.join(fx, 'nvcc.stdout');
  if (await fs.stat(nvcc).catch(() => null)) await script(bin, 'nvcc', `cat '${nvcc}'`);
  return bin;
}

/** A bin directory whose `name` sleeps for a minute (a hung tool). */
export async function hangingBin(name: string): Promise<string> {
  const bin = tempDir('repro-fakebin-');
  await script(bin, name, 'sleep 60');
  return bin;
}

/** A bin directory whose `name` prints garbage and exits 0. */
export async function garbageBin(name: string): Promise<string> {
  const bin = tempDir('repro-fakebin-');
  await script(bin, name, 'echo "{not json"; echo "garbage garbage"');
  return bin;
}

/** A file tree standing in for / with cuDNN's header (and optionally CUDA's version.json). */
export async function fakeRoot(options: { cudnnHeader?: boolean; cudaVersionJson?: string } = {}): Promise<string> {
  const root = tempDir('repro-fakeroot-');
  if (options.cudnnHeader) {
    const dir = path.join(root, 'usr', 'include', 'x86_64-linux-gnu');
    await fs.mkdir(dir, { recursive: true });
    await fs.copyFile(path.join(GPU_FIXTURES, 'h100', 'cudnn_version.h'), path.join(dir, 'cudnn_version.h'));
  }
  if (options.cudaVersionJson) {
    const dir = path.join(root, 'usr', 'local', 'cuda');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'version.json'), JSON.stringify({ cuda: { name: 'CUDA SDK', version: options.cudaVersionJson } }));
  }
  return root;
}
