// Push and pull of a 1 GiB bundle through the loopback registry (Debian's docker-registry on
// 127.0.0.1:5000, from the Docker test environment), against curl moving the same blob in the
// same run: curl -T for the upload (POST, then one streamed PUT), curl -o for the download.
// Each round pushes into fresh repositories, so every push uploads; each pull starts from an
// empty cache. Best wall time of BENCH_RUNS (2) rounds, worst peak RSS (GNU time).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { timeShell } from './measure.mjs';

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const REGISTRY = '127.0.0.1:5000';


export function runRegistryBench({ work, node, cli, runs = Number(process.env.BENCH_RUNS ?? 2), base = process.env.BENCH_BASE_CLI, baseName = process.env.BENCH_BASE_NAME ?? 'baseline' }) {
  const dir = path.join(work, 'registry-project');
  if (!existsSync(path.join(dir, '.done'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'repro.yaml'), 'name: big\nversion: 1.0.0\nentry_points:\n  main:\n    command: "true"\n');
    execFileSync('bash', ['-c', `head -c 1073741824 /dev/urandom > ${q(path.join(dir, 'weights.bin'))}`]);
    writeFileSync(path.join(dir, '.reproignore'), '.done\n');
    writeFileSync(path.join(dir, '.done'), '');
  }
  const built = JSON.parse(execFileSync(node, [cli, 'build', dir, '-o', path.join(work, 'registry-bundle'), '--json', '--no-progress'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  const bundle = built.result.bundle;
  const digest = built.result.fileDigest;
  const size = built.result.fileSize;
  const best = new Map();
  const keep = (label, s) => {
    const prev = best.get(label);
    best.set(label, { label, secs: Math.min(prev?.secs ?? Infinity, s.secs), rssMB: Math.max(prev?.rssMB ?? 0, s.rssMB) });
  };
  const stamp = Date.now();
  // Downloads (repro's cache and curl's file alike) land on a tmpfs when there is one: this
  // machine's disk slows ten-fold for minutes after a few GiB of writes, and the registry has
  // just written every push to it.
  const landing = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/repro-bench-registry-') : work;
  for (let round = 0; round < runs; round++) {
    const repo = `bench/big-${stamp}-${round}`;
    keep('repro push (1 GiB bundle)', timeShell(`${q(node)} ${q(cli)} push ${q(bundle)} ${REGISTRY}/${repo}-repro:v1`));
    const curlPut = (r) => `loc=$(curl -sS -X POST -D - -o /dev/null http://${REGISTRY}/v2/${r}/blobs/uploads/ | tr -d '\\r' | awk 'tolower($1)=="location:"{print $2}'); case "$loc" in http*) ;; *) loc="http://${REGISTRY}$loc";; esac; curl -sS -f -X PUT -H 'Content-Type: application/octet-stream' -T ${q(bundle)} "$loc&digest=${digest}"`;
    keep('curl: POST + one streamed PUT of the same blob', timeShell(curlPut(`${repo}-curl`)));
    // Issue 32's reference for push: the least a verifying push does, one after the other.
    keep('sha256sum FILE && curl (POST + streamed PUT)', timeShell(`sha256sum ${q(bundle)} && ${curlPut(`${repo}-sha-curl`)}`));
    if (base) keep(`repro push (before, ${baseName})`, timeShell(`${q(node)} ${q(base)} push ${q(bundle)} ${REGISTRY}/${repo}-base:v1`));
    const cache = path.join(landing, `registry-cache-${round}`);
    const blob = path.join(landing, 'registry-curl.blob');
    const pulls = [
      () => keep('repro pull (download, digest, verify, into the cache)', timeShell(`${q(node)} ${q(cli)} pull ${REGISTRY}/${repo}-repro:v1`, { env: { REPRO_CACHE: cache } })),
      ...(base ? [() => keep(`repro pull (before, ${baseName})`, timeShell(`${q(node)} ${q(base)} pull ${REGISTRY}/${repo}-repro:v1`, { env: { REPRO_CACHE: cache } }))] : []),
    ];
    // Taking turns at going first: the first pull after the pushes meets the disk still
    // writing out what the registry received.
    for (const pull of round % 2 ? [...pulls].reverse() : pulls) {
      rmSync(cache, { recursive: true, force: true });
      pull();
    }
    rmSync(cache, { recursive: true, force: true });
    keep('curl -o of the same blob', timeShell(`curl -sS -f -o ${q(blob)} http://${REGISTRY}/v2/${repo}-repro/blobs/${digest}`));
    keep('curl | tee | sha256sum (the download plus the digest check a pull must make)', timeShell(`curl -sS -f http://${REGISTRY}/v2/${repo}-repro/blobs/${digest} | tee ${q(blob)} | sha256sum`));
    rmSync(blob, { force: true });
  }
  if (landing !== work) rmSync(landing, { recursive: true, force: true });
  const rows = [...best.values()];
  const get = (prefix) => rows.find((r) => r.label.startsWith(prefix));
  const push = get('repro push');
  const pull = get('repro pull');
  const curlPut = get('curl: POST');
  const curlGet = get('curl -o');
  const curlHash = get('curl | tee');
  const shaPut = get('sha256sum FILE');
  const checks = [
    // Issue 32's targets: against the least a verifying push and pull do.
    ['push within 1.3x of sha256sum FILE && curl -T FILE', `${(push.secs / shaPut.secs).toFixed(2)}x`, push.secs <= shaPut.secs * 1.3],
    ['pull within 1.3x of curl | tee | sha256sum', `${(pull.secs / curlHash.secs).toFixed(2)}x`, pull.secs <= curlHash.secs * 1.3],
    // Issue 16's, against curl moving the blob and checking nothing.
    ['(context) push within 1.3x of curl moving the same blob', `${(push.secs / curlPut.secs).toFixed(2)}x`, push.secs <= curlPut.secs * 1.3],
    ['(context) pull within 1.3x of curl moving the same blob', `${(pull.secs / curlGet.secs).toFixed(2)}x`, pull.secs <= curlGet.secs * 1.3],
    ['peak RSS < 300 MB (push, pull)', `${push.rssMB.toFixed(0)} / ${pull.rssMB.toFixed(0)} MB`, push.rssMB < 300 && pull.rssMB < 300],
  ];
  if (base) {
    for (const what of ['push', 'pull']) {
      const now = what === 'push' ? push : pull;
      const before = get(`repro ${what} (before`);
      checks.push([`${what} now vs before (${baseName})`, `${before.secs.toFixed(2)} s -> ${now.secs.toFixed(2)} s (${(before.secs / now.secs).toFixed(2)}x); peak RSS ${before.rssMB.toFixed(0)} -> ${now.rssMB.toFixed(0)} MB`, now.secs <= before.secs]);
    }
  }
  return { rows, checks, size };
}
