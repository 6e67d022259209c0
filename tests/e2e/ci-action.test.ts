// The CI step (action.yml, examples/ci/*, scripts/ci-action.sh): its script run as the runner
// would run it, in a fresh clone of a project, with GITHUB_OUTPUT and GITHUB_ACTIONS set; every
// workflow command it prints checked against GitHub's documented syntax; and the action's and
// GitLab job's YAML checked against what the script reads and writes.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { DOCKER_REASON, SKIP_DOCKER } from '../helpers/docker.js';
import { git, makeProject } from '../helpers/project.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'repro-ci-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * GitHub's workflow command syntax: ::name key=value,key=value::message, on one line, with % CR
 * LF escaped in the message and also : and , in property values.
 */
const WORKFLOW_COMMAND = /^::(error|warning|notice)( (file|line|endLine|col|endColumn|title)=([^:,%\r\n]|%25|%0D|%0A|%3A|%2C)*(,(file|line|endLine|col|endColumn|title)=([^:,%\r\n]|%25|%0D|%0A|%3A|%2C)*)*)?::([^%\r\n]|%25|%0D|%0A)*$/;

function runScript(cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(REPO_ROOT, 'scripts', 'ci-action.sh')], {
      cwd,
      // The runner's Node first on PATH (setup-node's job), as the action would have it.
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, REPRO_ACTION_PATH: REPO_ROOT, GITHUB_ACTIONS: 'true', RUNNER_TEMP: path.join(cwd, '..', 'runner-temp'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A project with a committed repro.lock, cloned fresh as CI checks it out. */
async function freshClone(name: string): Promise<{ origin: string; clone: string }> {
  const origin = await makeProject({ 'repro.yaml': 'name: cidemo\nversion: 1.0.0\nentry_points:\n  main:\n    command: python3 train.py\n', 'train.py': 'print("train")\n', 'src/util,odd:name%.py': 'x = 1\n' }, { git: true });
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli', 'bin.js'), 'build', origin, '-o', path.join(work, `${name}-seed`)], { stdio: 'pipe' });
  git(origin, 'add', 'repro.lock');
  git(origin, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'lock');
  const clone = path.join(work, name, 'checkout');
  execFileSync('git', ['clone', '-q', origin, clone]);
  return { origin, clone };
}

const commands = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('::'));

describe('scripts/ci-action.sh (the action\'s step) in a fresh clone', () => {
  it('builds with --verify --locked, attests and signs with a key from the environment, and hands the outputs on', async () => {
    const { clone } = await freshClone('ok');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', path.join(work, 'k.pem')]);
    const outputs = path.join(work, 'ok-output');
    writeFileSync(outputs, '');
    const r = await runScript(clone, { GITHUB_OUTPUT: outputs, REPRO_SIGNING: 'key', REPRO_SIGNING_KEY: readFileSync(path.join(work, 'k.pem'), 'utf8') });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const got = Object.fromEntries(readFileSync(outputs, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(got['content-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(got['file-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(existsSync(got.bundle!)).toBe(true);
    expect(readdirSync(got.dir!).sort()).toEqual(expect.arrayContaining(['cidemo-1.0.0.provenance.dsse.json', 'cidemo-1.0.0.cdx.dsse.json', 'cidemo-1.0.0.reproduced-build.dsse.json']));
    const lines = commands(r.stdout);
    expect(lines).toEqual([expect.stringMatching(/^::notice title=repro build%3A reproducible::cidemo-1\.0\.0\.repro\.tar\.zst rebuilt bit for bit under \d+ variations/)]);
    for (const l of lines) expect(l).toMatch(WORKFLOW_COMMAND);
  });

  it('a change that does not match repro.lock fails the step with one annotation per difference, on the file it names', async () => {
    const { clone } = await freshClone('changed');
    writeFileSync(path.join(clone, 'train.py'), 'print("changed")\n');
    writeFileSync(path.join(clone, 'src', 'util,odd:name%.py'), 'x = 2\n');
    git(clone, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'change');
    const r = await runScript(clone, { GITHUB_OUTPUT: path.join(work, 'changed-output') });
    expect(r.code).toBe(1);
    const lines = commands(r.stdout);
    for (const l of lines) expect(l, l).toMatch(WORKFLOW_COMMAND);
    expect(lines[0]).toMatch(/^::error file=repro\.lock,title=repro build%3A repro\.lock::the project no longer builds to the bundle in repro\.lock \(3 differences\)%0A/);
    expect(lines).toContainEqual(expect.stringMatching(/^::error file=train\.py,title=repro build%3A differs from repro\.lock::project\/train\.py: sha256: [0-9a-f]+ -> [0-9a-f]+$/));
    expect(lines).toContainEqual('::error file=train.py,title=repro build%3A differs from repro.lock::project/train.py: size: 15 -> 17');
    // a file name with , : and % in it: escaped in the property, the message keeps the % escaped
    expect(lines).toContainEqual(expect.stringMatching(/^::error file=src\/util%2Codd%3Aname%25\.py,title=[^:]+::project\/src\/util,odd:name%25\.py: sha256: /));
    expect(r.stderr).toContain('E_LOCK_MISMATCH');
  });

  it.skipIf(SKIP_DOCKER)(`pushes to a registry and attaches the attestations beside the bundle${SKIP_DOCKER ? `: skipped, ${DOCKER_REASON}` : ''}`, async () => {
    const { clone } = await freshClone('push');
    const outputs = path.join(work, 'push-output');
    writeFileSync(outputs, '');
    const r = await runScript(clone, { GITHUB_OUTPUT: outputs, REPRO_PUSH: `127.0.0.1:5000/repro-test/ci-${process.pid}:main`, REPRO_CACHE: path.join(work, 'cache') });
    expect(r.code, r.stderr).toBe(0);
    const reference = readFileSync(outputs, 'utf8').match(/^reference=(.+)$/m)?.[1];
    expect(reference).toMatch(/@sha256:[0-9a-f]{64}$/);
    const runs = execFileSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli', 'bin.js'), 'runs', reference!, '--json'], { encoding: 'utf8', env: { ...process.env, REPRO_CACHE: path.join(work, 'cache') } });
    expect(JSON.parse(runs).result.attestations.map((a: { kind: string; status: string }) => `${a.kind}/${a.status}`).sort()).toEqual(['provenance/unsigned', 'sbom/unsigned']);
  });
});

describe('the CI definitions', () => {
  const action = yaml.load(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as any;
  const script = readFileSync(path.join(REPO_ROOT, 'scripts', 'ci-action.sh'), 'utf8');

  it('action.yml is a composite action whose step runs scripts/ci-action.sh with every input, and whose outputs the script writes', () => {
    expect(action.runs.using).toBe('composite');
    const step = action.runs.steps.find((s: { id?: string }) => s.id === 'repro');
    expect(step.run).toBe('bash "$GITHUB_ACTION_PATH/scripts/ci-action.sh"');
    for (const [name, value] of Object.entries(step.env as Record<string, string>)) {
      const input = /\$\{\{ inputs\.([a-z-]+) \}\}/.exec(value)?.[1];
      if (input) expect(action.inputs, `${name} reads inputs.${input}`).toHaveProperty(input);
      expect(script, `the script reads ${name}`).toContain(name);
    }
    for (const input of Object.keys(action.inputs)) expect(JSON.stringify(action.runs.steps), `input ${input} is used`).toContain(`inputs.${input}`);
    for (const [name, out] of Object.entries(action.outputs as Record<string, { value: string }>)) {
      expect(out.value).toBe(`\${{ steps.repro.outputs.${name} }}`);
      expect(script, `the script emits ${name}`).toMatch(new RegExp(`emit ${name} `));
    }
    expect(action.runs.steps.map((s: { uses?: string }) => s.uses).filter(Boolean)).toEqual(['actions/setup-node@v4', 'actions/upload-artifact@v4']);
  });

  it('the example workflow uses the action with inputs it has; the GitLab job runs the same script and keeps its output', () => {
    const wf = yaml.load(readFileSync(path.join(REPO_ROOT, 'examples', 'ci', 'github-workflow.yml'), 'utf8')) as any;
    const use = wf.jobs.bundle.steps.find((s: { id?: string }) => s.id === 'repro');
    for (const k of Object.keys(use.with)) expect(action.inputs).toHaveProperty(k);
    expect(wf.permissions['id-token']).toBe('write');
    const gl = yaml.load(readFileSync(path.join(REPO_ROOT, 'examples', 'ci', 'gitlab-ci.yml'), 'utf8')) as any;
    expect(gl.repro.script.join('\n')).toContain('scripts/ci-action.sh');
    expect(gl.repro.artifacts.paths).toEqual(['repro-ci/']);
    expect(gl.repro.variables.REPRO_OUT).toBe('$CI_PROJECT_DIR/repro-ci');
    for (const v of Object.keys(gl.repro.variables).filter((v) => v.startsWith('REPRO_') && v !== 'REPRO_REPOSITORY')) expect(script).toContain(v);
  });
});
