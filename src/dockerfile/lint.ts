// `repro dockerfile --check`: coded findings for what makes an image build unrepeatable:
// an unpinned or :latest FROM, apt/pip installs without versions or hashes, ADD of URLs,
// `npm install` instead of `npm ci`, and missing determinism settings.

export type LintCode = 'UNPINNED_FROM' | 'LATEST_TAG' | 'APT_UNPINNED' | 'PIP_UNPINNED' | 'PIP_NO_HASHES' | 'ADD_URL' | 'NPM_INSTALL' | 'MISSING_DETERMINISM_ENV';

export interface LintFinding {
  code: LintCode;
  line: number;
  message: string;
}

interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

/** Joins continuation lines and drops comments; each instruction keeps its first line number. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i]!;
    if (/^\s*(#|$)/.test(raw)) continue;
    const start = i + 1;
    while (/\\\s*$/.test(raw) && i + 1 < lines.length) {
      raw = raw.replace(/\\\s*$/, ' ');
      i++;
      if (!/^\s*#/.test(lines[i]!)) raw += lines[i]!;
    }
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(raw);
    if (m) out.push({ line: start, keyword: m[1]!.toUpperCase(), args: m[2]!.trim() });
  }
  return out;
}

const APT_OPTION = /^-/;

export function lintDockerfile(text: string): LintFinding[] {
  const findings: LintFinding[] = [];
  const add = (code: LintCode, line: number, message: string) => findings.push({ code, line, message });
  const instructions = parseDockerfile(text);
  const envs = new Set<string>();
  let usesPython = false;
  let cudaBase = false;
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const image = ins.args.split(/\s+/).find((t) => !t.startsWith('--'))!;
      if (image.toLowerCase() === 'scratch' || /^\$/.test(image)) continue;
      if (!image.includes('@sha256:')) add('UNPINNED_FROM', ins.line, `FROM ${image} is not pinned to a digest: the tag can move`);
      const name = image.split('@')[0]!;
      const tag = name.lastIndexOf(':') > name.lastIndexOf('/') ? name.slice(name.lastIndexOf(':') + 1) : null;
      if (tag === null || tag === 'latest') add('LATEST_TAG', ins.line, `FROM ${name} uses ${tag ?? 'no tag (latest)'}`);
      if (/python/.test(name)) usesPython = true;
      if (/nvidia\/cuda|cuda/.test(name)) cudaBase = true;
    } else if (ins.keyword === 'ENV') {
      for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(=|\s)/g)) envs.add(m[1]!);
    } else if (ins.keyword === 'ADD' && /(^|\s)(https?|ftp):\/\//.test(ins.args)) {
      add('ADD_URL', ins.line, 'ADD of a URL fetches whatever the URL serves at build time; download with a checksum instead');
    } else if (ins.keyword === 'RUN') {
      for (const cmd of ins.args.split(/&&|;|\|\|/)) lintRun(cmd.trim(), ins.line, add, () => (usesPython = true));
    }
  }
  if (usesPython && !envs.has('PYTHONHASHSEED')) add('MISSING_DETERMINISM_ENV', 0, 'PYTHONHASHSEED is not set: str/bytes hashing (set and dict order) is randomized per process');
  if (cudaBase && !envs.has('CUBLAS_WORKSPACE_CONFIG')) add('MISSING_DETERMINISM_ENV', 0, 'CUBLAS_WORKSPACE_CONFIG is not set: cuBLAS may pick nondeterministic algorithms');
  return findings;
}

function lintRun(cmd: string, line: number, add: (c: LintCode, l: number, m: string) => void, python: () => void): void {
  const words = cmd.split(/\s+/);
  const apt = /^(apt-get|apt)$/.test(words[0] ?? '') && words.includes('install');
  if (apt) {
    const pkgs = words.slice(words.indexOf('install') + 1).filter((w) => !APT_OPTION.test(w) && w !== '');
    const loose = pkgs.filter((p) => !p.includes('='));
    if (loose.length) add('APT_UNPINNED', line, `apt installs without versions: ${loose.join(', ')} (write name=version)`);
  }
  const pipAt = words.findIndex((w, i) => /^pip3?$/.test(w) || (w === '-m' && /^pip3?$/.test(words[i + 1] ?? '')));
  if (pipAt >= 0 && words.includes('install')) {
    python();
    const args = words.slice(words.indexOf('install') + 1);
    const hashes = args.includes('--require-hashes') || args.some((a) => a.startsWith('--hash'));
    if (args.some((a) => a === '-r' || a.startsWith('--requirement')) && !hashes) add('PIP_NO_HASHES', line, 'pip installs a requirements file without --require-hashes');
    const loose = args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '-r' && args[i - 1] !== '-c' && !a.includes('==') && !a.endsWith('.whl'));
    if (loose.length) add('PIP_UNPINNED', line, `pip installs without ==versions: ${loose.join(', ')}`);
  }
  if (/^(npm)$/.test(words[0] ?? '') && /^(install|i)$/.test(words[1] ?? '')) add('NPM_INSTALL', line, 'npm install can change the lock; use npm ci');
  if (/^python3?$/.test(words[0] ?? '')) python();
}
