// Issue 29: repro's PEP 508 marker evaluation against pip's own (packaging 24.2, pinned by hash in
// the ML tools' environment, scripts/ml-venv.sh): every marker of the real Python lockfiles in
// ../shared/real-locks and a table of edge cases, for three environments, must evaluate the same.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLockfiles } from '../../../src/lockfile/find.js';
import { evaluateMarker, markerEnvironment, type MarkerEnvironment } from '../../../src/lockfile/pep508.js';
import { PYTHON_LOCK_FORMATS } from '../../../src/snapshot/pins.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { ML_PYTHON, ML_REASON, SKIP_ML } from '../../helpers/ml-python.js';

const REAL = path.resolve(REPO_ROOT, '..', 'shared', 'real-locks');
const EDGES = [
  "python_version >= '3.8' and python_version < '3.13'",
  "python_full_version == '3.12.*'",
  "python_version ~= '3.11'",
  "platform_machine == 'aarch64' or (sys_platform == 'darwin' and platform_machine == 'arm64')",
  "sys_platform == 'win32' or sys_platform == 'darwin' and python_version >= '3.8'",
  "'linux' in sys_platform and 'win' not in sys_platform",
  "implementation_name == 'pypy'",
  "platform_python_implementation != 'CPython'",
  "extra == 'gpu'",
  "os_name == 'nt'",
  "platform_system == 'Linux'",
  "python_version > '3.11.1'",
];

async function realMarkers(): Promise<string[]> {
  const out = new Set<string>();
  for (const project of readdirSync(REAL).filter((d) => d !== 'SOURCES.md')) {
    for (const r of (await findLockfiles(path.join(REAL, project))).records) {
      if (!PYTHON_LOCK_FORMATS.has(r.format)) continue;
      for (const p of r.packages) if (p.platform && p.platform !== 'local') out.add(p.platform);
    }
  }
  return [...out].sort();
}

describe.skipIf(SKIP_ML)(`PEP 508 markers: repro against packaging${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  const environments: MarkerEnvironment[] = [
    markerEnvironment({ version: '3.11.2', implementation: 'CPython' }, { platform: 'linux', arch: 'x64', kernel: '6.1.0' }),
    markerEnvironment({ version: '3.12.4', implementation: 'CPython' }, { platform: 'darwin', arch: 'arm64', kernel: '23.5.0' }),
    markerEnvironment({ version: '3.9.18', implementation: 'PyPy' }, { platform: 'win32', arch: 'x64', kernel: '10' }),
  ];

  it('every marker of the real Python lockfiles and every edge case evaluates as packaging.markers does', async () => {
    if (!ML_PYTHON) throw new Error(`CI has no ML tools environment: ${ML_REASON}`);
    const markers = [...(await realMarkers()), ...EDGES];
    expect(markers.length).toBeGreaterThan(EDGES.length); // the real locks have markers
    console.log(`pep508: ${markers.length} markers x ${environments.length} environments against packaging`);
    const script = `import json, sys
from packaging.markers import Marker
cases = json.load(sys.stdin)
out = []
for env in cases["envs"]:
    row = []
    for m in cases["markers"]:
        try:
            row.append(Marker(m).evaluate({**env, "extra": ""}))
        except Exception:
            row.append(None)
    out.append(row)
print(json.dumps(out))`;
    const envs = environments.map((e) => ({ ...e, platform_release: e.platform_release ?? '', platform_version: '' }));
    const theirs = JSON.parse(execFileSync(ML_PYTHON, ['-c', script], { input: JSON.stringify({ envs, markers }), encoding: 'utf8' })) as Array<Array<boolean | null>>;
    const disagreements: string[] = [];
    environments.forEach((env, e) =>
      markers.forEach((m, i) => {
        const ours = evaluateMarker(m, { ...env, platform_release: env.platform_release ?? '', platform_version: '' });
        if (ours !== theirs[e]![i]) disagreements.push(`${env.sys_platform}/${env.python_full_version}: ${m}: repro ${ours}, packaging ${theirs[e]![i]}`);
      }),
    );
    expect(disagreements).toEqual([]);
  });
});
