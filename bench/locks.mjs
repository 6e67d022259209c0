// Lockfile reading inside `repro snapshot`, on every real lockfile of ../shared/real-locks
// (issue 15; pylock.toml, pixi.lock and conda explicit specs since issue 29). For each: the whole `repro snapshot` (median of 3) and the lockfile probe's own
// duration from the snapshot's context, against python3 parsing the same file with the parser
// its tool uses (json, tomllib, PyYAML's C loader; a plain read for requirements files).
// Targets: every lockfile under 300 ms inside the snapshot; the whole snapshot of the largest
// (the 1.7 MB npm-shrinkwrap.json) under 1 s.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const PY = `
import json, sys, time, tomllib, yaml
f = sys.argv[1]
t = time.perf_counter()
with open(f, 'rb') as h: data = h.read()
name = f.rsplit('/', 1)[-1]
if name.endswith('.json') or name == 'Pipfile.lock': json.loads(data)
elif name.endswith('.lock') and data.lstrip().startswith(b'#') and b'__metadata' in data[:2000]: yaml.load(data, Loader=yaml.CSafeLoader)
elif name in ('uv.lock', 'poetry.lock') or (name.startswith('pylock') and name.endswith('.toml')): tomllib.loads(data.decode())
elif name.endswith(('.yaml', '.yml')) or name == 'pixi.lock': yaml.load(data, Loader=yaml.CSafeLoader)
else: data.decode().splitlines()
print((time.perf_counter() - t) * 1000)
`;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function runLocksBench({ work, node, cli, shared }) {
  const root = path.join(shared, 'real-locks');
  const out = path.join(work, 'locks');
  mkdirSync(out, { recursive: true });
  const rows = [];
  const checks = [];
  let worstProbe = 0;
  let worstCase = '';
  let largest = { bytes: 0, name: '', wall: 0 };
  for (const c of readdirSync(root).filter((n) => statSync(path.join(root, n)).isDirectory()).sort()) {
    let file = readdirSync(path.join(root, c)).find((f) => !f.startsWith('.'));
    if (statSync(path.join(root, c, file)).isDirectory()) file = path.join(file, readdirSync(path.join(root, c, file))[0]);
    const bytes = statSync(path.join(root, c, file)).size;
    const walls = [];
    const probes = [];
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      const r = spawnSync(node, [cli, 'snapshot', path.join(root, c), '-o', path.join(out, `${c}.json`), '--no-import', '--no-progress', '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
      walls.push(Number(process.hrtime.bigint() - t) / 1e9);
      if (r.status !== 0) throw new Error(`snapshot of ${c} failed: ${r.stderr}`);
      probes.push(JSON.parse(r.stdout).result.snapshot.context.probes.lockfiles.durationMs);
    }
    const py = spawnSync('python3', ['-c', PY, path.join(root, c, file)], { encoding: 'utf8' });
    const ref = py.status === 0 ? Number(py.stdout.trim()) : NaN;
    const probe = median(probes);
    if (probe > worstProbe) [worstProbe, worstCase] = [probe, c];
    if (bytes > largest.bytes) largest = { bytes, name: c, wall: median(walls) };
    rows.push({ label: `${c} (${file}, ${(bytes / 1e6).toFixed(2)} MB): snapshot wall / lockfile probe / python3 parse`, secs: median(walls), probeMs: probe, refMs: ref });
  }
  checks.push([`every lockfile < 300 ms inside the snapshot (worst: ${worstCase})`, `${worstProbe} ms`, worstProbe < 300]);
  checks.push([`whole snapshot of the largest (${largest.name}) < 1 s`, `${largest.wall.toFixed(3)} s`, largest.wall < 1]);
  return { rows, checks };
}

export function locksTable(res) {
  return [
    '| lockfile | snapshot wall s | lockfile probe ms | python3 parse ms |',
    '| --- | ---: | ---: | ---: |',
    ...res.rows.map((r) => `| ${r.label.replace(/: snapshot.*$/, '')} | ${r.secs.toFixed(3)} | ${r.probeMs} | ${Number.isNaN(r.refMs) ? '?' : r.refMs.toFixed(0)} |`),
  ];
}

export function readmeNote(shared) {
  return readFileSync(path.join(shared, 'real-locks', 'SOURCES.md'), 'utf8').split('\n')[0];
}
